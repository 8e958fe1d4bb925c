import { createHash } from 'crypto';
import { ArnFormat, CfnResource, IAspect, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * integ-tests-alpha lets an assertion's provider start its waiter with `states:StartExecution`
 * on `*` (AwsApiCall/HttpApiCall.waitForAssertions: `addPolicyStatementFromSdkCall('states',
 * 'StartExecution')`, no resource): in a production account, the shared provider role of the
 * assertion stack could start ANY state machine of the account and region. This aspect, added
 * to the assertion stack (AssertionStack), scopes it to that stack's own waiters:
 *
 * - every state machine of the stack (only integ-tests' waiters live there) is named
 *   `<stack name>-<16 hex of its logical id>` (StateMachineName). The logical ids carry the
 *   commit's key (AssertionStack), so a new commit's waiters get new names and never collide
 *   with the ones they replace;
 * - each `states:StartExecution` statement on `*` of the shared providers' roles then allows
 *   `arn:<partition>:states:<region>:<account>:stateMachine:<stack name>-*` instead.
 *
 * A name pattern, not each waiter's exact ARN: the pattern is the same for every commit, so the
 * provider role's policy does not change on each deploy right before the new checks call
 * StartExecution (IAM changes are eventually consistent: https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
 * StepFunctions ARN format and name rules: https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html
 * (`name`: 1 to 80 characters, letters, digits, `-` and `_`); `states:StartExecution` takes the
 * `stateMachine` resource (Service Authorization Reference for AWS Step Functions).
 */
export class ScopedWaiterExecutions implements IAspect {
  public visit(node: IConstruct): void {
    if (!Stack.isStack(node)) return;
    const stack = node;
    const stateMachines = stack.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === STATE_MACHINE);
    if (stateMachines.length === 0) return;
    const prefix = waiterNamePrefixOf(stack);
    for (const sm of stateMachines) sm.addPropertyOverride('StateMachineName', `${prefix}${hashOf(stack.getLogicalId(sm))}`);
    const own = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: `${prefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const scoped = providerStatements(stack).filter(isStartExecutionAnywhere);
    if (scoped.length === 0) {
      throw new Error(`${stack.node.path}: it has waiter state machines but no provider statement allows states:StartExecution on "*" `
        + '(integ-tests-alpha changed?): check how the providers start their waiters before scoping them');
    }
    for (const statement of scoped) statement.Resource = [own];
  }
}

const STATE_MACHINE = 'AWS::StepFunctions::StateMachine';
/** StepFunctions' limit on a state machine name. */
const MAX_NAME = 80;
const HASH_LENGTH = 16;

/** `<stack name>-`: the prefix of every waiter name of `stack`, and of the ARN pattern its providers may start. */
export function waiterNamePrefixOf(stack: Stack): string {
  const name = stack.stackName;
  if (Token.isUnresolved(name)) throw new Error(`${stack.node.path}: the stack name is not known at synth time, so its waiters cannot be named after it`);
  const prefix = `${name}-`;
  if (prefix.length + HASH_LENGTH > MAX_NAME) {
    throw new Error(`${stack.node.path}: stack name "${name}" is ${name.length} characters; its waiter state machines are named `
      + `"<stack name>-<${HASH_LENGTH} hex>" and StepFunctions allows ${MAX_NAME}, so use a stack name of at most ${MAX_NAME - HASH_LENGTH - 1}`);
  }
  return prefix;
}

function hashOf(logicalId: string): string {
  return createHash('sha256').update(logicalId).digest('hex').slice(0, HASH_LENGTH);
}

/** One IAM statement as integ-tests-alpha keeps it (a plain JSON object). */
interface RawStatement { Action?: unknown; Resource?: unknown; Effect?: unknown }

/**
 * The statements of the shared assertion providers' roles (integ-tests-alpha's
 * LambdaFunctionProvider, a child `SingletonFunction<uuid>` of the stack whose `policies`
 * array is rendered lazily into its role's inline policy at synthesis).
 */
function providerStatements(stack: Stack): RawStatement[] {
  return stack.node.children
    .filter((c) => c.node.id.startsWith('SingletonFunction'))
    .flatMap((c) => {
      const policies = (c as unknown as { policies?: unknown }).policies;
      return Array.isArray(policies) ? policies.filter((p): p is RawStatement => !!p && typeof p === 'object') : [];
    });
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

function isStartExecutionAnywhere(s: RawStatement): boolean {
  const actions = asList(s.Action);
  const resources = asList(s.Resource);
  return s.Effect === 'Allow' && actions.length === 1 && actions[0] === 'states:StartExecution' && resources.length === 1 && resources[0] === '*';
}
