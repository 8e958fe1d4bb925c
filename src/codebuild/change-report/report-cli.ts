import * as fs from 'fs';
import * as path from 'path';
import { findStacks } from './assembly';
import type * as AwsClients from './aws-change-report-clients';
import { ObjectStore, TemplateClientFactory } from './change-report-clients';
import { buildReport, NeverDeployed } from './compare';
import { evaluatePolicy } from './policy';
import { renderJson, renderMarkdown, summaryLine } from './render';
import { DEFAULT_OVERRIDE_MARKER } from '../../config/override-marker';
import { errorText } from '../../shared/aws-errors';
import { InputError, UsageError } from '../../shared/cli/errors';
import { EXIT } from '../../shared/cli/exit-codes';
import { parseCliArgs } from '../../shared/cli/parse-args';
import { lineWriters, runCli, runMain } from '../../shared/cli/run-cli';
import { everDeployed, PipelineHistoryClient } from '../../shared/pipeline-history/first-deploy';

/**
 * The prod change report, as run by the CodeBuild step before the prod approval:
 *
 *   node -r ts-node/register/transpile-only src/codebuild/change-report/report-cli.ts \
 *     --assembly cdk.out --stage-prefix prod- --commit "$CODEBUILD_RESOLVED_SOURCE_VERSION" \
 *     --commit-message-file commit-message.txt --bucket "$REPORT_BUCKET" --key-prefix change-reports/ \
 *     --block-stateful-replacement --out change-report.md
 *
 * Exit codes (src/shared/cli/exit-codes.ts): 0 report written (and uploaded); 1 refused by the
 * stateful-replacement policy; 2 usage error or unreadable assembly; 3 an AWS call failed (a
 * stack could not be compared, or the upload failed): the report is incomplete, so the step
 * fails rather than let an approver sign off on half a picture. 4: unexpected error (a bug).
 */

export interface CliDeps {
  /** GetTemplate clients per lookup role; default: the AWS SDK with STS AssumeRole. */
  readonly templateClientFor?: TemplateClientFactory;
  /** The report bucket client; default: the AWS SDK with the ambient credentials. */
  readonly objectStore?: ObjectStore;
  /** The pipeline's action history (first deploy of a stage); default: the AWS SDK. */
  readonly pipelineHistory?: PipelineHistoryClient;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: Date;
  readonly log?: (line: string) => void;
  readonly error?: (line: string) => void;
}

export const USAGE = `Usage: report-cli --assembly <cdk.out> (--stages <id,id> | --stage-prefix <prefix>) --commit <sha>
                  [--commit-message <text> | --commit-message-file <file>]
                  (--bucket <name> [--key-prefix <prefix>] [--kms-key-id <key>] [--bucket-region <region>] | --no-upload)
                  [--block-stateful-replacement] [--override-marker <text>]
                  [--out change-report.md] [--json-out change-report.json] [--summary-out change-summary.txt]
                  [--url-out change-report-url.txt]
                  [--label prod] [--stage-read-roles [--pipeline <name>]]
Exit: 0 written, 1 refused by policy, 2 usage error or unreadable assembly, 3 an AWS call failed, 4 unexpected error.
Environment fallbacks: CHANGE_REPORT_ASSEMBLY, CHANGE_REPORT_STAGES, CHANGE_REPORT_STAGE_PREFIX,
  COMMIT_ID or CODEBUILD_RESOLVED_SOURCE_VERSION, COMMIT_MESSAGE, REPORT_BUCKET, REPORT_KEY_PREFIX,
  REPORT_KMS_KEY_ID, AWS_REGION, BLOCK_STATEFUL_REPLACEMENT=true, OVERRIDE_MARKER.`;

const OPTIONS = {
  'assembly': { type: 'string', hint: '<cdk.out>' },
  'stages': { type: 'string', hint: '<id,id>' },
  'stage-prefix': { type: 'string', hint: '<prefix>' },
  'commit': { type: 'string', hint: '<sha>' },
  'commit-message': { type: 'string', hint: '<text>' },
  'commit-message-file': { type: 'string', hint: '<file>' },
  'bucket': { type: 'string', hint: '<name>' },
  'key-prefix': { type: 'string', hint: '<prefix>' },
  'kms-key-id': { type: 'string', hint: '<key>' },
  'bucket-region': { type: 'string', hint: '<region>' },
  'no-upload': { type: 'boolean' },
  'block-stateful-replacement': { type: 'boolean' },
  'override-marker': { type: 'string', hint: '<text>' },
  'out': { type: 'string', hint: 'change-report.md' },
  'json-out': { type: 'string', hint: 'change-report.json' },
  'summary-out': { type: 'string', hint: 'change-summary.txt' },
  'url-out': { type: 'string', hint: 'change-report-url.txt' },
  'label': { type: 'string', hint: 'prod' },
  'stage-read-roles': { type: 'boolean' },
  'pipeline': { type: 'string', hint: '<name>' },
} as const;

