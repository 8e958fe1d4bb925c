import { createHash } from 'crypto';
/**
 * The gates a pipeline template enforces, as facts that can only hold or not, each with a
 * strength (issue 33, point 3). The self-mutation step reads the facts of the pipeline as it is
 * deployed and of the pipeline the commit would deploy: a fact of the deployed pipeline that the
 * new one lacks, or holds with less strength, is a weakened gate (gate-check.ts).
 *
 * Read from the CloudFormation template alone (the AWS::CodePipeline::Pipeline resource and the
 * CodeBuild projects it runs), never from the code that built it: the new template is what
 * `cdk deploy` would send.
 */

/** A pipeline template, as far as the facts read it. */
export interface PipelineTemplate {
  readonly Resources?: Record<string, { readonly Type?: string; readonly Properties?: any }>;
}

/** One gate fact: a key, how strong it holds (1 for a gate that holds or not), and what it means. */
export interface GateFact {
  readonly key: string;
  readonly strength: number;
  readonly description: string;
}

/** Where an action runs: stage index, then run order. */
interface Placed {
  readonly stage: number;
  readonly stageName: string;
  readonly runOrder: number;
  readonly action: any;
}

const before = (a: Placed, b: Placed) => a.stage < b.stage || (a.stage === b.stage && a.runOrder < b.runOrder);

/** The account a deploy action's role belongs to (its RoleArn, literal or joined). */
function accountOf(action: any): string | undefined {
  const flat = JSON.stringify(action.RoleArn ?? '');
  return /:iam::(\d{12}):role/.exec(flat)?.[1];
}

/** The pipeline resource of a template, and its other resources by logical id. */
function pipelineOf(template: PipelineTemplate): { stages: any[]; resources: Record<string, any> } {
  const resources = template.Resources ?? {};
  const pipelines = Object.values(resources).filter((r) => r.Type === 'AWS::CodePipeline::Pipeline');
  if (pipelines.length !== 1) throw new Error(`expected one AWS::CodePipeline::Pipeline in the template, found ${pipelines.length}`);
  return { stages: pipelines[0].Properties?.Stages ?? [], resources };
}

/** A short, stable digest of a text (the first 8 hex digits of its SHA-256): enough to tell two versions of a command apart. */
export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** CodeBuild's phases, in the order a build runs them. */
const PHASES = ['install', 'pre_build', 'build', 'post_build'];

/**
 * The commands of a CodeBuild project's inline buildspec, in the order the build runs them, or
 * [] when it has none (a buildspec read from the source would be the commit's own).
 */
function projectCommands(resources: Record<string, any>, action: any): string[] {
  const ref = action.Configuration?.ProjectName?.Ref;
  const spec = ref ? resources[ref]?.Properties?.Source?.BuildSpec : undefined;
  if (typeof spec !== 'string' || !spec.trim().startsWith('{')) return [];
  const phases = JSON.parse(spec).phases ?? {};
  return PHASES.flatMap((p) => phases[p]?.commands ?? []);
}

/**
 * Markers of the commands that guard the pipeline itself (src/synth/pipeline/pipeline-guards.ts
 * writes them): a guard is every command of its build up to its last marked one, so nothing can
 * run before it unnoticed, and a change to any of them is a gate change.
 */
export const GUARD_MARKERS = { gateCheck: 'gate-check', sourceCheck: 'source-revision-check' } as const;

