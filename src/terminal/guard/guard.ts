import * as fs from 'fs';
import * as path from 'path';
// A dev dependency on purpose: the guard task runs at build time only, never in the deployed app.
// eslint-disable-next-line import/no-extraneous-dependencies
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type { IPolicyValidationContextBeta1 } from 'aws-cdk-lib';
import { cachedViolations } from './guard-cache';
import { GUARD_METADATA_KEY, GuardSuppressionMetadata } from '../../synth/compliance/guard-metadata';

/** One guard finding on one resource of one template. */
export interface GuardFinding {
  /** Guard rule name, e.g. `s3_bucket_logging_enabled_check`. */
  readonly rule: string;
  /** Control Tower control id, e.g. `CT.S3.PR.2` (when the rule states one). */
  readonly control: string;
  /** First line of the rule's message. */
  readonly description: string;
  /** Template, relative to the cloud assembly directory. */
  readonly template: string;
  /** Logical id of the resource. */
  readonly logicalId: string;
  /** Construct path (`aws:cdk:path` metadata) when the template has it. */
  readonly path?: string;
  /** The reason, when the resource suppresses the rule. */
  readonly reason?: string;
}

/** Result of a guard run over a cloud assembly. */
export interface GuardResult {
  /** Templates checked (relative paths). */
  readonly templates: string[];
  /** Unsuppressed findings: the check fails when there is any. */
  readonly failures: GuardFinding[];
  /** Suppressed findings with their reasons. */
  readonly suppressed: GuardFinding[];
  /** With a cache directory: how many cfn-guard runs came from the cache (`hits`) and how many ran (`misses`). */
  readonly cache?: { readonly hits: number; readonly misses: number };
}

/** Options of runGuard. */
export interface GuardOptions {
  /**
   * Keep cfn-guard's findings here by the hash of the binary, the rule files and the templates
   * (guard-cache.ts), and reuse them when nothing changed.
   * @default - no cache: cfn-guard runs every time
   */
  readonly cacheDir?: string;
}

/** Every template of a cloud assembly, including nested stage assemblies (`assembly-*`). */
export function findTemplates(outdir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name.startsWith('assembly-')) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.template.json')) found.push(full);
    }
  };
  walk(outdir);
  return found.sort();
}

const VALIDATOR_DIR = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));

/** The Control Tower rule files bundled with the validator. */
export const CONTROL_TOWER_RULES_DIR = path.join(VALIDATOR_DIR, 'rules', 'control-tower', 'cfn-guard');

/**
 * The cfn-guard binary the validator runs on this machine: the validator picks
 * `bin/<ubuntu|macos>/<x86_64|aarch64>/cfn-guard` (its plugin.js, getPlatform/getArchitecture).
 */
export const CFN_GUARD_BINARY = path.join(VALIDATOR_DIR, 'bin',
  process.platform === 'darwin' ? 'macos' : 'ubuntu', process.arch === 'arm64' ? 'aarch64' : 'x86_64', 'cfn-guard');

/** The resource types a rule file selects (`AWS::Service::Type`), by rule name (file name without `.guard`). */
function ruleTypes(rulesDir: string): Map<string, Set<string>> {
  const types = new Map<string, Set<string>>();
  for (const service of fs.readdirSync(rulesDir)) {
    const dir = path.join(rulesDir, service);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const rule of fs.readdirSync(dir).filter((f) => f.endsWith('.guard'))) {
      types.set(path.parse(rule).name, new Set(fs.readFileSync(path.join(dir, rule), 'utf8').match(/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g) ?? []));
    }
  }
  return types;
}

/** The resource types of a template. */
function typesIn(file: string): Set<string> {
  const template = JSON.parse(fs.readFileSync(file, 'utf8')) as { Resources?: Record<string, { Type: string }> };
  return new Set(Object.values(template.Resources ?? {}).map((r) => r.Type));
}

