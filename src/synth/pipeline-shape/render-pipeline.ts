import { PipelineShape } from './pipeline-shape';

/** What kind of gate an action is, for the summary (undefined when it is no gate). */
export function gateKind(name: string, category: string): string | undefined {
  if (category === 'Approval') return 'manual approval';
  if (/ImageGate/i.test(name)) return 'image build + Trivy + ECR scan gate';
  if (/ChangeReport/i.test(name)) return 'prod change report';
  if (/Assert/i.test(name)) return 'post-deploy assertions';
  if (/(^|\.)Bake-/.test(name)) return 'alarm bake before the next region';
  if (/TerminationProtection/.test(name)) return 'termination and deletion protection';
  return undefined;
}

/** The short summary `npx projen synth` prints: waves, stages, accounts, regions, gates. */
export function renderSummary(shape: PipelineShape): string {
  const rows = shape.stages.map((stage) => {
    const targets = new Map<string, number>();
    const gates = new Set<string>();
    for (const action of stage.actions) {
      const kind = gateKind(action.name, action.category);
      if (kind) gates.add(kind);
      if (action.provider === 'CloudFormation' && action.account && !/Assert/i.test(action.name)) {
        const key = `${action.account} ${action.region ?? ''}`;
        targets.set(key, (targets.get(key) ?? 0) + 1);
      }
    }
    if (stage.rollsBackOnFailure) gates.add('rollback on failure');
    const where = [...targets].map(([k, n]) => `${k}: ${n}`).join('; ') || stage.actions.map((a) => a.provider).join(', ');
    return [stage.name, where, [...gates].join(', ')];
  });
  const header = ['Stage / wave', 'Deploys to (account region: stacks)', 'Gates'];
  const widths = [0, 1].map((i) => Math.max(header[i].length, ...rows.map((r) => r[i].length)) + 2);
  const line = (r: string[]) => `${r[0].padEnd(widths[0])}${r[1].padEnd(widths[1])}${r[2]}`.trimEnd();
  const t = shape.totals;
  return [
    'Delivery pipeline synthesized to cdk.out',
    '',
    line(header),
    ...rows.map(line),
    '',
    `Totals: ${t.sequentialSlots} sequential action slots, ${t.codeBuildActions} CodeBuild actions, ${t.commandsActions} Commands actions, `
      + `${t.cloudFormationActions} CloudFormation actions, ${t.approvals} approval(s) per run.`,
  ].join('\n');
}

/** The full report `npx projen pipeline:report` prints: every action in order, then totals. */
export function renderReport(shape: PipelineShape): string {
  const lines: string[] = [];
  for (const stage of shape.stages) {
    const onFailure = stage.rollsBackOnFailure ? ' (rolls back to its last successful execution when an action fails)'
      : stage.retriesOnFailure ? ' (retries its failed actions once)' : '';
    lines.push(`${stage.name}${onFailure}`);
    for (const a of stage.actions) {
      const where = [a.account, a.region].filter(Boolean).join(' ');
      lines.push(`  ${String(a.runOrder).padStart(2)}. ${a.name} [${a.provider}]${where ? ` -> ${where}` : ''}`);
    }
  }
  const t = shape.totals;
  lines.push('');
  lines.push(`sequential action slots (approvals excluded): ${t.sequentialSlots}`);
  lines.push(`CodeBuild actions per run:                     ${t.codeBuildActions}`);
  lines.push(`Commands actions per run (CodeBuild compute):  ${t.commandsActions}`);
  lines.push(`CloudFormation actions per run:                ${t.cloudFormationActions}`);
  lines.push(`manual approvals per run:                      ${t.approvals}`);
  return lines.join('\n');
}

/** A Mermaid flowchart of the pipeline: stages left to right, parallel actions stacked. */
export function renderMermaid(shape: PipelineShape): string {
  const id = (s: string) => s.replace(/[^A-Za-z0-9]/g, '_');
  const lines = ['flowchart LR'];
  let previous: string | undefined;
  for (const stage of shape.stages) {
    const sid = id(`s_${stage.name}`);
    lines.push(`  subgraph ${sid}["${stage.name}"]`);
    lines.push('    direction TB');
    const orders = [...new Set(stage.actions.map((a) => a.runOrder))].sort((a, b) => a - b);
    let prevOrder: string | undefined;
    for (const order of orders) {
      const oid = id(`${sid}_${order}`);
      const label = stage.actions.filter((a) => a.runOrder === order)
        .map((a) => `${a.name.replace(/"/g, "'")} (${a.provider})`).join('<br/>');
      lines.push(`    ${oid}["${label}"]`);
      if (prevOrder) lines.push(`    ${prevOrder} --> ${oid}`);
      prevOrder = oid;
    }
    lines.push('  end');
    if (previous) lines.push(`  ${previous} --> ${sid}`);
    previous = sid;
  }
  return lines.join('\n');
}

/** A fenced block a document holds between `<!-- <name>:start -->` and `<!-- <name>:end -->`. */
export interface EmbeddedBlock {
  /** Marker name: `pipeline-diagram` (README.md), `lead-time-model` (docs/performance.md). */
  readonly name: string;
  /** The fence's language: `mermaid`, `text`. */
  readonly lang: string;
}

export const DIAGRAM_BLOCK: EmbeddedBlock = { name: 'pipeline-diagram', lang: 'mermaid' };
export const LEAD_TIME_BLOCK: EmbeddedBlock = { name: 'lead-time-model', lang: 'text' };

const markers = (block: EmbeddedBlock) => [`<!-- ${block.name}:start -->`, `<!-- ${block.name}:end -->`] as const;

/** The content of a document's block (undefined if it has no such markers). */
export function readBlock(doc: string, block: EmbeddedBlock): string | undefined {
  const [START, END] = markers(block);
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) return undefined;
  const fenced = new RegExp(`\`\`\`${block.lang}\n([\\s\\S]*?)\`\`\``).exec(doc.slice(start, end));
  return fenced ? fenced[1].trimEnd() : '';
}

/** The document with its block replaced. */
export function embedBlock(doc: string, block: EmbeddedBlock, content: string): string {
  const [START, END] = markers(block);
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`the document has no ${START} ... ${END} markers`);
  return `${doc.slice(0, start + START.length)}\n\`\`\`${block.lang}\n${content}\n\`\`\`\n${doc.slice(end)}`;
}

/** The Mermaid block the README holds between its pipeline-diagram markers (undefined if none). */
export function readmeDiagram(readme: string): string | undefined {
  return readBlock(readme, DIAGRAM_BLOCK);
}

/** The README with the diagram between its pipeline-diagram markers replaced. */
export function embedDiagram(readme: string, mermaid: string): string {
  return embedBlock(readme, DIAGRAM_BLOCK, mermaid);
}
