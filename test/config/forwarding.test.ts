import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bundleCli } from '../support/bundle-cli';
import { REPO_ROOT } from '../support/repo-root';

/**
 * What flows from the user's environment into the pipeline, checked on a NON-sample config in
 * one synth of the app as the CDK CLI runs it (`cdk synth -c config=<path>`: the context, with
 * the committed lookups, in $CDK_CONTEXT_JSON): src/main.ts reads the config named by
 * `-c config`, which wins over $DELIVERY_CONFIG (set here to the sample config, which must lose),
 * and the commit in $COMMIT_ID. The pipeline's synth step must receive exactly that config path
 * (else a user's pipeline would synthesize another config the next time it runs), the stages
 * must run the image of that commit, and every config value must come from that file.
 * $DELIVERY_CONFIG alone is what the other synth tests use (plain-http-opt-out,
 * missing-context, config.test's bad configs), and the choice between the two is main.ts's
 * one `configArg` line.
 */
describe('synth with a non-sample config via -c config=<path>, over $DELIVERY_CONFIG', () => {
  const root = REPO_ROOT;
  const CONFIG = 'test/fixtures/config/delivery.custom.json';
  const COMMIT = 'f0f0f0f0c0ffee0123456789abcdef0123456789';
  let run: ReturnType<typeof spawnSync>;
  let out: string;
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(out, file), 'utf8'));

  beforeAll(() => {
    out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fwd-')), 'cdk.out');
    const context = { ...JSON.parse(fs.readFileSync(path.join(root, 'cdk.context.json'), 'utf8')), config: CONFIG };
    run = spawnSync('node', [bundleCli('src/main.ts', { externalPackages: true })], {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify(context),
        DELIVERY_CONFIG: 'config/delivery.sample.json',
        COMMIT_ID: COMMIT,
        CDK_OUTDIR: out,
      },
    });
  }, 180_000);

  test('synthesizes, and prints the config warning without failing', () => {
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    expect(run.stderr).toContain('source.connectionArn: the connection is in account 999999999999, not the pipeline account 111111111111');
  });

  test('the synth step receives exactly that config path and the pipeline commit variable', () => {
    const template = read('DeliveryPipeline.template.json');
    const projects = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::CodeBuild::Project'
      && /npx projen build/.test(r.Properties.Source.BuildSpec ?? ''));
    expect(projects).toHaveLength(1);
    expect(projects[0].Properties.Environment.EnvironmentVariables).toEqual(expect.arrayContaining([
      { Name: 'DELIVERY_CONFIG', Type: 'PLAINTEXT', Value: CONFIG },
    ]));
    const pipeline = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::CodePipeline::Pipeline');
    const synthAction = pipeline.Properties.Stages[1].Actions[0];
    expect(JSON.parse(synthAction.Configuration.EnvironmentVariables)).toEqual(expect.arrayContaining([
      { name: 'COMMIT_ID', type: 'PLAINTEXT', value: expect.stringMatching(/^#\{Source@.*\.CommitId\}$/) },
    ]));
    // The rest of the pipeline comes from the same file.
    expect(pipeline.Properties.Name).toBe('acme-delivery');
    expect(pipeline.Properties.Stages[0].Actions[0].Configuration).toMatchObject({
      FullRepositoryId: 'acme/payments-service',
      BranchName: 'release/2.x',
      ConnectionArn: 'arn:aws:codeconnections:us-east-1:999999999999:connection/11111111-2222-4333-8444-555555555555',
    });
  });

  test('the stages are that config\'s environments and run the image of $COMMIT_ID', () => {
    const stages = fs.readdirSync(out).filter((d) => d.startsWith('assembly-')).sort();
    expect(stages).toEqual(['assembly-DeliveryPipeline-live-us-east-2', 'assembly-DeliveryPipeline-pre-prod-us-east-1']);
    const dir = path.join(out, 'assembly-DeliveryPipeline-pre-prod-us-east-1');
    const texts = fs.readdirSync(dir).filter((f) => f.endsWith('.template.json')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
    const taskDefs = texts.flatMap((t) => Object.values<any>(JSON.parse(t).Resources).filter((r) => r.Type === 'AWS::ECS::TaskDefinition'));
    expect(taskDefs).toHaveLength(1);
    expect(JSON.stringify(taskDefs[0].Properties.ContainerDefinitions[0].Image)).toContain(`:${COMMIT}`);
    // The organisation's own tag reaches the workload.
    expect(texts.join('\n')).toMatch(/"Key": "Owner",\s*"Value": "fixture-owner"/);
  });
});
