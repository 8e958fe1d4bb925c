import * as fs from 'fs';
import * as path from 'path';
import { Aspects, IAspect } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { ComplianceLogger, ComplianceRecord } from './compliance-logger';
import { applySuppressions, Suppressor } from './suppressions';
import { PlainHttpOptOut, renderPlainHttpOptOuts } from '../../config/plain-http';

/** Props of ComplianceChecks. */
export interface ComplianceChecksProps {
  /**
   * Production environments that serve plain HTTP by the config's written opt-out
   * (`allowPlainHttp`): the reports list them with their reasons.
   * @default - none
   */
  readonly plainHttpOptOuts?: readonly PlainHttpOptOut[];
  /**
   * The project's exceptions, applied before the packs run (src/synth/project-suppressions.ts).
   * @default - none: every finding is an error
   */
  readonly suppressions?: readonly Suppressor[];
  /**
   * Run the packs. `false` applies the suppressions only, so the templates are exactly those of a
   * checked synth (the packs add nothing to them) and nothing is checked: for tools that need the
   * templates of other configs, not their findings (src/terminal/execution-policy/variants.ts).
   * @default true
   */
  readonly runPacks?: boolean;
}

/** The packs, in report order. */
export const PACK_NAMES = ['AwsSolutions', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'] as const;

/**
 * cdk-nag's four packs, applied to a scope and reported through one logger.
 *
 * Aspects added to the App do not reach stacks inside pipeline Stages (a Stage synthesizes on
 * its own when the pipeline adds it), so `applyTo` must be called on the App (pipeline and
 * cross-region support stacks) AND on every Stage before it is added to a wave.
 */
export class ComplianceChecks {
  /** The results of every pack over every scope this was applied to. */
  public readonly logger = new ComplianceLogger();
  /** Production environments serving plain HTTP by opt-out (shown in the reports). */
  public readonly plainHttpOptOuts: readonly PlainHttpOptOut[];
  private readonly packs: IAspect[];
  private readonly suppressions: readonly Suppressor[];

  constructor(props: ComplianceChecksProps = {}) {
    this.plainHttpOptOuts = props.plainHttpOptOuts ?? [];
    this.suppressions = props.suppressions ?? [];
    const nagProps = { additionalLoggers: [this.logger], reports: false, verbose: true };
    this.packs = props.runPacks === false ? [] : [
      new AwsSolutionsChecks(nagProps),
      new NIST80053R5Checks(nagProps),
      new HIPAASecurityChecks(nagProps),
      new PCIDSS321Checks(nagProps),
    ];
  }

  /**
   * Run every pack over `scope` when it synthesizes, after applying the project's scoped
   * suppressions (each folder's suppressions.ts) to what exists in it now. Call it once the
   * scope is complete: on a Stage right before it is added to a wave, on the App after the
   * pipeline is built. Nested Stages are left to their own call.
   */
  public applyTo(scope: IConstruct): void {
    applySuppressions(scope, this.suppressions);
    for (const pack of this.packs) Aspects.of(scope).add(pack);
  }

  /** The readable list of unsuppressed errors (empty when compliant). */
  public errorReport(): string {
    const lines = this.logger.errors.map((e) => `  - [${e.ruleId}${e.findingId ? `: ${e.findingId}` : ''}] ${e.path}: ${e.info}`);
    const failures = this.logger.ruleFailures.map((e) => `  - [${e.ruleId}] could not be evaluated on ${e.path}: ${e.reason}`);
    if (lines.length + failures.length === 0) return '';
    return [
      `Compliance: ${lines.length} unsuppressed cdk-nag error(s)${failures.length ? ` and ${failures.length} rule failure(s)` : ''}:`,
      ...lines, ...failures,
      'Fix the resource (preferred) or add a suppression scoped to that one resource with a reason in a full sentence (the suppressions.ts beside its construct).',
    ].join('\n');
  }

  /** Markdown report of every suppression, per pack, with counts. */
  public suppressionReport(): string {
    return renderSuppressionReport(this.logger.suppressions, this.logger.warnings, this.plainHttpOptOuts);
  }

  /**
   * Write the reports next to the cloud assembly: `compliance-report.md` (for people) and
   * `compliance-report.json` (for tools and tests: counts per pack, the stacks checked, every
   * suppression and unsuppressed error, the config's plain-HTTP opt-outs). Returns the path of
   * the Markdown report.
   */
  public writeReport(outdir: string): string {
    const file = path.join(outdir, 'compliance-report.md');
    fs.mkdirSync(outdir, { recursive: true });
    fs.writeFileSync(file, this.suppressionReport());
    const json: ComplianceReportJson = {
      suppressionCounts: suppressionCounts(this.logger.suppressions),
      stacksChecked: [...this.logger.stacksChecked].sort(),
      suppressions: this.logger.suppressions,
      errors: this.logger.errors,
      plainHttpOptOuts: this.plainHttpOptOuts,
    };
    fs.writeFileSync(path.join(outdir, 'compliance-report.json'), `${JSON.stringify(json, undefined, 2)}\n`);
    return file;
  }
}

/** The shape of `compliance-report.json`. */
export interface ComplianceReportJson {
  /** Suppressions per pack (see suppressionCounts). */
  readonly suppressionCounts: Record<string, number>;
  /** Names of every stack the packs ran over, sorted. */
  readonly stacksChecked: string[];
  /** Every suppressed finding with its reason. */
  readonly suppressions: readonly ComplianceRecord[];
  /** Every unsuppressed error (synth fails when there is one). */
  readonly errors: readonly ComplianceRecord[];
  /** Production environments serving plain HTTP by the config's written opt-out. */
  readonly plainHttpOptOuts: readonly PlainHttpOptOut[];
}

/** Suppressions counted per pack (unique rule + resource, across stages). */
export function suppressionCounts(suppressions: readonly ComplianceRecord[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(PACK_NAMES.map((p) => [p, 0]));
  for (const s of suppressions) counts[s.pack] = (counts[s.pack] ?? 0) + 1;
  return counts;
}

function renderSuppressionReport(
  suppressions: readonly ComplianceRecord[], warnings: readonly ComplianceRecord[], optOuts: readonly PlainHttpOptOut[],
): string {
  const counts = suppressionCounts(suppressions);
  const out = ['# Compliance report', '', 'Written by `npx projen synth`. Every cdk-nag suppression, per pack, with its reason.', ''];
  out.push('| Pack | Suppressed findings | Unsuppressed warnings |', '|---|---|---|');
  for (const pack of PACK_NAMES) {
    out.push(`| ${pack} | ${counts[pack]} | ${warnings.filter((w) => w.pack === pack).length} |`);
  }
  out.push('', '## Configured exceptions', '');
  out.push(...(optOuts.length ? renderPlainHttpOptOuts(optOuts).map((l) => `- ${l}`) : ['- None: every production environment serves HTTPS only.']));
  for (const pack of PACK_NAMES) {
    const rows = suppressions.filter((s) => s.pack === pack).sort((a, b) => a.path.localeCompare(b.path) || a.findingId.localeCompare(b.findingId));
    out.push('', `## ${pack} (${rows.length})`, '');
    if (rows.length === 0) continue;
    out.push('| Finding | Resource | Reason |', '|---|---|---|');
    for (const r of rows) out.push(`| ${r.ruleId}${r.findingId ? ` (${r.findingId})` : ''} | \`${r.path}\` | ${r.reason?.replace(/\|/g, '\\|')} |`);
  }
  return `${out.join('\n')}\n`;
}
