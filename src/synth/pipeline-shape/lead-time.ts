import { AssemblyFacts, PipelineAction, PipelineShape, PipelineStageShape, totalsOf } from './pipeline-shape';

/**
 * A structural lead-time model of one pipeline run (issue 30, point 5): from source to the last
 * prod action, along the critical path (per stage, per run order, the longest action), with
 * every second put in one bucket:
 *
 * - deliberate waits, which the pipeline spends on purpose: the canary and its bake (the ECS
 *   deployment's own waits, read from the Service templates), the bake between prod regions,
 *   and the approval (a person: counted, never estimated);
 * - overhead, which a faster pipeline would not spend: provisioning of every compute action,
 *   installs, the build (synth, image), publishing assets, CloudFormation deploys, checks (gates,
 *   reports, protection, self-mutation) and CodePipeline's transitions between run orders.
 *
 * The durations are assumptions (MODEL below, each with why); the structure is the synthesized
 * pipeline's. The same model runs on the default CDK Pipeline of the same waves
 * (defaultPipelineShape), so the two totals compare like with like.
 */

/** Where the overhead goes. */
export const OVERHEAD = ['provisioning', 'installs', 'build', 'publishing', 'deploys', 'checks', 'transitions'] as const;
export type Overhead = typeof OVERHEAD[number];
/** What the pipeline waits for on purpose. */
export const WAITS = ['canary', 'bake'] as const;
export type Wait = typeof WAITS[number];

/** One assumed duration, in seconds, and why. */
export interface Assumption {
  readonly seconds: number;
  readonly why: string;
}

/** The model's durations. */
export const MODEL = {
  provisioning: { seconds: 25, why: 'a CodeBuild build (a Commands action is one too) before its first command: the issue measured "tens of seconds"; AWS documents no figure' },
  transition: { seconds: 3, why: 'CodePipeline starting the next run order or stage' },
  source: { seconds: 10, why: 'the CodeConnections source action' },
  npmCi: { seconds: 45, why: 'npm ci of the project with the CodeBuild npm cache' },
  globalCli: { seconds: 12, why: 'npm install -g of one bundled CLI (aws-cdk, cdk-assets), its integrity check included' },
  trivy: { seconds: 15, why: 'the pinned Trivy release download and its database' },
  nodeSwitch: { seconds: 2, why: 'n switching a Commands action to the installed Node.js 24, offline' },
  synth: { seconds: 150, why: 'npx projen build on a MEDIUM CodeBuild host: compile, tests, synth with compliance, integ snapshots' },
  selfMutate: { seconds: 45, why: 'the gate check and cdk deploy of an unchanged pipeline stack' },
  filePublish: { seconds: 20, why: 'cdk-assets publishing the file assets to every stage account and region' },
  imageBuild: { seconds: 120, why: 'docker build of the service image' },
  imageScan: { seconds: 120, why: 'Trivy, the push, the ECR scan wait and the wait for the replica' },
  imagePublish: { seconds: 40, why: 'cdk-assets pushing the image asset to every stage account and region (default pipeline)' },
  changeReport: { seconds: 20, why: 'the change report reading every prod template' },
  protection: { seconds: 15, why: 'turning termination and deletion protection on and reading them back' },
  changeSet: { seconds: 20, why: 'creating a change set (default pipeline: a Prepare action per stack)' },
  platformDeploy: { seconds: 45, why: 'an update of the Platform stack that changes nothing' },
  serviceDeploy: { seconds: 180, why: 'the ECS deployment of a new image: new tasks started, healthy, old ones drained (without its canary and bake waits)' },
  assertionsDeploy: { seconds: 150, why: 'the assertion stack: its checks run and wait in Step Functions' },
  otherDeploy: { seconds: 60, why: 'any other stack update' },
} as const satisfies Record<string, Assumption>;

/** The modelled time of one action: its overhead by bucket and its deliberate waits. */
export interface ActionTime {
  readonly overhead: Partial<Record<Overhead, number>>;
  readonly waits: Partial<Record<Wait, number>>;
  /** A manual approval: a person's time, not modelled. */
  readonly approval?: boolean;
}

const s = (a: Assumption) => a.seconds;
const compute = (extra: Partial<Record<Overhead, number>>, waits: Partial<Record<Wait, number>> = {}): ActionTime =>
  ({ overhead: { provisioning: s(MODEL.provisioning), ...extra }, waits });