/** The rules that cannot fire on a template with `present` types: every type they select is absent. A rule that names no type is always kept. */
function inapplicable(rules: Map<string, Set<string>>, present: Set<string>): string[] {
  return [...rules].filter(([, types]) => types.size > 0 && ![...types].some((t) => present.has(t))).map(([name]) => name).sort();
}

/**
 * Names of the rule files that cannot fire on any of `templates`: every resource type a rule
 * file selects (`AWS::Service::Type`) is absent from all templates. A rule that names no type is
 * always kept.
 */
export function rulesThatCannotApply(templates: readonly string[], rulesDir = CONTROL_TOWER_RULES_DIR): string[] {
  const present = new Set(templates.flatMap((file) => [...typesIn(file)]));
  return inapplicable(ruleTypes(rulesDir), present);
}

/** Templates that the same rule files cannot apply to, checked in one cfn-guard run. */
export interface GuardRun {
  readonly templates: string[];
  /** Rule files (names) left out of this run: none of the types they select is in these templates. */
  readonly disabledRules: string[];
}

/**
 * The cfn-guard runs for `templates`: each template gets only the rule files that can fire on
 * it (rulesThatCannotApply, per template), and templates with the same rule files share a run.
 * cfn-guard's time grows with rule files x templates (~13 ms per pair on a stage stack), and it
 * evaluates every rule on every template it is given: on the sample assembly this is 731 pairs
 * in 8 runs instead of 1,908 in one (the one-run selection already cut ~46 s to ~19 s), with
 * identical findings, since a rule that cannot fire on a template finds nothing there.
 */
export function guardRuns(templates: readonly string[], rulesDir = CONTROL_TOWER_RULES_DIR): GuardRun[] {
  const rules = ruleTypes(rulesDir);
  const runs = new Map<string, GuardRun>();
  for (const template of templates) {
    const disabledRules = inapplicable(rules, typesIn(template));
    // No rule can fire on it (no resource type any rule selects): nothing to run.
    if (disabledRules.length === rules.size) continue;
    const key = disabledRules.join(' ');
    if (!runs.has(key)) runs.set(key, { templates: [], disabledRules });
    runs.get(key)!.templates.push(template);
  }
  return [...runs.values()];
}

/**
 * Run the Control Tower proactive controls (cfn-guard rules bundled with
 * @cdklabs/cdk-validator-cfnguard, with its bundled cfn-guard binary) over `templates`, each
 * with the rule files that can fire on it (guardRuns).
 * cfn-guard reports every resource; suppressions are read here from each resource's
 * `Metadata.guard.SuppressedRules` (the cfn-guard convention) with `Metadata.guard.Reasons`.
 * With `cacheDir`, a run whose binary, rule files and templates did not change reuses its
 * findings (guard-cache.ts); the suppressions are read again either way.
 */
