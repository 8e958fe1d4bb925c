import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { AssemblyError, findStacks } from './assembly';
import type * as AwsAdapters from './aws';
import { ObjectStore, TemplateClientFactory } from './clients';
import { buildReport } from './compare';
import { evaluatePolicy } from './policy';
import { renderJson, renderMarkdown, summaryLine } from './render';
import { DEFAULT_OVERRIDE_MARKER } from '../../config/override-marker';

/**
 * The prod change report, as run by the CodeBuild step before the prod approval:
 *
 *   node -r ts-node/register/transpile-only src/codebuild/change-report/report-cli.ts \
 *     --assembly cdk.out --stage-prefix prod- --commit "$CODEBUILD_RESOLVED_SOURCE_VERSION" \
 *     --commit-message-file commit-message.txt --bucket "$REPORT_BUCKET" --key-prefix change-reports/ \
 *     --block-stateful-replacement --out change-report.md
 *
 * Exit codes: 0 report written (and uploaded); 1 refused by the stateful-replacement policy;
 * 2 usage error or unreadable assembly; 3 an AWS call failed (a stack could not be compared,
 * or the upload failed): the report is incomplete, so the step fails rather than let an
 * approver sign off on half a picture. 4: unexpected error (a bug).
 */

export const EXIT = { OK: 0, REFUSED: 1, USAGE: 2, AWS: 3 } as const;

export interface CliDeps {
  /** GetTemplate clients per lookup role; default: the AWS SDK with STS AssumeRole. */
  readonly templateClientFor?: TemplateClientFactory;
  /** The report bucket client; default: the AWS SDK with the ambient credentials. */
  readonly objectStore?: ObjectStore;
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
                  [--label prod]
Environment fallbacks: CHANGE_REPORT_ASSEMBLY, CHANGE_REPORT_STAGES, CHANGE_REPORT_STAGE_PREFIX,
  COMMIT_ID or CODEBUILD_RESOLVED_SOURCE_VERSION, COMMIT_MESSAGE, REPORT_BUCKET, REPORT_KEY_PREFIX,
  REPORT_KMS_KEY_ID, AWS_REGION, BLOCK_STATEFUL_REPLACEMENT=true, OVERRIDE_MARKER.`;

class UsageError extends Error {}

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
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
}

export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'assembly': { type: 'string' },
        'stages': { type: 'string' },
        'stage-prefix': { type: 'string' },
        'commit': { type: 'string' },
        'commit-message': { type: 'string' },
        'commit-message-file': { type: 'string' },
        'bucket': { type: 'string' },
        'key-prefix': { type: 'string' },
        'kms-key-id': { type: 'string' },
        'bucket-region': { type: 'string' },
        'no-upload': { type: 'boolean' },
        'block-stateful-replacement': { type: 'boolean' },
        'override-marker': { type: 'string' },
        'out': { type: 'string' },
        'json-out': { type: 'string' },
        'summary-out': { type: 'string' },
        'url-out': { type: 'string' },
        'label': { type: 'string' },
        'help': { type: 'boolean' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) throw new UsageError('');

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
      throw new UsageError(`cannot read --commit-message-file: ${(e as Error).message}`);
    }
  } else if (!values['commit-message']) {
    commitMessage = env.COMMIT_MESSAGE ?? '';
  }

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
  };
}

/** The S3 console page of an object. */
export function consoleUrl(bucket: string, key: string, region: string | undefined): string {
  const r = region ?? 'us-east-1';
  return `https://${r}.console.aws.amazon.com/s3/object/${bucket}?region=${r}&bucketType=general&prefix=${encodeURIComponent(key)}`;
}

/** The SDK adapters, loaded only when no clients are injected (tests never load the SDK). */
function loadAws(): typeof AwsAdapters {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./aws') as typeof AwsAdapters;
}

export async function main(argv: readonly string[], deps: CliDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const log = deps.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const error = deps.error ?? ((l: string) => process.stderr.write(l + '\n'));

  let opts: CliOptions;
  try {
    opts = parseCliArgs(argv, env);
  } catch (e) {
    if (e instanceof UsageError) {
      if (!e.message) {
        log(USAGE); // --help
        return EXIT.OK;
      }
      error(`change report: ${e.message}`);
      error(USAGE);
      return EXIT.USAGE;
    }
    throw e;
  }

  let targets;
  try {
    targets = findStacks(opts.assembly, { stages: opts.stages, prefix: opts.stagePrefix });
    if (!targets.length) throw new AssemblyError('the selected stages contain no CloudFormation stacks');
  } catch (e) {
    if (e instanceof AssemblyError) {
      error(`change report: ${e.message}`);
      return EXIT.USAGE;
    }
    throw e;
  }

  const clientFor = deps.templateClientFor ?? loadAws().sdkTemplateClientFactory;
  let report;
  try {
    report = await buildReport({ targets, clientFor, commit: opts.commit, label: opts.label, now: deps.now });
  } catch (e) {
    if (e instanceof AssemblyError) {
      error(`change report: ${e.message}`);
      return EXIT.USAGE;
    }
    throw e;
  }

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
    const store = deps.objectStore ?? loadAws().sdkObjectStore(opts.bucketRegion);
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
    } catch (e) {
      const err = e as { name?: string; message?: string };
      error(`change report: upload to s3://${opts.bucket}/${base} failed: ${err.name ?? 'Error'}: ${err.message ?? String(e)}`);
      awsFailed = true;
    }
  }

  log(summary);
  log(verdict.reason);
  for (const s of report.stacks.filter((x) => x.status === 'ERROR')) error(`change report: ${s.target.stackName}: ${s.error}`);
  if (verdict.refused) return EXIT.REFUSED;
  if (awsFailed) return EXIT.AWS;
  return EXIT.OK;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e) => {
      process.stderr.write(`change report: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 4; // a bug, not a verdict
    },
  );
}
