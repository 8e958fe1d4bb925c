import * as fs from 'fs';
import { Allowlist, parseAllowlist } from './allowlist';
import type * as AwsClients from './aws-image-gate-clients';
import { DEFAULT_THRESHOLDS, Thresholds, decide } from './decision';
import { waitForEcrScan } from './ecr-wait';
import { Finding, SEVERITIES, Severity, isSeverity } from './finding';
import { withTrivyFixStatus } from './fix-status';
import { renderDecision } from './gate-report';
import { EcrScanClient } from './image-gate-clients';
import { checkProvenance, parseProvenanceRecord, provenanceRecord, TagUnderCheck } from './provenance';
import { ecrReplicationClientFromFile, ecrScanClientFromFile } from './recorded-image-gate-clients';
import { waitForReplication } from './replication-wait';
import { parseTrivyReport, trivyFindings } from './trivy-report';
import { InputError, UsageError } from '../../shared/cli/errors';
import { EXIT } from '../../shared/cli/exit-codes';
import { OptionSpecs, OptionValues, parseCliArgs, requireOption } from '../../shared/cli/parse-args';
import { lineWriters, runCli, runMain } from '../../shared/cli/run-cli';

export const USAGE = `Usage:
  gate-cli trivy --report trivy.json [common flags]
  gate-cli ecr --repository NAME --digest sha256:... --region REGION
               [--registry-id ACCOUNT] [--timeout-minutes 15] [--poll-seconds 15]
               [--trivy-report trivy.json] [--from-file recorded.json] [common flags]
  gate-cli replication --repository NAME --digest sha256:... --tag COMMIT --region SOURCE_REGION
               --destinations REGION[,REGION...] [--registry-id ACCOUNT]
               [--timeout-minutes 15] [--poll-seconds 15] [--from-file recorded.json]
  gate-cli record --repository NAME --commit SHA --digest sha256:... --build BUILD_ID
  gate-cli provenance --record record.json --repository NAME --commit SHA --digest sha256:...
  replication waits until the digest has replicated to every destination region and the tag
  names it there; it takes no common flags.
  record prints the provenance record of a digest the gate is about to promote to the commit
  tag; provenance passes only when a record names the very digest the commit tag names now
  (exit 1 otherwise: the gate refuses to reuse the tag). Neither takes common flags.
  --trivy-report takes fix status for basic-scan findings from Trivy's report of the same
  image (same vulnerability id); without it basic-scan findings count as fixable.
Common flags:
  --allowlist FILE          .trivyignore.yaml (default: .trivyignore.yaml; must exist)
  --fail-on SEV             fail whether or not a fix exists (repeatable or comma list; "none"; default CRITICAL)
  --fail-on-fixable SEV     fail when a fix exists (repeatable or comma list; "none"; default HIGH)
  --today YYYY-MM-DD        date allowlist expiry is checked against (default: today, UTC)
Severities: ${SEVERITIES.join(', ')}
Exit: 0 pass, 1 gate failed, 2 usage error, input the gate cannot evaluate, or any other error (fail closed).`;

const COMMON = {
  'allowlist': { type: 'string', hint: 'FILE' },
  'fail-on': { type: 'string', multiple: true, hint: 'SEV' },
  'fail-on-fixable': { type: 'string', multiple: true, hint: 'SEV' },
  'today': { type: 'string', hint: 'YYYY-MM-DD' },
} as const;

const WAIT = {
  'repository': { type: 'string', hint: 'NAME' },
  'digest': { type: 'string', hint: 'sha256:...' },
  'region': { type: 'string', hint: 'REGION' },
  'registry-id': { type: 'string', hint: 'ACCOUNT' },
  'timeout-minutes': { type: 'string', hint: 'MINUTES' },
  'poll-seconds': { type: 'string', hint: 'SECONDS' },
  'from-file': { type: 'string', hint: 'recorded.json' },
} as const;

/** The tag a provenance record is about. */
const TAG = {
  repository: { type: 'string', hint: 'NAME' },
  commit: { type: 'string', hint: 'SHA' },
  digest: { type: 'string', hint: 'sha256:...' },
} as const;

/** The options of each command. */
const OPTIONS = {
  trivy: { report: { type: 'string', hint: 'trivy.json' }, ...COMMON },
  ecr: { ...WAIT, 'trivy-report': { type: 'string', hint: 'trivy.json' }, ...COMMON },
  replication: { ...WAIT, tag: { type: 'string', hint: 'COMMIT' }, destinations: { type: 'string', hint: 'REGION[,REGION...]' } },
  record: { ...TAG, build: { type: 'string', hint: 'BUILD_ID' } },
  provenance: { ...TAG, record: { type: 'string', hint: 'record.json' } },
} as const satisfies Record<string, OptionSpecs>;

type Command = keyof typeof OPTIONS;
/** The flags of any command, by name. */
type Flags = OptionValues<typeof COMMON & typeof WAIT & typeof OPTIONS.trivy & typeof OPTIONS.ecr & typeof OPTIONS.replication
  & typeof OPTIONS.record & typeof OPTIONS.provenance>;

