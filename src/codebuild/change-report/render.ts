import { StackTarget } from './assembly';
import { DangerFinding } from './danger';
import { ResourceChange, TemplateDiff } from './diff';
import { Replacement } from './replacement-table';
import { stableJson } from './template';

export type StackStatus = 'NEW' | 'CHANGED' | 'UNCHANGED' | 'ERROR';

export interface StackReport {
  readonly target: StackTarget;
  readonly status: StackStatus;
  /** Absent when status is ERROR. */
  readonly diff?: TemplateDiff;
  readonly dangers: readonly DangerFinding[];
  /** Why the deployed template could not be read (status ERROR). */
  readonly error?: string;
  /** Why a stack counts as NEW without being read (the first deploy of its stage). */
  readonly note?: string;
}

export interface ChangeReport {
  readonly commit: string;
  /** What the stacks are called in the summary line, e.g. `prod`. */
  readonly label: string;
  readonly generatedAt: string;
  readonly stacks: readonly StackReport[];
}

export function allDangers(report: ChangeReport): { stack: StackReport; finding: DangerFinding }[] {
  return report.stacks.flatMap((stack) => stack.dangers.map((finding) => ({ stack, finding })));
}

function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}

/**
 * One line for the approval notification, e.g.
 * `3 of 6 prod stacks change (1 new); DANGER: 1 stateful replacement/deletion, 2 security broadenings (1 wildcard)`.
 */
export function summaryLine(report: ChangeReport): string {
  const total = report.stacks.length;
  const changing = report.stacks.filter((s) => s.status === 'NEW' || s.status === 'CHANGED');
  const fresh = changing.filter((s) => s.status === 'NEW').length;
  const errors = report.stacks.filter((s) => s.status === 'ERROR').length;
  let line = `${changing.length} of ${total} ${report.label} stack${total === 1 ? '' : 's'} change${fresh ? ` (${fresh} new)` : ''}`;
  if (errors) line += `; ${plural(errors, 'stack')} COULD NOT BE COMPARED`;
  const dangers = allDangers(report).map((d) => d.finding);
  const stateful = dangers.filter((d) => d.ruleId === 'stateful-replacement').length;
  const protection = dangers.filter((d) => d.category === 'stateful' && d.ruleId !== 'stateful-replacement').length;
  const security = dangers.filter((d) => d.category === 'security');
  const wild = security.filter((d) => d.wildcard).length;
  const downgrades = dangers.filter((d) => d.ruleId === 'engine-version-downgrade').length;
  const engineChanges = dangers.filter((d) => d.ruleId === 'engine-version-change').length;
  const traffic = dangers.filter((d) => d.category === 'traffic').length;
  const issuer = dangers.filter((d) => d.category === 'issuer').length;
  const gates = dangers.filter((d) => d.category === 'gate').length;
  const parts: string[] = [];
  if (downgrades) parts.push(plural(downgrades, 'database engine DOWNGRADE (cannot deploy)', 'database engine DOWNGRADES (cannot deploy)'));
  if (stateful) parts.push(plural(stateful, 'stateful replacement/deletion', 'stateful replacements/deletions'));
  if (protection) parts.push(plural(protection, 'retention protection removed', 'retention protections removed'));
  if (security.length) parts.push(`${plural(security.length, 'security broadening')}${wild ? ` (${wild} wildcard/open to the internet)` : ''}`);
  if (engineChanges) parts.push(plural(engineChanges, 'database engine version change'));
  if (traffic) parts.push(plural(traffic, 'ECS-managed listener rule rewritten', 'ECS-managed listener rules rewritten'));
  if (issuer) parts.push(plural(issuer, 'token issuer change (who may call the API)', 'token issuer changes (who may call the API)'));
  if (gates) parts.push(plural(gates, 'pipeline role or release gate change', 'pipeline role or release gate changes'));
  line += parts.length ? `; DANGER: ${parts.join(', ')}` : errors ? '' : '; no danger findings';
  return line;
}

