import { issuerRegionOf } from '../../../src/config/issuer';
import { stageIdOf } from '../../../src/config/waves';
import { synthPipeline } from '../../support/pipeline-fixture';
import { sampleAssembly } from '../../support/sample-assembly';
import { sampleConfig } from '../../support/test-app';

/**
 * The environment's user pool is created by the issuer region's Platform stack; every other
 * region looks it up (IssuerLookup) in its Service stack, and its checks read the issuer region's
 * secret in its Assertions stack. Stages cannot depend on each other in CloudFormation, so the
 * order must come from the rendered pipeline: in every run, the issuer region's Platform deploy
 * action runs before any other region's Service and Assertions deploy. A sequential rollout
 * deploys the primary (issuer) region's whole stage first; a parallel one puts both regions'
 * Platform stacks in one run-order slot and their Service stacks in the next, which is why the
 * lookup is in the Service stack, not the Platform stack.
 */

interface Deploy { readonly stack: string; readonly stage: number; readonly runOrder: number }

function deploysOf(stages: any[]): Deploy[] {
  return stages.flatMap((s, i) => s.Actions
    .filter((a: any) => a.ActionTypeId.Provider === 'CloudFormation')
    .map((a: any) => ({ stack: a.Configuration.StackName, stage: i, runOrder: a.RunOrder })));
}
const before = (a: Deploy, b: Deploy) => a.stage < b.stage || (a.stage === b.stage && a.runOrder < b.runOrder);

function expectIssuerFirst(stages: any[], config = sampleConfig()): number {
  const deploys = deploysOf(stages);
  let checked = 0;
  for (const environment of config.environments.filter((e) => e.regions.length > 1)) {
    const issuerStage = stageIdOf(environment, issuerRegionOf(environment));
    const platform = deploys.find((d) => d.stack === `${issuerStage}-Platform`)!;
    expect(platform).toBeDefined();
    for (const region of environment.regions.filter((r) => r !== issuerRegionOf(environment))) {
      for (const stack of ['Service', 'Assertions']) {
        const other = deploys.find((d) => d.stack === `${stageIdOf(environment, region)}-${stack}`)!;
        const order = { after: other.stack, issuer: platform.stack };
        expect({ ...order, ordered: before(platform, other) }).toEqual({ ...order, ordered: true });
        checked++;
      }
    }
  }
  return checked;
}

test('the sample pipeline: test (parallel) and prod (sequential) create the issuer before any other region uses it', () => {
  expect(expectIssuerFirst(sampleAssembly().pipelineStages)).toBe(4);
  // The parallel environment really shares a slot between the two Platform stacks: the lookup
  // could not have lived there.
  const deploys = deploysOf(sampleAssembly().pipelineStages);
  const [a, b] = ['test-us-east-1-Platform', 'test-us-east-2-Platform'].map((s) => deploys.find((d) => d.stack === s)!);
  expect([a.stage, a.runOrder]).toEqual([b.stage, b.runOrder]);
});

test('also when the issuer (primary) region is not the first listed, in a parallel rollout', () => {
  const config = sampleConfig();
  const test = config.environments.find((e) => e.name === 'test')!;
  const moved = { ...config, environments: config.environments.map((e) => (e === test ? { ...test, primaryRegion: 'us-east-2' } : e)) };
  expect(issuerRegionOf(moved.environments[1])).toBe('us-east-2');
  expect(expectIssuerFirst(synthPipeline(moved).stages, moved)).toBe(4);
}, 120_000);