/** An optional flag: absent, or a non-empty value. */
function optional(value: string | undefined, name: string): string | undefined {
  return value === undefined ? undefined : requireOption(value, name);
}

function severities(flags: Flags, name: 'fail-on' | 'fail-on-fixable', fallback: readonly Severity[]): Severity[] {
  const values = flags[name];
  if (!values) return [...fallback];
  const names = values.flatMap((v) => v.split(',')).map((s) => s.trim().toUpperCase()).filter(Boolean);
  if (names.length === 1 && names[0] === 'NONE') return [];
  const bad = names.filter((s) => !isSeverity(s));
  if (bad.length > 0 || names.length === 0) throw new UsageError(`--${name}: "${bad.join(', ') || values.join(' ')}" is not a severity; use ${SEVERITIES.join(', ')} or none`);
  return [...new Set(names as Severity[])];
}

function positiveNumber(flags: Flags, name: 'timeout-minutes' | 'poll-seconds', fallback: string, allowZero = false): number {
  const raw = requireOption(flags[name] ?? fallback, name);
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new UsageError(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${raw}"`);
  return n;
}

function readFile(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
}

function todayUtc(flags: Flags): string {
  const today = requireOption(flags.today ?? new Date().toISOString().slice(0, 10), 'today');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new UsageError(`--today must be YYYY-MM-DD, got "${today}"`);
  return today;
}

/** The SDK clients, loaded only when the gate calls ECR (parsing reports and replaying recordings never load the SDK). */
function aws(): typeof AwsClients {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./aws-image-gate-clients') as typeof AwsClients;
}

/**
 * The gate cannot evaluate without ECR's answer: an AWS error (access denied, throttled after
 * the SDK's retries, image not found) fails it closed, naming the error.
 */
async function answerOf<T>(wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (e) {
    if (e instanceof InputError) throw e;
    const err = e as { name?: string; message?: string };
    throw new InputError(`cannot evaluate the gate: ${err.name ?? 'Error'}: ${err.message ?? String(e)}`);
  }
}

interface Io { out: (text: string) => void; err: (text: string) => void }

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

function digestOf(flags: Flags): string {
  const imageDigest = requireOption(flags.digest, 'digest', 'sha256:...');
  if (!DIGEST.test(imageDigest)) throw new UsageError(`--digest must be sha256:<64 hex>, got "${imageDigest}"`);
  return imageDigest;
}

/** `gate-cli replication`: exit 0 when every region holds the digest under the tag, 1 otherwise. */
async function replicationGate(flags: Flags, io: Io): Promise<number> {
  const repositoryName = requireOption(flags.repository, 'repository', 'NAME');
  const imageDigest = digestOf(flags);
  const imageTag = requireOption(flags.tag, 'tag', 'COMMIT');
  const region = requireOption(flags.region, 'region', 'REGION');
  const regions = [...new Set(requireOption(flags.destinations, 'destinations', 'REGION[,REGION...]').split(',').map((r) => r.trim()).filter(Boolean))];
  const bad = [region, ...regions].filter((r) => !REGION.test(r));
  if (bad.length > 0) throw new UsageError(`not a region: ${bad.map((r) => JSON.stringify(r)).join(', ')}; use e.g. us-east-2`);
  if (regions.includes(region)) throw new UsageError(`--destinations must not include the source region ${region}`);
  if (regions.length === 0) throw new UsageError('--destinations needs at least one region');
  const fromFile = optional(flags['from-file'], 'from-file');
  const timeoutMs = positiveNumber(flags, 'timeout-minutes', '15') * 60_000;
  const pollMs = positiveNumber(flags, 'poll-seconds', '15', true) * 1000;
  const result = await answerOf(waitForReplication({
    client: fromFile ? ecrReplicationClientFromFile(fromFile) : aws().awsEcrReplicationClient(region),
    repositoryName,
    imageDigest,
    imageTag,
    regions,
    registryId: optional(flags['registry-id'], 'registry-id'),
    timeoutMs,
    pollMs,
    log: io.out,
  }));
  if (!result.ok) {
    io.out(`${result.reason}\nReplication gate FAILED.`);
    return EXIT.FAILED;
  }
  io.out(`Replication gate passed: ${repositoryName}:${imageTag} = ${imageDigest} in ${regions.join(', ')}.`);
  return EXIT.OK;
}

const COMMIT = /^[0-9a-f]{40}$/;

function tagOf(flags: Flags): TagUnderCheck {
  const repository = requireOption(flags.repository, 'repository', 'NAME');
  const commit = requireOption(flags.commit, 'commit', 'SHA');
  if (!COMMIT.test(commit)) throw new UsageError(`--commit must be a 40-hex commit id, got "${commit}"`);
  return { repository, commit, digest: digestOf(flags) };
}

/** `gate-cli record`: the provenance record of the digest about to be promoted, on stdout. */
function recordCommand(flags: Flags, io: Io): number {
  io.out(JSON.stringify(provenanceRecord(tagOf(flags), requireOption(flags.build, 'build', 'BUILD_ID'))));
  return EXIT.OK;
}

/** `gate-cli provenance`: exit 0 when the record names the digest the commit tag names, 1 otherwise. */
function provenanceCommand(flags: Flags, io: Io): number {
  const tag = tagOf(flags);
  const file = requireOption(flags.record, 'record', 'record.json');
  const verdict = checkProvenance(parseProvenanceRecord(readFile(file, 'provenance record'), file), tag);
  if (!verdict.ok) {
    io.out(`${verdict.reason}\nProvenance check FAILED.`);
    return EXIT.FAILED;
  }
  io.out(`Provenance check passed: ${tag.repository}:${tag.commit} = ${tag.digest}, as the image gate promoted it.`);
  return EXIT.OK;
}

async function findingsFor(command: 'trivy' | 'ecr', flags: Flags, io: Io): Promise<{ gate: string; findings: Finding[] } | string> {
  if (command === 'trivy') {
    const file = requireOption(flags.report, 'report', 'trivy.json');
    return { gate: `Trivy gate (${file})`, findings: trivyFindings(parseTrivyReport(readFile(file, 'Trivy report'), file)) };
  }
  const repositoryName = requireOption(flags.repository, 'repository', 'NAME');
  const imageDigest = digestOf(flags);
  const trivyFile = optional(flags['trivy-report'], 'trivy-report');
  // Read before the (long) wait, so a bad file fails at once.
  const fixSource = trivyFile ? trivyFindings(parseTrivyReport(readFile(trivyFile, 'Trivy report'), trivyFile)) : undefined;
  const fromFile = optional(flags['from-file'], 'from-file');
  const client: EcrScanClient = fromFile ? ecrScanClientFromFile(fromFile) : aws().awsEcrScanClient(requireOption(flags.region, 'region', 'REGION'));
  const result = await answerOf(waitForEcrScan({
    client,
    repositoryName,
    imageDigest,
    registryId: optional(flags['registry-id'], 'registry-id'),
    timeoutMs: positiveNumber(flags, 'timeout-minutes', '15') * 60_000,
    pollMs: positiveNumber(flags, 'poll-seconds', '15', true) * 1000,
    log: io.out,
  }));
  if (!result.ok) return result.reason;
  const findings = fixSource ? withTrivyFixStatus(result.findings, fixSource) : result.findings;
  return { gate: `ECR scan gate (${repositoryName}@${imageDigest.slice(0, 19)}…)`, findings };
}

/** One gate; resolves with its exit code. */
async function gate(command: Command, flags: Flags, io: Io): Promise<number> {
  if (command === 'replication') return replicationGate(flags, io);
  if (command === 'record') return recordCommand(flags, io);
  if (command === 'provenance') return provenanceCommand(flags, io);
  const thresholds: Thresholds = {
    failOnSeverities: severities(flags, 'fail-on', DEFAULT_THRESHOLDS.failOnSeverities),
    failOnFixableSeverities: severities(flags, 'fail-on-fixable', DEFAULT_THRESHOLDS.failOnFixableSeverities),
  };
  const today = todayUtc(flags);
  const allowlistFile = requireOption(flags.allowlist ?? '.trivyignore.yaml', 'allowlist', 'FILE');
  const allowlist: Allowlist = parseAllowlist(readFile(allowlistFile, 'allowlist'), allowlistFile);
  const scanned = await findingsFor(command, flags, io);
  if (typeof scanned === 'string') {
    io.out(`${scanned}\nECR scan gate FAILED.`);
    return EXIT.FAILED;
  }
  const decision = decide({ findings: scanned.findings, thresholds, allowlist, today });
  io.out(renderDecision(scanned.gate, decision, thresholds));
  return decision.pass ? EXIT.OK : EXIT.FAILED;
}

const isCommand = (c: string | undefined): c is Command => c !== undefined && Object.prototype.hasOwnProperty.call(OPTIONS, c);

/**
 * Run the gate CLI. Resolves with the exit code; writes the report to `io.out` and
 * problems to `io.err` (one line per call).
 */
export async function runGateCli(argv: readonly string[], io: Io = { out: (t) => console.log(t), err: (t) => console.error(t) }): Promise<number> {
  const [command, ...rest] = argv;
  // Fail closed: whatever stops the gate from evaluating ends with exit 2.
  const spec = { name: isCommand(command) ? `gate-cli ${command}` : 'gate-cli', usage: USAGE, footer: 'Failing closed (exit 2).', unexpectedExitCode: EXIT.USAGE };
  return runCli(spec, argv, () => {
    if (!isCommand(command)) {
      throw new UsageError(`${command === undefined ? 'missing command' : `unknown command "${command}"`}: use ${Object.keys(OPTIONS).join(', ')}`);
    }
    return gate(command, parseCliArgs(rest, { options: OPTIONS[command] }).values, io);
  }, lineWriters(io));
}

if (require.main === module) runMain(runGateCli);