/** Escape text for a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function short(v: unknown, max = 60): string {
  const s = v === undefined ? '(unset)' : typeof v === 'string' ? v : stableJson(v);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

const REPLACEMENT_TEXT: Record<Replacement, string> = {
  'yes': '**YES**',
  'conditional': '**maybe** (depends on values)',
  'no': 'no',
  'not-assessed': 'not assessed',
};

function changedRow(r: ResourceChange): string {
  const props = r.propertyChanges.map((c) => `${code(c.name)}${c.replacement === 'yes' ? ' (replaces)' : c.replacement === 'conditional' ? ' (may replace)' : ''}: ${short(c.before)} -> ${short(c.after)}`);
  const attrs = r.attributeChanges.map((a) => `${code(a)} (attribute)`);
  return `| ${cell(r.logicalId)} | ${cell(r.type)} | ${cell([...props, ...attrs].join('<br>'))} | ${REPLACEMENT_TEXT[r.replacement]} |`;
}

function stackSection(s: StackReport): string[] {
  const t = s.target;
  const lines = [
    `### ${t.stackName}: ${s.status}`,
    '',
    `Stage ${code(t.stageId)}, account ${code(t.account)}, region ${code(t.region)}, construct ${code(t.displayName)}.`,
    '',
  ];
  if (s.status === 'ERROR') {
    lines.push(`**Could not compare:** ${s.error ?? 'unknown error'}`, '');
    return lines;
  }
  const diff = s.diff!;
  const added = diff.resources.filter((r) => r.status === 'added');
  const changed = diff.resources.filter((r) => r.status === 'changed');
  const removed = diff.resources.filter((r) => r.status === 'removed');
  if (s.status === 'NEW') lines.push(`New stack: ${plural(added.length, 'resource')} will be created.`, '');
  if (s.note) lines.push(`**Note:** ${s.note}`, '');
  if (!diff.hasChanges) {
    lines.push('No changes.', '');
    return lines;
  }
  if (added.length) {
    lines.push('#### Added', '', '| Logical ID | Type |', '| --- | --- |');
    lines.push(...added.map((r) => `| ${cell(r.logicalId)} | ${cell(r.type)} |`), '');
  }
  if (changed.length) {
    lines.push('#### Changed', '', '| Logical ID | Type | Changes | Replacement |', '| --- | --- | --- | --- |');
    lines.push(...changed.map(changedRow), '');
  }
  if (removed.length) {
    lines.push('#### Removed', '', '| Logical ID | Type | DeletionPolicy |', '| --- | --- | --- |');
    lines.push(...removed.map((r) => `| ${cell(r.logicalId)} | ${cell(r.type)} | ${cell(r.before?.DeletionPolicy ?? 'Delete (default)')} |`), '');
  }
  if (diff.otherChanges.length) {
    lines.push('#### Other template changes', '', ...diff.otherChanges.map((c) => `- ${c}`), '');
  }
  return lines;
}

/** The Markdown report: DANGER first, then an overview table, then each stack. */
export function renderMarkdown(report: ChangeReport): string {
  const lines: string[] = [
    `# ${report.label} change report for commit ${code(report.commit)}`,
    '',
    `Generated ${report.generatedAt}. Deployed templates were read through each account's CDK bootstrap lookup role.`,
    '',
    `**Summary:** ${summaryLine(report)}`,
    '',
    '## DANGER',
    '',
  ];
  const dangers = allDangers(report);
  const errors = report.stacks.filter((s) => s.status === 'ERROR');
  if (!dangers.length && !errors.length) {
    lines.push('No stateful replacement, deletion, security broadening or engine version change found.', '');
  }
  for (const s of errors) {
    lines.push(`- **not compared** ${code(s.target.stackName)} (${s.target.region}, ${s.target.account}): ${s.error ?? 'unknown error'}`);
  }
  for (const { stack, finding } of dangers) {
    const mark = finding.wildcard ? ' **WILDCARD/OPEN**' : '';
    lines.push(`- **${finding.ruleId}**${mark} ${code(stack.target.stackName)} (${stack.target.region}, ${stack.target.account}) `
      + `${code(finding.logicalId)} ${finding.resourceType}: ${finding.message}`);
  }
  if (dangers.length || errors.length) lines.push('');

  lines.push('## Stacks', '', '| Stack | Stage | Region | Account | Status | Added | Changed | Removed |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of report.stacks) {
    const count = (st: string): string => (s.diff ? String(s.diff.resources.filter((r) => r.status === st).length) : '-');
    lines.push(`| ${cell(s.target.stackName)} | ${cell(s.target.stageId)} | ${s.target.region} | ${s.target.account} | ${s.status} | ${count('added')} | ${count('changed')} | ${count('removed')} |`);
  }
  lines.push('');
  for (const s of report.stacks) lines.push(...stackSection(s));
  return lines.join('\n');
}

/** The machine-readable summary written next to the Markdown. */
export function renderJson(report: ChangeReport, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    commit: report.commit,
    generatedAt: report.generatedAt,
    summary: summaryLine(report),
    stacks: report.stacks.map((s) => ({
      stackName: s.target.stackName,
      stageId: s.target.stageId,
      account: s.target.account,
      region: s.target.region,
      status: s.status,
      error: s.error,
      ...(s.note ? { note: s.note } : {}),
      added: s.diff?.resources.filter((r) => r.status === 'added').map((r) => ({ logicalId: r.logicalId, type: r.type })) ?? [],
      changed: s.diff?.resources.filter((r) => r.status === 'changed').map((r) => ({
        logicalId: r.logicalId,
        type: r.type,
        replacement: r.replacement,
        properties: r.propertyChanges.map((c) => c.name),
        attributes: r.attributeChanges,
      })) ?? [],
      removed: s.diff?.resources.filter((r) => r.status === 'removed').map((r) => ({ logicalId: r.logicalId, type: r.type })) ?? [],
      otherChanges: s.diff?.otherChanges ?? [],
      dangers: s.dangers,
    })),
    ...extra,
  }, null, 2) + '\n';
}