interface CliOptions {
  assembly: string;
  stages?: string[];
  stagePrefix?: string;
  commit: string;
  commitMessage: string;
  bucket?: string;
  keyPrefix: string;
  kmsKeyId?: string;
  bucketRegion?: string;
  upload: boolean;
  block: boolean;
  overrideMarker: string;
  out: string;
  jsonOut: string;
  summaryOut: string;
  /** Where the console URL of the uploaded report is written (the approval links to it). */
  urlOut: string;
  label: string;
  /** Read through each stage's report role instead of the CDK lookup role. */
  stageReadRoles: boolean;
  /** The pipeline whose history tells a stage's first deploy from a missing role. */
  pipeline?: string;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
}

/** The options from the command line, else the environment, else the defaults; throws UsageError. */
function optionsOf(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  const { values } = parseCliArgs(argv, { options: OPTIONS });
  const stagesRaw = values.stages ?? env.CHANGE_REPORT_STAGES;
  const stagePrefix = values['stage-prefix'] ?? env.CHANGE_REPORT_STAGE_PREFIX;
  const stages = stagesRaw?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!stages?.length && !stagePrefix) throw new UsageError('pass --stages <id,id> or --stage-prefix <prefix> (e.g. --stage-prefix prod-)');

  const commit = values.commit ?? env.COMMIT_ID ?? env.CODEBUILD_RESOLVED_SOURCE_VERSION;
  if (!commit) throw new UsageError('pass --commit <sha> (or set COMMIT_ID / CODEBUILD_RESOLVED_SOURCE_VERSION)');

  let commitMessage = values['commit-message'] ?? '';
  if (values['commit-message-file']) {
    try {
      commitMessage = fs.readFileSync(values['commit-message-file'], 'utf8');
    } catch (e) {
      throw new InputError(`cannot read --commit-message-file: ${(e as Error).message}`);
    }
  } else if (!values['commit-message']) {
    commitMessage = env.COMMIT_MESSAGE ?? '';
  }

  if (values.pipeline !== undefined && !values['stage-read-roles']) throw new UsageError('--pipeline goes with --stage-read-roles (it tells the first deploy of a stage from a missing report role)');
  const upload = !values['no-upload'];
  const bucket = values.bucket ?? env.REPORT_BUCKET;
  if (upload && !bucket) throw new UsageError('pass --bucket <name> (or set REPORT_BUCKET), or --no-upload to only write local files');

  let keyPrefix = values['key-prefix'] ?? env.REPORT_KEY_PREFIX ?? 'change-reports/';
  if (keyPrefix && !keyPrefix.endsWith('/')) keyPrefix += '/';
  const out = values.out ?? 'change-report.md';

  return {
    assembly: values.assembly ?? env.CHANGE_REPORT_ASSEMBLY ?? 'cdk.out',
    stages,
    stagePrefix,
    commit,
    commitMessage,
    bucket,
    keyPrefix: keyPrefix.replace(/^\/+/, ''),
    kmsKeyId: values['kms-key-id'] ?? env.REPORT_KMS_KEY_ID,
    bucketRegion: values['bucket-region'] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    upload,
    block: values['block-stateful-replacement'] ?? truthy(env.BLOCK_STATEFUL_REPLACEMENT),
    overrideMarker: values['override-marker'] ?? env.OVERRIDE_MARKER ?? DEFAULT_OVERRIDE_MARKER,
    out,
    jsonOut: values['json-out'] ?? out.replace(/\.md$/, '') + '.json',
    summaryOut: values['summary-out'] ?? 'change-summary.txt',
    urlOut: values['url-out'] ?? 'change-report-url.txt',
    label: values.label ?? 'prod',
    stageReadRoles: values['stage-read-roles'] ?? false,
    pipeline: values.pipeline,
  };
}

/** The S3 console page of an object. */
export function consoleUrl(bucket: string, key: string, region: string | undefined): string {
  const r = region ?? 'us-east-1';
  return `https://${r}.console.aws.amazon.com/s3/object/${bucket}?region=${r}&bucketType=general&prefix=${encodeURIComponent(key)}`;
}

/** The SDK clients, loaded only when none are injected (tests never load the SDK). */
function aws(): typeof AwsClients {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./aws-change-report-clients') as typeof AwsClients;
}

