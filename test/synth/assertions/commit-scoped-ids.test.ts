import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { commitKeyOf } from '../../../src/synth/assertions/assertion-stack';
import { synthPipeline } from '../../support/pipeline-fixture';
import { DEV_AND_PROD, sampleConfigWith } from '../../support/test-app';

/**
 * No rollback of an assertion stack runs a check (invariant 10). A failed update is rolled
 * back by updating changed resources to their old properties, and an assertion custom resource
 * runs its check on update; so the checks of each commit must be NEW resources (a rollback then
 * only deletes them, a no-op for these custom resources), and the same commit must synthesize
 * the same assertion template (a re-run updates nothing).
 *
 * Compared: every resource of every stage's assertion stack, except integ-tests-alpha's shared
 * providers (`SingletonFunction*`: the Lambda code and its role), which run nothing on update
 * or rollback and would otherwise be rebuilt on every commit. They must stay the same, so the
 * exclusion cannot hide a check.
 */
const COMMIT_A = '1111111111111111111111111111111111111111';
const COMMIT_B = '2222222222222222222222222222222222222222';

/** The assertion stack template of every stage, by stage id, for a synth of a dev + prod pipeline at `commit`. */
function assertionTemplates(commit: string): Map<string, any> {
  const { stack } = synthPipeline(sampleConfigWith(DEV_AND_PROD), commit);
  return new Map(stack.stages.map((stage) => [stage.stageName, Template.fromStack(stage.node.findChild('Assertions') as Stack).toJSON()]));
}

const isProvider = (logicalId: string) => logicalId.startsWith('SingletonFunction');
const resourceIds = (template: any): string[] => Object.keys(template.Resources);
const checkIds = (template: any) => resourceIds(template).filter((id) => !isProvider(id));

describe('assertion logical ids depend on the commit being delivered', () => {
  let a: Map<string, any>;
  let b: Map<string, any>;
  let again: Map<string, any>;
  beforeAll(() => {
    a = assertionTemplates(COMMIT_A);
    b = assertionTemplates(COMMIT_B);
    again = assertionTemplates(COMMIT_A);
  }, 120_000);

  test('two synths with different commits share no logical id of any check resource, in any stage', () => {
    expect([...a.keys()]).toEqual(['dev-us-east-1', 'prod-us-east-2']);
    for (const [stage, templateA] of a) {
      const templateB = b.get(stage);
      const checksA = checkIds(templateA);
      // Every check resource: 9 custom resources (the token's invocation among them) and the
      // waiters (state machine, role, 2 permissions) of the 7 that wait, and the permission that
      // lets the assertion provider invoke the token function.
      expect(checksA).toHaveLength(9 + 7 * 4 + 1);
      const shared = checksA.filter((id) => id in templateB.Resources);
      expect({ stage, shared }).toEqual({ stage, shared: [] });
      // Each carries its commit's key.
      for (const id of checksA) expect(id.endsWith(commitKeyOf(COMMIT_A))).toBe(true);
      for (const id of checkIds(templateB)) expect(id.endsWith(commitKeyOf(COMMIT_B))).toBe(true);
    }
  });

  test('only the shared providers keep their ids, and they hold no check', () => {
    for (const [stage, templateA] of a) {
      const providers = resourceIds(templateA).filter(isProvider);
      expect(providers.map((id) => templateA.Resources[id].Type).sort()).toEqual([
        'AWS::IAM::Role', 'AWS::IAM::Role', 'AWS::IAM::Role', 'AWS::Lambda::Function', 'AWS::Lambda::Function', 'AWS::Lambda::Function',
      ]);
      expect(resourceIds(b.get(stage)).filter(isProvider)).toEqual(providers);
    }
  });

  test('the same commit synthesizes the same assertion template (salt included): a re-run updates nothing', () => {
    for (const [stage, templateA] of a) {
      expect(again.get(stage)).toEqual(templateA);
      const salts = Object.values<any>(templateA.Resources).filter((r) => /^Custom::DeployAssert@/.test(r.Type)).map((r) => r.Properties.salt);
      expect(salts).toEqual(Array(9).fill(COMMIT_A));
    }
  });

  test('a new commit\'s waiters get new names (both exist during the update that replaces them); the same commit the same names', () => {
    // Named waiters (src/synth/assertions/waiter-scope.ts): the names are part of what the commit scopes.
    const waiterNames = (templates: Map<string, any>) => [...templates.values()].flatMap((template) => Object.values<any>(template.Resources)
      .filter((r) => r.Type === 'AWS::StepFunctions::StateMachine').map((r) => r.Properties.StateMachineName));
    const names = waiterNames(a);
    expect(names).toHaveLength(14);
    expect(names.filter((n) => waiterNames(b).includes(n))).toEqual([]);
    expect(waiterNames(again)).toEqual(names);
  });
});
