import * as fs from 'fs';
import * as path from 'path';
import { resilienceOf } from '../../src/config/resilience';
import { MAX_COMMANDS_BAKE_MINUTES } from '../../src/synth/pipeline/steps/bake-step';
import { COMMANDS_ACTION_LIMITS } from '../../src/synth/pipeline/steps/commands-step';
import { pipelineShapeFromTemplate, totalsOf } from '../../src/synth/pipeline-shape/pipeline-shape';
import { BUDGETS } from '../../src/terminal/bench/budgets';
import { markedBlock } from '../support/markdown';
import { REPO_ROOT } from '../support/repo-root';
import { sampleAssembly } from '../support/sample-assembly';
import { sampleConfig } from '../support/test-app';

/**
 * The numbers the docs quote about the sample (sequential slots, CodeBuild timeouts, the DNS
 * health checks, alarms, a test's request count), taken from the synthesized sample and the
 * code here instead of being trusted as typed (the policy check's counts in the README's
 * bootstrap example: test/terminal/execution-policy/sufficiency.test.ts, which computes them). A failure prints the
 * number (or, for a block between `<!-- name:start -->` markers, the whole text) to write.
 */

const read = (rel: string) => fs.readFileSync(path.join(REPO_ROOT, rel), 'utf8');
/** A document's text with line breaks as spaces, so a sentence wrapped across lines still matches. */
const flat = (rel: string) => read(rel).replace(/\s*\n\s*/g, ' ');

/** The numbers a pattern captures in a document; fails naming the pattern when it is not there. */
function quoted(doc: string, pattern: RegExp): number[] {
  const m = pattern.exec(flat(doc));
  if (!m) throw new Error(`${doc} no longer says ${pattern}: update the pattern with the sentence`);
  return m.slice(1).map(Number);
}

describe('the pipeline', () => {
  const sample = sampleAssembly();
  const shape = pipelineShapeFromTemplate(sample.pipelineTemplate.toJSON(), 'us-east-1');
  const slots = shape.totals.sequentialSlots;
  const slotsOf = (name: string) => totalsOf(shape.stages.filter((s) => s.name === name)).sequentialSlots;

  test('README: the sample\'s sequential slots, its budget, and what a global test environment would cost', () => {
    // A global environment rolls out one region per pipeline stage (Platform, Service,
    // Assertions, and a bake before every region but the last): the shape the sample's prod
    // has. test has prod's regions and a bake, so a global test would take prod's slots.
    const config = sampleConfig();
    const test = config.environments.find((e) => e.name === 'test')!;
    const prod = config.environments.find((e) => e.name === 'prod')!;
    expect([resilienceOf(test), resilienceOf(prod), test.regions, test.bakeMinutes > 0]).toEqual(['independent', 'global', prod.regions, true]);
    const prodStages = shape.stages.filter((s) => s.actions.some((a) => a.stackName?.startsWith('prod-'))).map((s) => s.name);
    const withGlobalTest = slots - slotsOf('test') + prodStages.reduce((n, s) => n + slotsOf(s), 0);
    expect(quoted('README.md', /the sample pipeline (\d+) sequential action slots instead of (\d+), over its budget of (\d+)/)).toEqual([withGlobalTest, slots, BUDGETS.sequentialSlots]);
    expect(quoted('README.md', /no slot of its own: the sample has (\d+) slots, budget (\d+)\)/)).toEqual([slots, BUDGETS.sequentialSlots]);
    expect(quoted('README.md', /its builds stop after (\d+) minutes, which is why `bakeMinutes` is at most (\d+)\)/)).toEqual([COMMANDS_ACTION_LIMITS.timeoutMinutes, MAX_COMMANDS_BAKE_MINUTES]);
    expect(quoted('RUNBOOKS.md', /stop after (\d+) minutes, CodePipeline's fixed limit for them, which is why a bake lasts at most (\d+)/)).toEqual([COMMANDS_ACTION_LIMITS.timeoutMinutes, MAX_COMMANDS_BAKE_MINUTES]);
  });

  test('RUNBOOKS: the timeout of every CodeBuild action', () => {
    const resources = sample.pipelineTemplate.toJSON().Resources;
    const timeouts = new Map<string, number>();
    for (const stage of sample.pipelineStages) {
      for (const action of stage.Actions.filter((a: any) => a.ActionTypeId.Provider === 'CodeBuild')) {
        const project = resources[action.Configuration.ProjectName.Ref];
        // CodeBuild's own default when a project sets none (AWS::CodeBuild::Project TimeoutInMinutes).
        timeouts.set(action.Name, project.Properties.TimeoutInMinutes ?? 60);
      }
    }
    const expected = `CodeBuild actions time out after (minutes, sample): ${[...timeouts].map(([name, minutes]) => `\`${name}\` ${minutes}`).join(', ')}.`;
    expect(timeouts.size).toBeGreaterThanOrEqual(4);
    expect(markedBlock(read('RUNBOOKS.md'), 'codebuild-timeouts')?.trim()).toBe(expected);
  });
});

describe('what a stage has', () => {
  const stacks = sampleAssembly().stages.flatMap((s) => Object.values(s.stacks));
  const resources = (type: string) => stacks.flatMap((s) => Object.values<any>(s.template.Resources).filter((r) => r.Type === type));

  test('the DNS health checks: interval and failure threshold, as README, RUNBOOKS and app/README say', () => {
    const checks = resources('AWS::Route53::HealthCheck').map((r) => r.Properties.HealthCheckConfig);
    expect(checks.length).toBeGreaterThan(0);
    // Route 53's defaults when a check sets none: 30 s, 3 failures (HealthCheckConfig, Route 53 API reference).
    const settings = new Set(checks.map((c) => `${c.RequestInterval ?? 30}/${c.FailureThreshold ?? 3}`));
    expect(settings.size).toBe(1);
    const [interval, failures] = [...settings][0].split('/').map(Number);
    expect(quoted('README.md', /HTTPS health check on the ALB's own name \((\d+) s interval, (\d+) failures\)/)).toEqual([interval, failures]);
    expect(quoted('RUNBOOKS.md', /unhealthy after (\d+) failed checks (\d+) s apart \(~(\d+) s\)/)).toEqual([failures, interval, failures * interval]);
    expect(quoted('app/README.md', /unhealthy after (\d+) failed checks at a (\d+) s interval/)).toEqual([failures, interval]);
  });

  test('README: the number of alarms of a Service stack (nine everywhere; the hook, the replication lag and the audit tier add theirs)', () => {
    const words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen'];
    const alarms = sampleAssembly().stages.map((s) => Object.values<any>(s.stacks.Service.template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').length);
    const stated = /\bService`: ECS Fargate .*?, (\w+) to (\w+) alarms to a KMS-encrypted topic \(nine in every stage, plus the pre-traffic hook's errors with a progressive strategy, the replication lag in a global secondary, and (\w+) on the audit tier in production\)/.exec(flat('README.md'));
    expect(stated).not.toBeNull();
    const [least, most, audit] = stated!.slice(1).map((w) => words.indexOf(w));
    expect(Math.min(...alarms)).toBe(least);
    expect(Math.max(...alarms)).toBe(most);
    // The most: a progressive, global secondary, production stage (the sample's prod-us-east-2).
    expect(most).toBe(least + 1 + 1 + audit);
  });
});