/** Every gate fact of a pipeline template. */
export function gateFacts(template: PipelineTemplate): GateFact[] {
  const { stages, resources } = pipelineOf(template);
  const placed: Placed[] = stages.flatMap((s: any, i: number) => (s.Actions ?? [])
    .map((a: any) => ({ stage: i, stageName: s.Name, runOrder: a.RunOrder ?? 1, action: a })));
  const provider = (p: Placed) => p.action.ActionTypeId?.Provider;
  const deploys = placed.filter((p) => provider(p) === 'CloudFormation');
  const approvals = placed.filter((p) => p.action.ActionTypeId?.Category === 'Approval');
  const facts: GateFact[] = [];
  const fact = (key: string, description: string, strength = 1) => facts.push({ key, strength, description });

  // A manual approval before every deploy into an account.
  for (const account of new Set(deploys.map((d) => accountOf(d.action)).filter((a): a is string => !!a))) {
    if (deploys.filter((d) => accountOf(d.action) === account).every((d) => approvals.some((a) => before(a, d)))) {
      fact(`approval:${account}`, `a manual approval before every deploy into account ${account}`);
    }
  }
  // The image gate before every deploy, and the severities it fails on.
  const gate = placed.find((p) => p.action.Name === 'ImageGate');
  if (gate && deploys.length > 0 && deploys.every((d) => before(gate, d))) {
    fact('image-gate', 'the image gate (Trivy and the ECR scan) before every deploy');
    const env = resources[gate.action.Configuration?.ProjectName?.Ref]?.Properties?.Environment?.EnvironmentVariables ?? [];
    for (const name of ['FAIL_ON', 'FAIL_ON_FIXABLE']) {
      const value = String(env.find((v: any) => v.Name === name)?.Value ?? '');
      for (const severity of value.split(',').filter(Boolean)) fact(`image-gate:${name}:${severity}`, `the image gate fails on ${name === 'FAIL_ON' ? '' : 'fixable '}${severity} findings`);
    }
  }
  // The change report before each approval, and whether it blocks stateful replacements.
  for (const approval of approvals) {
    const report = placed.find((p) => /^ChangeReport-/.test(p.action.Name) && before(p, approval) && p.stage === approval.stage);
    if (!report) continue;
    fact(`change-report:${approval.action.Name}`, `the change report before approval ${approval.action.Name}`);
    const commands = [...(report.action.Commands ?? []), ...projectCommands(resources, report.action)];
    if (commands.some((c: string) => c.includes('--block-stateful-replacement'))) {
      fact(`change-report-blocks:${approval.action.Name}`, `the change report before ${approval.action.Name} refuses stateful replacements`);
    }
  }
  // Assertions after every stage's deploy, and rollback of the stages that deploy.
  for (const d of deploys) {
    const stack = String(d.action.Configuration?.StackName ?? '');
    if (stack.endsWith('-Assertions')) fact(`assertions:${stack}`, `the post-deploy assertions ${stack}`);
  }
  for (const stage of stages) {
    if (stage.OnFailure?.Result === 'ROLLBACK') fact(`rollback:${stage.Name}`, `stage ${stage.Name} rolls back on failure`);
  }
  // The bake: its stage and its minutes (fewer minutes is a weaker bake).
  for (const p of placed.filter((x) => /(^|\.)Bake-/.test(x.action.Name))) {
    const commands: string[] = [...(p.action.Commands ?? []), ...projectCommands(resources, p.action)];
    const minutes = Number(/--minutes (\d+)/.exec(commands.join(' '))?.[1] ?? 0);
    fact(`bake:${p.stageName}`, `the bake in stage ${p.stageName} (strength: its minutes)`, minutes);
  }
  // The guards of the pipeline itself: this check in self-mutation, the source-revision check in
  // the synth. A changed guard (any change: this code cannot judge a new version of itself)
  // counts as a weakened one.
  for (const p of placed.filter((x) => provider(x) === 'CodeBuild')) {
    for (const [name, marker] of Object.entries(GUARD_MARKERS)) {
      const commands = projectCommands(resources, p.action);
      const last = commands.map((c) => c.includes(marker)).lastIndexOf(true);
      const guard = commands.slice(0, last + 1);
      if (last >= 0) fact(`guard:${name}:${digest(guard.join('\n'))}`, `the ${name === 'gateCheck' ? 'self-mutation gate check' : 'synth source-revision check'} as deployed`);
    }
  }
  return facts;
}

/** The facts of `deployed` that `proposed` lacks or holds with less strength. */
export function weakenedGates(deployed: PipelineTemplate, proposed: PipelineTemplate): GateFact[] {
  const now = new Map(gateFacts(proposed).map((f) => [f.key, f]));
  return gateFacts(deployed).filter((f) => (now.get(f.key)?.strength ?? 0) < f.strength);
}
