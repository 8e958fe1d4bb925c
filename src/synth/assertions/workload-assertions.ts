import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AssertionStack } from './assertion-stack';
import { addServiceAssertions, ServiceAssertionOptions } from './service-assertions';
import { primaryRegionOf, regionRoleOf } from '../../config/resilience';
import { EnvironmentConfig } from '../../config/schema';
import { stageIdOf } from '../../config/waves';
import { applyGovernanceTags } from '../constructs/governance-tags';
import { ServiceStacks } from '../workload/service-stage';

/** Props of addWorkloadAssertions. */
export interface WorkloadAssertionProps extends ServiceAssertionOptions {
  /** The stacks under test. */
  readonly stacks: ServiceStacks;
  /** The commit `/version` must report. */
  readonly commit: string;
  /** Names the round-trip transaction (with the commit): one per stage. */
  readonly label: string;
  /**
   * The environment and region under test. In a secondary region of a `global` environment the
   * checks read back the primary stage's transaction of the same commit and write nothing.
   * @default - the stage writes and reads its own round trip (as an `independent` region)
   */
  readonly stage?: { readonly environment: EnvironmentConfig; readonly region: string };
}

/**
 * Idempotency key of the round-trip transaction that the checks of stage `label` write for
 * `commit`: `assert-<label>-<commit>` (at most 128 characters).
 */
export function assertionIdempotencyKey(label: string, commit: string): string {
  return `assert-${label}-${commit}`.slice(0, 128);
}

/**
 * The key a stage's checks read back instead of writing: in a secondary region of a `global`
 * environment, the primary stage's key for the same commit; otherwise none.
 */
export function readBackKeyOf(stage: WorkloadAssertionProps['stage'], commit: string): string | undefined {
  if (!stage || regionRoleOf(stage.environment, stage.region) !== 'secondary') return undefined;
  return assertionIdempotencyKey(stageIdOf(stage.environment, primaryRegionOf(stage.environment)), commit);
}

/**
 * The post-deploy assertions over one environment in one region, as an IntegTest whose
 * DeployAssert stack deploys after the stacks it tests.
 *
 * - In the pipeline `scope` is the ServiceStage (call before the stage is added to a wave):
 *   every wave then ends with these checks. They run once per commit and stage: the checks of
 *   a new commit are new resources (AssertionStack), so a rollback only deletes them and never
 *   runs a check again; a re-run of the same commit changes nothing and runs none.
 * - In integ/ `scope` is the App, and integ-runner deploys and runs the very same checks.
 */
export function addWorkloadAssertions(scope: Construct, props: WorkloadAssertionProps): IntegTest {
  const { stacks, commit } = props;
  // The checks deploy into the environment they test: inside a Stage the stack inherits the
  // stage's account and region; directly in an App it is given them.
  const inApp = App.isApp(scope);
  const assertionStack = new AssertionStack(scope, inApp ? `${props.label}-Assertions` : 'Assertions', {
    commit,
    env: inApp ? { account: stacks.platform.account, region: stacks.platform.region } : undefined,
    description: `Post-deploy assertions of ${props.label} (commit ${commit})`,
  });
  // Inside a Stage the stage tags it; directly in an App it is tagged like the stacks it tests.
  if (inApp) applyGovernanceTags(assertionStack, stacks.governanceTags);
  const integ = new IntegTest(scope, 'Integ', {
    testCases: stacks.stacks,
    assertionStack,
    // integ-runner reads these options: `integ:deploy` (an App) tears its sandbox down after
    // the checks. Inside the pipeline nothing reads them, and nothing must tear a stage down.
    cdkCommandOptions: { destroy: { enabled: inApp } },
  });
  addServiceAssertions(integ.assertions, {
    // This region's load balancer (not the routed service name, which may answer elsewhere).
    serviceUrl: stacks.edge.url,
    clusterName: stacks.service.cluster.clusterName,
    serviceName: stacks.service.service.serviceName,
    databaseClusterIdentifier: stacks.data.cluster.clusterIdentifier,
    alarmNames: stacks.alarms.map((a) => a.alarmName),
    commit,
    idempotencyKey: assertionIdempotencyKey(props.label, commit),
    tokenFunctionName: stacks.service.checksToken.functionName,
    readBackIdempotencyKey: readBackKeyOf(props.stage, commit),
  }, props);
  assertionStack.pinSalts();
  return integ;
}
