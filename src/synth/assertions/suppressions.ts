import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { guard, resourcesOfType, Suppressor } from '../compliance/suppressions';

/** The post-deploy assertion stack (integ-tests-alpha): handlers and waiter state machines. */
function assertionStack(stack: IConstruct): void {
  for (const fn of resourcesOfType(stack, 'AWS::Lambda::Function')) {
    guard(fn, ['lambda_inside_vpc_check'],
      'Assertion handlers call the public service URL and AWS APIs during deployment, exactly as a user outside the VPC would.');
  }
  for (const sm of resourcesOfType(stack, 'AWS::StepFunctions::StateMachine')) {
    guard(sm, ['step_functions_state_machine_logging_enabled_check', 'step_functions_state_machine_tracing_enabled_check'],
      'Assertion waiters run for minutes during a deployment, and their outcome is recorded as the assertion stack deployment result.');
  }
}

/** integ-tests-alpha's DeployAssert (its `scope` is the assertion stack); it marks itself with this symbol. */
function isDeployAssert(c: IConstruct): c is IConstruct & { scope: Stack } {
  return Symbol.for('@aws-cdk/integ-tests.DeployAssert') in c && Stack.isStack((c as unknown as { scope?: unknown }).scope);
}

/** The exceptions of the post-deploy assertion stacks (integ-tests-alpha's DeployAssert). */
export const assertionSuppressions: Suppressor = (c) => {
  if (isDeployAssert(c)) assertionStack(c.scope);
};