/** The model of one action, by its provider and name. */
export function actionTime(action: PipelineAction, facts: AssemblyFacts): ActionTime {
  const name = action.name;
  if (action.category === 'Approval') return { overhead: {}, waits: {}, approval: true };
  if (action.category === 'Source') return { overhead: { transitions: s(MODEL.source) }, waits: {} };
  if (action.provider === 'CloudFormation') {
    const stack = action.stackName ?? '';
    if (/\.Prepare$/.test(name)) return { overhead: { deploys: s(MODEL.changeSet) }, waits: {} };
    const canary = (facts.ecsWaitMinutes[stack] ?? 0) * 60;
    const work = /-Platform$/.test(stack) ? MODEL.platformDeploy : /-Service$/.test(stack) ? MODEL.serviceDeploy : /-Assertions$/.test(stack) ? MODEL.assertionsDeploy : MODEL.otherDeploy;
    return { overhead: { deploys: s(work) }, waits: canary > 0 ? { canary } : {} };
  }
  if (name === 'Synth') return compute({ installs: s(MODEL.npmCi), build: s(MODEL.synth) });
  if (name === 'SelfMutate') return compute({ installs: s(MODEL.globalCli), checks: s(MODEL.selfMutate) });
  if (name === 'ImageGate') return compute({ installs: s(MODEL.trivy), build: s(MODEL.imageBuild), checks: s(MODEL.imageScan) });
  if (/^DockerAsset/.test(name)) return compute({ installs: s(MODEL.globalCli), build: s(MODEL.imageBuild), publishing: s(MODEL.imagePublish) });
  if (/^FileAsset/.test(name)) return compute({ installs: s(MODEL.globalCli), publishing: s(MODEL.filePublish) });
  if (/(^|\.)Bake-/.test(name)) {
    const minutes = Number(/--minutes (\d+)/.exec((action.commands ?? []).join(' '))?.[1] ?? 0);
    return compute({ installs: s(MODEL.nodeSwitch) }, { bake: minutes * 60 });
  }
  if (/ChangeReport-/.test(name)) return compute({ installs: s(MODEL.nodeSwitch), checks: s(MODEL.changeReport) });
  if (/TerminationProtection/.test(name)) return compute({ checks: s(MODEL.protection) });
  return compute({ checks: s(MODEL.otherDeploy) });
}

const sum = (values: ReadonlyArray<number | undefined>) => values.reduce<number>((a, b) => a + (b ?? 0), 0);
const total = (t: ActionTime) => sum(Object.values(t.overhead)) + sum(Object.values(t.waits));

/** The model of one run: its buckets and totals. */
export interface LeadTime {
  readonly overhead: Readonly<Record<Overhead, number>>;
  readonly waits: Readonly<Record<Wait, number>>;
  /** Manual approvals on the critical path (each adds a person's time). */
  readonly approvals: number;
  /** Overhead plus deliberate waits, in seconds (approvals excluded). */
  readonly totalSeconds: number;
  readonly overheadSeconds: number;
  readonly waitSeconds: number;
}

/** The critical path of a run through `shape`. */
export function leadTimeOf(shape: PipelineShape, facts: AssemblyFacts): LeadTime {
  const overhead = Object.fromEntries(OVERHEAD.map((o) => [o, 0])) as Record<Overhead, number>;
  const waits = Object.fromEntries(WAITS.map((w) => [w, 0])) as Record<Wait, number>;
  let approvals = 0;
  for (const stage of shape.stages) {
    const orders = [...new Set(stage.actions.map((a) => a.runOrder))].sort((a, b) => a - b);
    for (const order of orders) {
      const times = stage.actions.filter((a) => a.runOrder === order).map((a) => actionTime(a, facts));
      if (times.some((t) => t.approval)) approvals++;
      const critical = times.reduce((a, b) => (total(b) > total(a) ? b : a));
      for (const [k, v] of Object.entries(critical.overhead)) overhead[k as Overhead] += v ?? 0;
      for (const [k, v] of Object.entries(critical.waits)) waits[k as Wait] += v ?? 0;
      overhead.transitions += s(MODEL.transition);
    }
  }
  const overheadSeconds = OVERHEAD.reduce((a, o) => a + overhead[o], 0);
  const waitSeconds = WAITS.reduce((a, w) => a + waits[w], 0);
  return { overhead, waits, approvals, totalSeconds: overheadSeconds + waitSeconds, overheadSeconds, waitSeconds };
}

