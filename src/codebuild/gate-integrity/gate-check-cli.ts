import * as fs from 'fs';
import * as path from 'path';
import { approvalParameterName, judgeApproval, ParameterHistory } from './approval-record';
import { PipelineTemplate, weakenedGates } from './gate-facts';
import { InputError } from '../../shared/cli/errors';
import { EXIT } from '../../shared/cli/exit-codes';
import { parseCliArgs, requireOption } from '../../shared/cli/parse-args';
import { runCli, runMain } from '../../shared/cli/run-cli';

/**
 * The self-mutation gate check, run by the self-mutation action before `cdk deploy` of the
 * pipeline stack (src/synth/pipeline/gate-check-step.ts embeds it in that action's buildspec,
 * so the check that runs is the deployed pipeline's, not the commit's):
 *
 *   gate-check --deployed deployed.json --assembly . --stack DeliveryPipeline --commit <sha> [--approval history.json]
 *
 * `--deployed`: `aws cloudformation get-template --stack-name <stack> --template-stage Original
 * --output json`; `--approval`: `aws ssm get-parameter-history --name <approval parameter>
 * --output json` (a missing or empty file means no approval). Exit 0: no gate weakened, or every
 * weakened gate approved for this commit by a principal outside the pipeline; 1: refused; 2: an
 * input cannot be read (self-mutation stops: fail closed).
 */
export const GATE_CHECK_USAGE = `Usage: gate-check --deployed deployed.json --stack NAME --commit SHA [--assembly DIR] [--approval history.json]
Exit: 0 no gate weakened (or the weakening approved), 1 refused, 2 an input cannot be read.`;

const OPTIONS = {
  deployed: { type: 'string', hint: 'deployed.json' },
  assembly: { type: 'string', hint: 'DIR' },
  stack: { type: 'string', hint: 'NAME' },
  commit: { type: 'string', hint: 'SHA' },
  approval: { type: 'string', hint: 'history.json' },
} as const;

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
}

/** The template in a GetTemplate answer (TemplateBody as an object or as JSON text), or the template itself. */
function templateOf(answer: any, what: string): PipelineTemplate {
  const body = answer?.TemplateBody ?? answer;
  const template = typeof body === 'string' ? JSON.parse(body) : body;
  if (!template?.Resources) throw new InputError(`${what} has no Resources: not a CloudFormation template`);
  return template;
}

/** The stack's template in a cloud assembly, by stack name. */
function assemblyTemplate(dir: string, stack: string): PipelineTemplate {
  const manifest = readJson(path.join(dir, 'manifest.json'), 'the cloud assembly manifest') as { artifacts?: Record<string, any> };
  const artifact = Object.values(manifest.artifacts ?? {}).find((a) => a.type === 'aws:cloudformation:stack' && (a.properties?.stackName ?? '') === stack)
    ?? manifest.artifacts?.[stack];
  if (!artifact?.properties?.templateFile) throw new InputError(`the cloud assembly in ${dir} has no stack ${stack}`);
  return templateOf(readJson(path.join(dir, artifact.properties.templateFile), `the template of ${stack}`), stack);
}

function check(argv: readonly string[], out: (line: string) => void): number {
  const { values } = parseCliArgs(argv, { options: OPTIONS });
  const stack = requireOption(values.stack, 'stack', 'NAME');
  const commit = requireOption(values.commit, 'commit', 'SHA');
  if (!/^[0-9a-f]{7,40}$/.test(commit)) throw new InputError(`--commit "${commit}" is not a commit id: the pipeline variable did not resolve`);
  const deployed = templateOf(readJson(requireOption(values.deployed, 'deployed', 'deployed.json'), 'the deployed template'), 'the deployed template');
  const proposed = assemblyTemplate(values.assembly ?? '.', stack);
  const weakened = weakenedGates(deployed, proposed);
  if (weakened.length === 0) {
    out(`Gate check: the new ${stack} keeps every gate of the deployed one.`);
    return EXIT.OK;
  }
  out(`Gate check: this commit weakens ${weakened.length} gate(s) of ${stack}:`);
  for (const g of weakened) out(`  - ${g.key}: ${g.description}`);
  const approvalFile = values.approval;
  const history = approvalFile && fs.existsSync(approvalFile) && fs.statSync(approvalFile).size > 0
    ? readJson(approvalFile, 'the approval record') as ParameterHistory : undefined;
  const verdict = judgeApproval(history, commit, weakened.map((g) => g.key), stack);
  if (verdict.approved) {
    out(`Approved for commit ${commit} by ${verdict.approver}${verdict.reason ? ` (${verdict.reason})` : ''}: self-mutation goes on.`);
    return EXIT.OK;
  }
  out(`REFUSED: ${verdict.why}. One commit may not weaken the gates and ship through them.`);
  out(`To allow it, someone who is not the pipeline writes ${approvalParameterName(stack, commit)} with `
    + `{"commit":"${commit}","gates":${JSON.stringify(weakened.map((g) => g.key))},"reason":"..."} and retries the UpdatePipeline stage (RUNBOOKS.md).`);
  return EXIT.FAILED;
}

/** The CLI; resolves to the exit code. */
export function gateCheckCli(argv: readonly string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  return runCli({ name: 'gate-check', usage: GATE_CHECK_USAGE }, argv, () => check(argv, out));
}

if (require.main === module) runMain(gateCheckCli);
