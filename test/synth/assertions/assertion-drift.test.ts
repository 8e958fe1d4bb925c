import * as fs from 'fs';
import * as path from 'path';
import { assertionChecks } from '../../support/assertion-checks';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly, SampleAssembly } from '../../support/sample-assembly';

/**
 * The post-deploy assertions under drift control. integ-runner's snapshot check compares only
 * the test-case stacks (Platform, Service), never the assertion stack, so a changed target or
 * expected value in src/synth/assertions (say, /health expecting 201) would pass `npx projen integ`.
 * Here every stage's checks, keyed by target and normalized (test/support/assertion-checks.ts),
 * must equal the committed expectation: a deliberate change is reviewed in
 * expected-checks.json beside this file and refreshed with
 * `UPDATE_EXPECTED_CHECKS=1 SAMPLE_ASSEMBLY=cdk.out npx jest test/synth/assertions/assertion-drift.test.ts`
 * after `npx projen synth`. (A committed file, not a jest snapshot: the test command runs this
 * file inside a shard, and jest keeps snapshots per shard: test/support/shards.ts.)
 */
const EXPECTED_CHECKS = path.join(__dirname, 'expected-checks.json');

/** The committed checks; with UPDATE_EXPECTED_CHECKS=1 (never under CI), first rewritten from `actual`. */
function expectedChecks(actual: unknown): unknown {
  if (process.env.UPDATE_EXPECTED_CHECKS === '1') {
    if (process.env.CI) throw new Error('UPDATE_EXPECTED_CHECKS=1 under CI: refresh expected-checks.json locally and commit it');
    fs.writeFileSync(EXPECTED_CHECKS, `${JSON.stringify(actual, null, 2)}\n`);
  }
  return JSON.parse(fs.readFileSync(EXPECTED_CHECKS, 'utf8'));
}
describe('post-deploy assertions', () => {
  let sample: SampleAssembly;
  beforeAll(() => { sample = sampleAssembly(); });

  const checksOf = (stage: SampleAssembly['stages'][number]) => {
    const stack = stage.stacks.Assertions;
    if (!stack) throw new Error(`${stage.name} has no Assertions stack`);
    return assertionChecks(stack.template, { commit: sample.commit, stage: stage.name });
  };

  test('every stage checks exactly the committed targets and expected values', () => {
    // Stages with the same checks share one entry ("dev-us-east-1 test-us-east-1 ..."), so the
    // snapshot stays readable and a stage whose checks differ stands out.
    const groups = new Map<string, { stages: string[]; checks: unknown }>();
    for (const stage of sample.stages) {
      const checks = checksOf(stage);
      const key = JSON.stringify(checks);
      groups.set(key, { stages: [...groups.get(key)?.stages ?? [], stage.name], checks });
    }
    const snapshot = Object.fromEntries([...groups.values()].map((g) => [[...g.stages].sort().join(' '), g.checks]));
    expect(Object.keys(snapshot).join(' ').split(' ')).toHaveLength(sample.stages.length);
    expect(snapshot).toEqual(expectedChecks(snapshot));
  });

  test('the integ test runs the same checks as the pipeline (its committed snapshot is not stale)', () => {
    const dir = path.join(REPO_ROOT, 'integ', 'integ.service-stage.ts.snapshot');
    const [file] = fs.readdirSync(dir).filter((f) => f.endsWith('-Assertions.template.json'));
    const stage = file!.replace(/-Assertions\.template\.json$/, '');
    const integ = assertionChecks(JSON.parse(fs.readFileSync(path.join(dir, file!), 'utf8')), { commit: 'integ', stage });
    expect(integ).toEqual(checksOf(sample.stages.find((s) => s.name.startsWith('dev-'))!));
  });
});
