import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fakeCloudFormation, FIXTURE_ASSEMBLY, fixtureTemplate } from './support';
import { main } from '../../../src/codebuild/change-report/report-cli';
import { EXIT } from '../../../src/shared/cli/exit-codes';
import { everDeployed, MAX_HISTORY_PAGES, PipelineHistoryClient } from '../../../src/shared/pipeline-history/first-deploy';
import { REPO_ROOT } from '../../support/repo-root';

const HISTORY = path.join(REPO_ROOT, 'test', 'fixtures', 'change-report', 'history');

/** ListActionExecutions answered page by page from a recording; records the requests. */
function recordedHistory(name: string): PipelineHistoryClient & { requests: unknown[] } {
  const { pages } = JSON.parse(fs.readFileSync(path.join(HISTORY, `${name}.json`), 'utf8'));
  const requests: unknown[] = [];
  return {
    requests,
    listActionExecutions: async (input) => {
      requests.push(input);
      return pages[input.nextToken === undefined ? 0 : Number(/^page-(\d+)$/.exec(input.nextToken)![1]) - 1];
    },
  };
}

/** What STS answers when the report step's role may not assume a stage's report role (or it does not exist). */
const assumeDenied = (role: string) => Object.assign(new Error(
  `User: arn:aws:sts::111111111111:assumed-role/DeliveryPipeline-report-prod/aws-sdk-js is not authorized to perform: sts:AssumeRole on resource: ${role}`), { name: 'AccessDenied' });

describe('the first deploy of a stage, from the pipeline\'s own history', () => {
  test('no successful deploy of the stage\'s stacks in any page: never deployed (a failed create does not count)', async () => {
    const history = recordedHistory('never-deployed');
    expect(await everDeployed(history, 'cdk-delivery-pipeline', ['prod-us-east-2-Data', 'prod-us-east-2-Service'])).toBe(false);
    expect(history.requests).toEqual([
      { pipelineName: 'cdk-delivery-pipeline', nextToken: undefined, maxResults: 100 },
      { pipelineName: 'cdk-delivery-pipeline', nextToken: 'page-2', maxResults: 100 },
    ]);
  });

  test('a successful deploy of one of the stacks, on a later page: deployed', async () => {
    expect(await everDeployed(recordedHistory('deployed-before'), 'cdk-delivery-pipeline', ['prod-us-east-2-Data'])).toBe(true);
  });

  test('a history longer than it reads counts as deployed (fail closed)', async () => {
    let pages = 0;
    const endless: PipelineHistoryClient = { listActionExecutions: async () => { pages++; return { actionExecutionDetails: [], nextToken: 'more' }; } };
    expect(await everDeployed(endless, 'p', ['x'])).toBe(true);
    expect(pages).toBe(MAX_HISTORY_PAGES);
  });
});

describe('report-cli with the stages\' own report roles', () => {
  async function run(history: string, extra: string[] = []) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'first-deploy-'));
    const role2 = 'arn:aws:iam::333333333333:role/prod-us-east-2-pipeline-report';
    // prod-us-east-1 is deployed; prod-us-east-2's role cannot be assumed.
    const cfn = fakeCloudFormation({
      'prod-us-east-1-Data': fixtureTemplate('prod-us-east-1-Data'),
      'prod-us-east-1-Service': fixtureTemplate('prod-us-east-1-Service'),
      'prod-us-east-2-Data': assumeDenied(role2),
      'prod-us-east-2-Service': assumeDenied(role2),
    });
    const out: string[] = [];
    const code = await main([
      '--assembly', FIXTURE_ASSEMBLY, '--stages', 'prod-us-east-1,prod-us-east-2', '--commit', 'abc1234', '--no-upload', '--stage-read-roles',
      '--pipeline', 'cdk-delivery-pipeline', '--out', path.join(dir, 'r.md'), '--summary-out', path.join(dir, 's.txt'), ...extra,
    ], { templateClientFor: cfn.factory, pipelineHistory: recordedHistory(history), env: { AWS_REGION: 'us-east-1' }, log: (l) => out.push(l), error: (l) => out.push(l) });
    return { code, out, calls: cfn.calls, md: fs.readFileSync(path.join(dir, 'r.md'), 'utf8'), summary: fs.readFileSync(path.join(dir, 's.txt'), 'utf8') };
  }

  test('reads each stage through its own report role, never the CDK lookup role', async () => {
    const r = await run('never-deployed');
    expect([...new Set(r.calls.map((c) => `${c.input.StackName} ${c.roleArn}`))].sort()).toEqual([
      'prod-us-east-1-Data arn:aws:iam::333333333333:role/prod-us-east-1-pipeline-report',
      'prod-us-east-1-Service arn:aws:iam::333333333333:role/prod-us-east-1-pipeline-report',
      'prod-us-east-2-Data arn:aws:iam::333333333333:role/prod-us-east-2-pipeline-report',
      'prod-us-east-2-Service arn:aws:iam::333333333333:role/prod-us-east-2-pipeline-report',
    ]);
  });

  test('a stage whose role cannot be assumed and that the pipeline never deployed: its stacks are NEW, with the reason; exit 0', async () => {
    const r = await run('never-deployed');
    expect(r.code).toBe(EXIT.OK);
    expect(r.summary).toMatch(/^2 of 4 prod stacks change \(2 new\)/);
    expect(r.md).toContain('### prod-us-east-2-Data: NEW');
    expect(r.md).toContain('**Note:** First deploy of this stage: its read role does not exist yet');
    expect(r.out).toContain('prod-us-east-2: its read role cannot be assumed and cdk-delivery-pipeline never deployed its stacks: first deploy, every stack is new.');
  });

  test('a stage the pipeline deployed before, whose role cannot be assumed: not compared, and the report fails (exit 3)', async () => {
    const r = await run('deployed-before');
    expect(r.code).toBe(EXIT.AWS);
    expect(r.summary).toMatch(/2 stacks COULD NOT BE COMPARED/);
    expect(r.md).toMatch(/### prod-us-east-2-Data: ERROR[\s\S]*reading the deployed template as arn:aws:iam::333333333333:role\/prod-us-east-2-pipeline-report failed: AccessDenied/);
  });

  test('--pipeline without --stage-read-roles is a usage error', async () => {
    const code = await main(['--assembly', FIXTURE_ASSEMBLY, '--stages', 'prod-us-east-1', '--commit', 'a', '--no-upload', '--pipeline', 'p'], { log: () => undefined, error: () => undefined });
    expect(code).toBe(EXIT.USAGE);
  });
});