/** Upload the report; true when it is uploaded, false (with the error printed) when the upload failed. */
async function uploadReport(
  opts: CliOptions, store: ObjectStore, markdown: string, json: string, log: (line: string) => void, error: (line: string) => void,
): Promise<boolean> {
  const base = `${opts.keyPrefix}${opts.commit}/`;
  try {
    for (const [name, body, type] of [['change-report.md', markdown, 'text/markdown; charset=utf-8'], ['change-report.json', json, 'application/json']] as const) {
      const key = base + name;
      await store.putObject({
        Bucket: opts.bucket!,
        Key: key,
        Body: body,
        ContentType: type,
        ServerSideEncryption: 'aws:kms',
        ...(opts.kmsKeyId ? { SSEKMSKeyId: opts.kmsKeyId } : {}),
      });
      if (name.endsWith('.md')) {
        const url = consoleUrl(opts.bucket!, key, opts.bucketRegion);
        log(`Report: s3://${opts.bucket}/${key}`);
        log(`Console: ${url}`);
        fs.writeFileSync(opts.urlOut, `${url}\n`);
      }
    }
    return true;
  } catch (e) {
    error(`change report: upload to s3://${opts.bucket}/${base} failed: ${errorText(e)}`);
    return false;
  }
}

/**
 * With --pipeline: when a stage's read role cannot be assumed, whether the pipeline never
 * deployed any stack of that stage (src/shared/pipeline-history/first-deploy.ts).
 */
function firstDeployCheck(
  opts: CliOptions, deps: CliDeps, targets: readonly { stageId: string; stackName: string }[], log: (line: string) => void,
): NeverDeployed | undefined {
  const pipeline = opts.pipeline;
  if (!pipeline) return undefined;
  return async (target) => {
    const history = deps.pipelineHistory ?? aws().awsPipelineHistory(opts.bucketRegion);
    const stackNames = targets.filter((t) => t.stageId === target.stageId).map((t) => t.stackName);
    const deployed = await everDeployed(history, pipeline, stackNames);
    log(deployed
      ? `${target.stageId}: its read role cannot be assumed, but ${pipeline} deployed its stacks before: not comparing it is an error.`
      : `${target.stageId}: its read role cannot be assumed and ${pipeline} never deployed its stacks: first deploy, every stack is new.`);
    return !deployed;
  };
}

/** The report: compare, judge, write, upload; resolves to the exit code. */
async function changeReport(opts: CliOptions, deps: CliDeps, log: (line: string) => void, error: (line: string) => void): Promise<number> {
  const targets = findStacks(opts.assembly, { stages: opts.stages, prefix: opts.stagePrefix, readRole: opts.stageReadRoles ? 'stage-report' : 'lookup' });
  if (!targets.length) throw new InputError('the selected stages contain no CloudFormation stacks');

  const clientFor = deps.templateClientFor ?? aws().awsTemplateClientFactory;
  const neverDeployed = firstDeployCheck(opts, deps, targets, log);
  const report = await buildReport({ targets, clientFor, commit: opts.commit, label: opts.label, now: deps.now, neverDeployed });

  const verdict = evaluatePolicy(report, {
    blockStatefulReplacement: opts.block,
    commitMessage: opts.commitMessage,
    overrideMarker: opts.overrideMarker,
  });
  const summary = summaryLine(report) + (verdict.refused ? ' [REFUSED by policy]' : verdict.overridden ? ' [stateful override in commit message]' : '');
  const markdown = renderMarkdown(report) + `\n## Policy\n\n${verdict.reason}\n`;
  const json = renderJson(report, { policy: verdict });

  for (const [file, body] of [[opts.out, markdown], [opts.jsonOut, json], [opts.summaryOut, summary + '\n']] as const) {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, body);
  }

  let awsFailed = report.stacks.some((s) => s.status === 'ERROR');
  if (opts.upload) {
    const store = deps.objectStore ?? aws().awsObjectStore(opts.bucketRegion);
    if (!(await uploadReport(opts, store, markdown, json, log, error))) awsFailed = true;
  }

  log(summary);
  log(verdict.reason);
  for (const s of report.stacks.filter((x) => x.status === 'ERROR')) error(`change report: ${s.target.stackName}: ${s.error}`);
  if (verdict.refused) return EXIT.FAILED;
  if (awsFailed) return EXIT.AWS;
  return EXIT.OK;
}

/** The CLI; resolves to the exit code. */
export async function main(argv: readonly string[], deps: CliDeps = {}): Promise<number> {
  const log = deps.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const error = deps.error ?? ((l: string) => process.stderr.write(l + '\n'));
  return runCli({ name: 'change report', usage: USAGE }, argv, () => changeReport(optionsOf(argv, deps.env ?? process.env), deps, log, error), lineWriters({ out: log, err: error }));
}

if (require.main === module) runMain(main);