/**
 * The default CDK Pipeline of the same waves, derived from `shape` by the rules CDK Pipelines
 * applies with its defaults (aws-cdk-lib 2.257 pipelines): `useChangeSets: true` (a Prepare and
 * an Execute action per stack, two run orders per level of stacks), `publishAssetsInParallel:
 * true` (one CodeBuild action per file asset and per image asset, side by side), the service
 * image as a Docker image asset (no gate of its own), a ManualApprovalStep before each wave that
 * needs one (in the wave's stage), and none of this pipeline's own steps (image gate, change
 * report, protection, bake). Source, synth and self-mutation are kept as they are.
 */
export function defaultPipelineShape(shape: PipelineShape, facts: AssemblyFacts): PipelineShape {
  const head = shape.stages.filter((st) => ['Source', 'Build', 'UpdatePipeline'].includes(st.name));
  const action = (name: string, provider: string, runOrder: number, extra: Partial<PipelineAction> = {}): PipelineAction =>
    ({ name, category: provider === 'CloudFormation' ? 'Deploy' : provider === 'Manual' ? 'Approval' : 'Build', provider, runOrder, ...extra });
  const assets: PipelineStageShape = {
    name: 'Assets',
    actions: [
      ...Array.from({ length: facts.fileAssets }, (_, i) => action(`FileAsset${i + 1}`, 'CodeBuild', 1)),
      action('DockerAsset1', 'CodeBuild', 1),
    ],
  };
  const waves: PipelineStageShape[] = [];
  let pendingApproval = false;
  for (const stage of shape.stages.filter((st) => st.actions.some((a) => a.provider === 'CloudFormation' || a.category === 'Approval'))) {
    if (!stage.actions.some((a) => a.provider === 'CloudFormation')) {
      pendingApproval = true;
      continue;
    }
    const offset = pendingApproval ? 1 : 0;
    const deploys = stage.actions.filter((a) => a.provider === 'CloudFormation');
    waves.push({
      name: stage.name,
      actions: [
        ...(pendingApproval ? [action('PromoteToProd', 'Manual', 1)] : []),
        ...deploys.flatMap((d) => [
          action(d.name.replace(/\.Deploy$/, '.Prepare'), 'CloudFormation', offset + 2 * d.runOrder - 1, { stackName: d.stackName }),
          action(d.name, 'CloudFormation', offset + 2 * d.runOrder, { stackName: d.stackName }),
        ]),
      ],
    });
    pendingApproval = false;
  }
  const stages = [...head, assets, ...waves];
  return { logicalId: 'DefaultCdkPipeline', stages, totals: totalsOf(stages) };
}

const minutes = (seconds: number) => `${Math.floor(seconds / 60)}m ${String(Math.round(seconds % 60)).padStart(2, '0')}s`;

/** The lead-time section of `npx projen pipeline:report`: this pipeline and the default, both buckets. */
export function renderLeadTime(ours: LeadTime, defaults: LeadTime, shapes: { ours: PipelineShape; defaults: PipelineShape }): string {
  const row = (label: string, a: number, b: number) => `  ${label.padEnd(34)}${minutes(a).padStart(9)}${minutes(b).padStart(12)}`;
  const counts = (t: PipelineShape['totals']) => `${t.sequentialSlots} slots, ${t.codeBuildActions} CodeBuild + ${t.commandsActions} Commands`;
  return [
    'Lead-time model (critical path, source to the last prod action; durations assumed: src/synth/pipeline-shape/lead-time.ts MODEL)',
    `${''.padEnd(36)}${'this'.padStart(9)}${'default CDK'.padStart(12)}`,
    `  shape: this ${counts(shapes.ours.totals)}; default ${counts(shapes.defaults.totals)}`,
    'Deliberate waits',
    row('canary and its bake (ECS)', ours.waits.canary, defaults.waits.canary),
    row('bake between prod regions', ours.waits.bake, defaults.waits.bake),
    `  approval: a person's time, not modelled (${ours.approvals} on this pipeline's path, ${defaults.approvals} on the default's)`,
    row('total deliberate waits', ours.waitSeconds, defaults.waitSeconds),
    'Overhead',
    ...OVERHEAD.map((o) => row(o, ours.overhead[o], defaults.overhead[o])),
    row('total overhead', ours.overheadSeconds, defaults.overheadSeconds),
    row('total (approval excluded)', ours.totalSeconds, defaults.totalSeconds),
    `  ratio this / default: ${(ours.totalSeconds / defaults.totalSeconds).toFixed(2)} (overhead alone: ${(ours.overheadSeconds / defaults.overheadSeconds).toFixed(2)})`,
  ].join('\n');
}
