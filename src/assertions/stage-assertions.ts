import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { ServiceStage } from '../workload/service-stage';
import { addServiceAssertions, ServiceAssertionOptions } from './service-assertions';

/**
 * Adds the post-deploy assertions to a ServiceStage: an IntegTest whose DeployAssert stack
 * lives in the stage and deploys after the stage's stacks, so every wave ends with them.
 * Its assertion template carries a fresh salt each synth, so the checks re-run on every
 * pipeline run. Call before the stage is added to a wave.
 */
export function addStageAssertions(stage: ServiceStage, commit: string, options: ServiceAssertionOptions = {}): IntegTest {
  const integ = new IntegTest(stage, 'Assertions', {
    testCases: [stage.network, stage.data, stage.edge, stage.service],
    // The assertions check the real stage; they never tear it down.
    cdkCommandOptions: { destroy: { enabled: false } },
  });
  addServiceAssertions(integ.assertions, {
    serviceUrl: stage.edge.serviceUrl,
    clusterName: stage.service.cluster.clusterName,
    serviceName: stage.service.service.serviceName,
    databaseClusterIdentifier: stage.data.cluster.clusterIdentifier,
    alarmNames: stage.alarms.map((a) => a.alarmName),
    commit,
    idempotencyKey: `assert-${stage.stageName}-${commit}`.slice(0, 128),
  }, options);
  return integ;
}