export function runGuard(templates: readonly string[], baseDir: string, options: GuardOptions = {}): GuardResult {
  const runs = guardRuns(templates).map((run) => {
    const validate = () => new CfnGuardValidator({
      maxBuffer: 256 * 1024 * 1024,
      disabledRules: run.disabledRules,
    }).validate({ templatePaths: run.templates } as IPolicyValidationContextBeta1).violations;
    if (!options.cacheDir) return { violations: validate(), fromCache: false };
    const inputs = { binary: CFN_GUARD_BINARY, rulesDir: CONTROL_TOWER_RULES_DIR, disabledRules: run.disabledRules, templates: run.templates };
    return cachedViolations(options.cacheDir, inputs, validate);
  });
  const violations = runs.flatMap((r) => r.violations);
  const hits = runs.filter((r) => r.fromCache).length;
  const cache = options.cacheDir ? { hits, misses: runs.length - hits } : undefined;
  const parsed = new Map<string, { Resources?: Record<string, { Metadata?: Record<string, unknown> }> }>();
  const templateOf = (file: string) => {
    if (!parsed.has(file)) parsed.set(file, JSON.parse(fs.readFileSync(file, 'utf8')));
    return parsed.get(file)!;
  };

  const failures: GuardFinding[] = [];
  const suppressed: GuardFinding[] = [];
  const seen = new Set<string>();
  for (const violation of violations) {
    const message = violation.description ?? '';
    const control = /\[(CT\.[A-Z0-9.]+)\]/.exec(message)?.[1] ?? '';
    const description = message.split('\n').map((l) => l.trim()).find((l) => l.length > 0)?.replace(/^\[CT\.[A-Z0-9.]+\]:\s*/, '') ?? violation.ruleName;
    for (const resource of violation.violatingResources) {
      const key = `${violation.ruleName}|${resource.templatePath}|${resource.resourceLogicalId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const metadata = templateOf(resource.templatePath).Resources?.[resource.resourceLogicalId]?.Metadata ?? {};
      const guardMetadata = metadata[GUARD_METADATA_KEY] as Partial<GuardSuppressionMetadata> | undefined;
      const finding: GuardFinding = {
        rule: violation.ruleName,
        control,
        description,
        template: path.relative(baseDir, resource.templatePath),
        logicalId: resource.resourceLogicalId,
        path: metadata['aws:cdk:path'] as string | undefined,
      };
      if (guardMetadata?.SuppressedRules?.includes(violation.ruleName)) {
        suppressed.push({ ...finding, reason: guardMetadata.Reasons?.[violation.ruleName] ?? '(no reason given)' });
      } else {
        failures.push(finding);
      }
    }
  }
  const order = (a: GuardFinding, b: GuardFinding) =>
    a.rule.localeCompare(b.rule) || a.template.localeCompare(b.template) || a.logicalId.localeCompare(b.logicalId);
  return { templates: templates.map((t) => path.relative(baseDir, t)), failures: failures.sort(order), suppressed: suppressed.sort(order), cache };
}

/** Suppressed guard findings counted per rule. */
export function guardSuppressionCounts(result: GuardResult): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of result.suppressed) counts[s.rule] = (counts[s.rule] ?? 0) + 1;
  return counts;
}

const where = (f: GuardFinding) => `${f.template} ${f.logicalId}${f.path ? ` (${f.path})` : ''}`;

/** The readable list printed by `compliance:guard`. */
export function renderGuardFailures(result: GuardResult): string {
  if (result.failures.length === 0) return '';
  return [
    `Control Tower guard rules: ${result.failures.length} unsuppressed finding(s) in ${result.templates.length} template(s):`,
    ...result.failures.map((f) => `  - [${f.control || f.rule}] ${f.rule} on ${where(f)}: ${f.description}`),
    'Fix the resource (preferred) or suppress the rule on that one resource with a reason in a full sentence (guard() in the suppressions.ts beside its construct).',
  ].join('\n');
}

/** Markdown report of every guard suppression with its reason. */
export function renderGuardReport(result: GuardResult): string {
  const out = ['# Control Tower guard report', '',
    'Written by `npx projen compliance:guard`. Every guard-rule suppression, with its reason.', '',
    `Templates checked: ${result.templates.length}. Unsuppressed findings: ${result.failures.length}. Suppressed: ${result.suppressed.length}.`, '',
    '| Rule | Control | Suppressed |', '|---|---|---|'];
  const counts = guardSuppressionCounts(result);
  for (const rule of Object.keys(counts).sort()) {
    out.push(`| ${rule} | ${result.suppressed.find((s) => s.rule === rule)?.control ?? ''} | ${counts[rule]} |`);
  }
  out.push('', '## Suppressions', '', '| Rule | Resource | Reason |', '|---|---|---|');
  for (const s of result.suppressed) out.push(`| ${s.control || s.rule} ${s.rule} | \`${where(s)}\` | ${s.reason?.replace(/\|/g, '\\|')} |`);
  if (result.failures.length) {
    out.push('', '## Unsuppressed findings', '', '| Rule | Resource | Finding |', '|---|---|---|');
    for (const f of result.failures) out.push(`| ${f.control || f.rule} ${f.rule} | \`${where(f)}\` | ${f.description} |`);
  }
  return `${out.join('\n')}\n`;
}
