import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EnvironmentConfig } from '../../src/config/schema';
import { ServiceStage } from '../../src/workload/service-stage';
import { sampleConfig, testApp } from '../support/test-app';

/** The gated image every test stage runs (pipeline account 111111111111). */
export const TEST_IMAGE = {
  repositoryArn: 'arn:aws:ecr:us-east-1:111111111111:repository/transactions',
  repositoryName: 'transactions',
  tag: 'gated-0123456789abcdef0123456789abcdef01234567',
};

/** A sample environment by name, optionally changed. */
export function sampleEnvironment(name: string, changes: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  const env = sampleConfig().environments.find((e) => e.name === name);
  if (!env) throw new Error(`no environment ${name} in the sample config`);
  return { ...env, ...changes };
}

/** A domain for tests of the HTTPS mode. */
export const TEST_DOMAIN = { zoneName: 'prod.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'api' };

/** Builds one ServiceStage in a fresh (or given) app. */
export function buildStage(environment: EnvironmentConfig, region: string, app: App = testApp()): ServiceStage {
  const config = sampleConfig();
  return new ServiceStage(app, ServiceStage.idFor(environment, region), {
    environment,
    region,
    tags: config.tags,
    image: TEST_IMAGE,
    commit: '0123456789abcdef0123456789abcdef01234567',
    alarmEmails: config.notifications.emails,
  });
}

/** The stacks of a stage. */
export function stacksOf(stage: ServiceStage): Stack[] {
  return [stage.network, stage.data, stage.edge, stage.service];
}

/** Templates of a stage by stack id. */
export function templatesOf(stage: ServiceStage): Record<'network' | 'data' | 'edge' | 'service', Template> {
  return {
    network: Template.fromStack(stage.network),
    data: Template.fromStack(stage.data),
    edge: Template.fromStack(stage.edge),
    service: Template.fromStack(stage.service),
  };
}
