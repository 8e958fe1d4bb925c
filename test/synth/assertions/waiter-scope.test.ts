import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Stack } from 'aws-cdk-lib';
import { AssertionStack } from '../../../src/synth/assertions/assertion-stack';
import { waiterNamePrefixOf } from '../../../src/synth/assertions/waiter-scope';
import { wildcardMatch } from '../../../src/terminal/execution-policy/iam-evaluator';
import { sampleAssembly, SampleAssembly } from '../../support/sample-assembly';

/**
 * integ-tests-alpha lets the assertion providers start their waiters with
 * `states:StartExecution` on `*`; in a production account that role could start any state
 * machine (issue 33). The assertion stacks scope it to their own waiters
 * (src/synth/assertions/waiter-scope.ts): checked on every stage of the sample as
 * `npx projen synth` wrote it, prod included.
 */

/** Every IAM statement of a template: inline policies of roles and AWS::IAM::Policy documents. */
function statementsOf(template: any): any[] {
  return Object.values<any>(template.Resources).flatMap((r) => {
    if (r.Type === 'AWS::IAM::Role') return (r.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement);
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') return r.Properties.PolicyDocument.Statement;
    return [];
  });
}
const list = (v: unknown): any[] => (Array.isArray(v) ? v : [v]);
/** A resource ARN of the sample's templates, with the partition filled in. */
const arnOf = (v: any): string => (typeof v === 'string' ? v : v['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : 'aws')).join(''));

describe('assertion providers start only their own stack\'s waiters, on the sample as `npx projen synth` wrote it', () => {
  let sample: SampleAssembly;
  beforeAll(() => { sample = sampleAssembly(); });

  test('no statement of any assertion stack allows a Step Functions action on "*"', () => {
    for (const stage of sample.stages) {
      const wide = statementsOf(stage.stacks.Assertions.template)
        .filter((s) => list(s.Action).some((a: string) => a.startsWith('states:')) && list(s.Resource).includes('*'));
      expect({ stage: stage.name, wide }).toEqual({ stage: stage.name, wide: [] });
    }
  });

  test('StartExecution is allowed on <stack name>-* of the stack\'s own account and region, and every waiter is named so', () => {
    const prod = sample.stages.filter((s) => s.name.startsWith('prod-'));
    expect(prod.map((s) => s.name)).toEqual(['prod-us-east-1', 'prod-us-east-2']);
    for (const stage of sample.stages) {
      const stack = stage.stacks.Assertions;
      const { account, region } = stack.environment;
      const pattern = `arn:aws:states:${region}:${account}:stateMachine:${stack.stackName}-*`;
      const starts = statementsOf(stack.template).filter((s) => list(s.Action).includes('states:StartExecution'));
      const names = Object.values<any>(stack.template.Resources)
        .filter((r) => r.Type === 'AWS::StepFunctions::StateMachine').map((r) => r.Properties.StateMachineName);
      // One statement per waiter (integ-tests-alpha adds one per waitForAssertions), each scoped.
      expect(names.length).toBeGreaterThanOrEqual(6);
      expect(starts).toHaveLength(names.length);
      for (const s of starts) expect(list(s.Resource).map(arnOf)).toEqual([pattern]);
      expect(new Set(names).size).toBe(names.length);
      for (const name of names) {
        expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
        // The provider may start it: its ARN matches the allowed pattern...
        expect(wildcardMatch(pattern, `arn:aws:states:${region}:${account}:stateMachine:${name}`)).toBe(true);
      }
      // ...and nothing of another stack (a longer stack name with the same start does not count as ours).
      expect(wildcardMatch(pattern, `arn:aws:states:${region}:${account}:stateMachine:MyStateMachine-1a2b3c`)).toBe(false);
    }
  });
});

describe('waiter names', () => {
  // That a new commit's waiters get new names is checked with the other commit-scoped ids (commit-scoped-ids.test.ts).

  test('a stack name too long for StepFunctions\' 80 characters fails the synth, naming the limit', () => {
    const app = new App();
    const stack = new AssertionStack(app, `${'A'.repeat(64)}-Assertions`, { commit: 'c'.repeat(40), env: { account: '111111111111', region: 'us-east-1' } });
    expect(() => waiterNamePrefixOf(stack)).toThrow(/is 75 characters; .* StepFunctions allows 80, so use a stack name of at most 63/);
    const fits = new AssertionStack(app, `${'A'.repeat(52)}-Assertions`, { commit: 'c'.repeat(40), env: { account: '111111111111', region: 'us-east-1' } });
    expect(waiterNamePrefixOf(fits)).toBe(`${'A'.repeat(52)}-Assertions-`);
  });

  test('a stack whose providers grant no StartExecution on "*" any more (integ-tests-alpha changed) fails the synth instead of staying wide', () => {
    const app = new App();
    const stack = new AssertionStack(app, 'Checks', { commit: 'c'.repeat(40), env: { account: '111111111111', region: 'us-east-1' } });
    const integ = new IntegTest(app, 'Integ', { testCases: [new Stack(app, 'Target')], assertionStack: stack });
    integ.assertions.httpApiCall('https://example.com/health').expect({ status: 200 } as any).waitForAssertions();
    expect(() => app.synth()).not.toThrow();
    // The same, with the provider's grant already gone: the aspect cannot tell what starts the waiter.
    const app2 = new App();
    const stack2 = new AssertionStack(app2, 'Checks', { commit: 'c'.repeat(40), env: { account: '111111111111', region: 'us-east-1' } });
    const integ2 = new IntegTest(app2, 'Integ', { testCases: [new Stack(app2, 'Target')], assertionStack: stack2 });
    integ2.assertions.httpApiCall('https://example.com/health').waitForAssertions();
    for (const c of stack2.node.children.filter((x) => x.node.id.startsWith('SingletonFunction'))) (c as any).policies?.splice(0);
    expect(() => app2.synth()).toThrow(/has waiter state machines but no provider statement allows states:StartExecution on "\*"/);
  });
});
