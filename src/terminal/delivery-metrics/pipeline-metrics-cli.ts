import { ConfigError, loadConfig } from '../../config/load-config';
import { pipelineLayoutOf } from '../../config/pipeline-layout';
import { UsageError } from '../../shared/cli/errors';
import { EXIT } from '../../shared/cli/exit-codes';
import { parseCliArgs } from '../../shared/cli/parse-args';
import { CliIo, PROCESS_IO, runCli, runMain } from '../../shared/cli/run-cli';
import type * as AwsCodePipelineClients from '../../shared/delivery-metrics/aws-codepipeline-clients';
import { approvalsWaiting, CodePipelineApi, loadHistory } from '../../shared/delivery-metrics/codepipeline-reader';
import { deliveryDatapoints } from '../../shared/delivery-metrics/datapoints';
import { formatSummary } from '../../shared/delivery-metrics/format';
import { History } from '../../shared/delivery-metrics/history';
import { summarize } from '../../shared/delivery-metrics/summary';
import { CONFIG_OPTION, configPathOf } from '../ops/config-option';

/**
 * `npx projen pipeline:metrics -- [--days 30] [--json] [--config path]`
 *
 * The four DORA keys of the pipeline over the last `--days` days (default 30), with the 2024
 * band each falls in, and the approval wait, bake and time per stage, computed from CodePipeline's
 * execution history (ListPipelineExecutions, ListActionExecutions, GetPipelineState) by the same
 * code the delivery metrics function runs (src/shared/delivery-metrics/). Needs credentials of the
 * pipeline account that may read the pipeline.
 */

export const PIPELINE_METRICS_USAGE = 'usage: npx projen pipeline:metrics -- [--days 30] [--json] [--config path/to/delivery.json]\n'
  + 'exit 0 printed; 1 a config it cannot use, or reading the history failed; 2 a bad command line';
/** The default period. */
export const DEFAULT_DAYS = 30;
/** CodePipeline keeps 12 months of history. */
export const MAX_DAYS = 365;

export interface PipelineMetricsIo extends CliIo {
  readonly env: NodeJS.ProcessEnv;
  /** CodePipeline of the pipeline's region. */
  readonly codePipeline: (region: string) => CodePipelineApi;
  /** @default the system clock */
  readonly now?: () => Date;
}

/** Reading CodePipeline's history failed (credentials, AccessDenied, throttling): nothing was computed. */
export class HistoryReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryReadError';
  }
}

function daysOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_DAYS;
  const days = Number(value);
  if (!/^\d+$/.test(value) || days < 1 || days > MAX_DAYS) {
    throw new UsageError(`--days must be a whole number of days from 1 to ${MAX_DAYS} (CodePipeline keeps 12 months of history); got ${JSON.stringify(value)}`);
  }
  return days;
}

function defaultIo(): PipelineMetricsIo {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const aws = () => require('../../shared/delivery-metrics/aws-codepipeline-clients') as typeof AwsCodePipelineClients;
  return { ...PROCESS_IO, env: process.env, codePipeline: (region) => aws().awsCodePipeline(region) };
}

const OPTIONS = { ...CONFIG_OPTION, days: { type: 'string', hint: '30' }, json: { type: 'boolean' } } as const;

async function pipelineMetrics(argv: readonly string[], io: PipelineMetricsIo): Promise<number> {
  const { values } = parseCliArgs(argv, { options: OPTIONS });
  const days = daysOf(values.days);
  const config = loadConfig(configPathOf(values.config, io.env));
  const layout = pipelineLayoutOf(config);
  const now = io.now?.() ?? new Date();
  const api = io.codePipeline(config.pipeline.region);
  let history: History;
  let waiting: number;
  try {
    history = await loadHistory(api, layout.pipelineName, { since: new Date(now.getTime() - days * 86_400_000) });
    waiting = await approvalsWaiting(api, layout);
  } catch (e) {
    const err = e as Error;
    throw new HistoryReadError(`reading the history of ${layout.pipelineName} failed: ${err.name}: ${err.message}`);
  }
  const summary = summarize(deliveryDatapoints(history, layout), { pipeline: layout.pipelineName, to: now, days, approvalsWaiting: waiting });
  io.out(values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
  return EXIT.OK;
}

/** The CLI; resolves to the exit code. */
export async function pipelineMetricsCli(argv: readonly string[], io: PipelineMetricsIo = defaultIo()): Promise<number> {
  const expected = [ConfigError, HistoryReadError].map((error) => ({ error, exitCode: EXIT.FAILED }));
  return runCli({ name: 'pipeline:metrics', usage: PIPELINE_METRICS_USAGE, expected }, argv, () => pipelineMetrics(argv, io), io);
}

if (require.main === module) runMain(pipelineMetricsCli);