describe('app/README on what the stages give the service', () => {
  const stages = sampleAssembly().stages;
  const container = (stage: typeof stages[number]) => Object.values<any>(stage.stacks.Service.template.Resources)
    .find((r) => r.Type === 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions[0];

  test('DB_HOST: the secret\'s host (the cluster endpoint) where the stage owns the secret, the reader endpoint in a secondary', () => {
    const sources = new Set(stages.map((stage) => {
      const c = container(stage);
      if (c.Secrets.some((x: any) => x.Name === 'DB_HOST' && /":host::"/.test(JSON.stringify(x.ValueFrom)))) return 'secret host';
      const plain = c.Environment.find((e: any) => e.Name === 'DB_HOST');
      return /ReadEndpointAddress/.test(JSON.stringify(plain?.Value)) ? 'reader endpoint' : `other: ${JSON.stringify(plain)}`;
    }));
    expect([...sources].sort()).toEqual(['reader endpoint', 'secret host']);
    const row = /^\| `DB_HOST` \|.*$/m.exec(read('app/README.md'))![0];
    expect(row).toMatch(/cluster endpoint of the local cluster \(the writer\), from the secret's `host`/);
    expect(row).toMatch(/secondary region of a global database the local cluster's reader endpoint/);
  });

  test('credential rotation: a generated secret rotated by the hosted rotation, no RDS-managed master password', () => {
    const platforms = stages.map((s) => s.stacks.Platform.template);
    const resources = platforms.flatMap((t) => Object.values<any>(t.Resources));
    expect(resources.filter((r) => r.Type === 'AWS::RDS::DBCluster').every((r) => r.Properties.ManageMasterUserPassword === undefined)).toBe(true);
    expect(resources.filter((r) => r.Type === 'AWS::SecretsManager::RotationSchedule').map((r) => r.Properties.HostedRotationLambda?.RotationType))
      .toEqual(expect.arrayContaining(['PostgreSQLSingleUser']));
    const section = /### Credential rotation\n([\s\S]*?)\n### /.exec(read('app/README.md'))![1].replace(/\s*\n\s*/g, ' ');
    expect(section).toMatch(/hosted rotation function for PostgreSQL, single-user strategy/);
    expect(section).not.toMatch(/uses RDS-managed master credentials/);
  });
});

test('app/README: the requests the pause test sends at once', () => {
  const source = read('app/test/database-unavailable.test.ts');
  const batch = /test\('paused[\s\S]*?Promise\.all\(\[([\s\S]*?)\]\);/.exec(source)![1];
  const singles = batch.split('\n').filter((l) => /^\s*timed\(/.test(l)).length;
  const repeated = [...batch.matchAll(/Array\.from\(\{ length: (\d+) \}/g)].reduce((n, m) => n + Number(m[1]), 0);
  expect(singles).toBeGreaterThan(0);
  expect(quoted('app/README.md', /(\d+) concurrent requests while paused/)).toEqual([singles + repeated]);
});
