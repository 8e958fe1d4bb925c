import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { PolicyViolationBeta1 } from 'aws-cdk-lib';
import { removeUntouchedFor, writeFileAtomically } from '../../shared/cache-files';

/**
 * cfn-guard's findings kept by the hash of everything that decides them, so that a run over
 * templates that did not change does not run the binary again (it costs ~13 ms of CPU per rule
 * file and template, ~16 s for the sample assembly; warm test runs mostly see the same
 * templates). Like the bundle cache (src/synth/constructs/cached-bundle.ts), a hit returns
 * exactly what a fresh run returned for the same bytes: cfn-guard is a pure function of its
 * binary, its rule files, the rule files left out, the flags and each template's path and
 * content, and every one of them is in the key. Any changed byte is a miss and a real run.
 * Suppressions are not cached: runGuard reads them from the templates on every run.
 */

/** What decides one cfn-guard run. */
export interface GuardRunInputs {
  /** The cfn-guard binary the validator runs. */
  readonly binary: string;
  /** The directory of the rule files (every file under it is hashed). */
  readonly rulesDir: string;
  /** Rule files (names) left out of the run. */
  readonly disabledRules: readonly string[];
  /** The templates of the run (absolute paths: the findings name them). */
  readonly templates: readonly string[];
}

/** Bumped when what is stored, or how runGuard calls the validator, changes. */
const FORMAT = 'guard-cache 1: CfnGuardValidator.validate violations, --output-format json --structured';

/** sha256 of a file's content. */
function hashOf(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

const installedHashes = new Map<string, string>();

/** The same for a file of the installed validator (the 10 MB binary, the rule files): read once per process. */
function installedHashOf(file: string): string {
  if (!installedHashes.has(file)) installedHashes.set(file, hashOf(file));
  return installedHashes.get(file)!;
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

/** The key of a run: sha256 over the format, the binary, every rule file, the rules left out and each template's path and content. */
export function guardRunKey(inputs: GuardRunInputs): string {
  const hash = createHash('sha256');
  const field = (name: string, value: string) => hash.update(`${name}\0${value}\0`);
  field('format', FORMAT);
  field('binary', installedHashOf(inputs.binary));
  for (const rule of filesUnder(inputs.rulesDir)) field(`rule ${rule}`, installedHashOf(path.join(inputs.rulesDir, rule)));
  field('disabled', [...inputs.disabledRules].sort().join(' '));
  for (const template of inputs.templates) field(`template ${path.resolve(template)}`, hashOf(template));
  return hash.digest('hex');
}

/** The violations of a run, and whether they were read from the cache. */
export interface CachedViolations {
  readonly violations: PolicyViolationBeta1[];
  readonly fromCache: boolean;
}

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The violations of a run: read from `<cacheDir>/<key>.json` when it is there, else computed
 * and stored (atomically: a concurrent reader never sees half a file). Entries untouched for a
 * week are removed; a read touches its entry.
 */
export function cachedViolations(cacheDir: string, inputs: GuardRunInputs, run: () => PolicyViolationBeta1[]): CachedViolations {
  fs.mkdirSync(cacheDir, { recursive: true });
  const file = path.join(cacheDir, `${guardRunKey(inputs)}.json`);
  const stored = readStored(file);
  if (stored) {
    const now = new Date();
    fs.utimesSync(file, now, now);
    return { violations: stored, fromCache: true };
  }
  const violations = run();
  writeFileAtomically(file, JSON.stringify(violations));
  removeUntouchedFor(cacheDir, WEEK_MS);
  return { violations, fromCache: false };
}

function readStored(file: string): PolicyViolationBeta1[] | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
