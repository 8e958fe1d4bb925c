import { createHash } from 'crypto';
import { Aspects, CfnElement, CfnResource, Stack, StackProps } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { ScopedWaiterExecutions } from './waiter-scope';

/** Props of an AssertionStack. */
export interface AssertionStackProps extends StackProps {
  /** The commit whose checks this stack holds. */
  readonly commit: string;
}

/** Construct id prefix of integ-tests-alpha's shared assertion providers (one Lambda function and role each). */
const PROVIDER_PREFIX = 'SingletonFunction';

/** The part of every check's logical id that names the commit: `C` + 10 hex digits of its SHA-256. */
export function commitKeyOf(commit: string): string {
  if (commit.trim() === '') throw new Error('AssertionStack: the commit is empty; pass the commit being delivered');
  return `C${createHash('sha256').update(commit).digest('hex').slice(0, 10)}`;
}

/** Whether a construct is (inside) one of the shared assertion providers. */
export function isSharedProvider(construct: IConstruct): boolean {
  return construct.node.scopes.some((s) => s.node.id.startsWith(PROVIDER_PREFIX));
}

/**
 * The stack of one stage's post-deploy checks, built so that no rollback ever runs a check.
 *
 * CloudFormation rolls a failed update back by updating every changed resource to its old
 * properties, and an assertion custom resource runs its check on create AND update. With
 * logical ids that survive from one commit to the next, the rollback of a failed check runs
 * the previous commit's check again; if that fails too (an alarm still firing), the stack ends
 * in UPDATE_ROLLBACK_FAILED. So here:
 * - every resource of a check (custom resource, waiter state machine, its role and
 *   permissions) gets a logical id ending in the commit's key: a new commit only CREATES
 *   checks, its rollback only DELETES them, and a delete is a no-op for these resources;
 * - every check's `salt` is the commit instead of the synth time, so synthesizing the same
 *   commit again gives the same template: a re-run of a commit changes nothing and runs no
 *   check, so no same-commit update (and no rollback of one) can exist either.
 * The shared providers (`SingletonFunction*`: Lambda code and its role) keep their logical ids:
 * they run nothing on update or rollback, and renaming them would rebuild them on every commit.
 */
export class AssertionStack extends Stack {
  /** The commit this stack checks. */
  public readonly commit: string;
  /** The suffix of every check's logical id (commitKeyOf). */
  public readonly commitKey: string;

  constructor(scope: Construct, id: string, props: AssertionStackProps) {
    super(scope, id, props);
    this.commit = props.commit;
    this.commitKey = commitKeyOf(props.commit);
    // The providers may start this stack's waiters only, not every state machine of the account.
    Aspects.of(this).add(new ScopedWaiterExecutions());
  }

  /**
   * Pin every check's salt to the commit. Call after the checks are added (the custom
   * resources exist then); addWorkloadAssertions does.
   */
  public pinSalts(): void {
    for (const c of this.node.findAll()) {
      if (CfnResource.isCfnResource(c) && c.cfnResourceType.startsWith('Custom::DeployAssert@')) {
        c.addPropertyOverride('salt', this.commit);
      }
    }
  }

  protected allocateLogicalId(element: CfnElement): string {
    const id = super.allocateLogicalId(element);
    // Parameters and rules (the bootstrap version check) keep their names.
    if (!CfnResource.isCfnResource(element) || isSharedProvider(element)) return id;
    return `${id}${this.commitKey}`;
  }
}
