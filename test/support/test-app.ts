import * as path from 'path';
import { App, AppProps } from 'aws-cdk-lib';
import { REPO_ROOT } from './repo-root';
import { loadConfig, parseConfig } from '../../src/config/load-config';
import { DeliveryConfig } from '../../src/config/schema';
import { committedContext } from '../../src/synth/committed-context';

/** The committed lookups (AZs of the sample accounts), as the CDK CLI would pass them. */
export const COMMITTED_CONTEXT: Record<string, unknown> = committedContext(REPO_ROOT);

/**
 * Context of every test app: no creation stack traces (the JavaScript stack of every CloudFormation
 * element, written to *.metadata.json for the CDK CLI's deploy errors; no test reads them, and
 * under jest each one goes through its source maps: ~8% of a test's synth). `npx projen synth`
 * leaves them out too (src/main.ts).
 */
export const TEST_APP_CONTEXT: Record<string, unknown> = { 'aws:cdk:disable-creation-stack-traces': true };

/** An App that sees cdk.context.json, like `cdk synth` does (without tree.json, which no test reads, as `npx projen synth`). */
export function testApp(props: AppProps = {}): App {
  return new App({ treeMetadata: false, ...props, context: { ...COMMITTED_CONTEXT, ...TEST_APP_CONTEXT, ...(props.context ?? {}) } });
}

/** The validated sample config (placeholder accounts). */
export function sampleConfig(): DeliveryConfig {
  return loadConfig();
}

/** The sample config with other environments, validated like a config file. */
export function sampleConfigWith(environments: unknown[]): DeliveryConfig {
  return parseConfig({ ...JSON.parse(JSON.stringify(sampleConfig())), environments });
}

/** The sample prod's domain (placeholder public hosted zone): production serves HTTPS only. */
export const PROD_DOMAIN = { zoneName: 'prod.example.com', hostedZoneId: 'Z00000000000000EXAMPLE', recordName: 'api' };

/** A small pipeline's environments: dev and prod, one region each (quick to synthesize). */
export const DEV_AND_PROD = [
  { name: 'dev', account: '222222222222', regions: ['us-east-1'] },
  { name: 'prod', account: '444444444444', regions: ['us-east-2'], production: true, requireApproval: true, domain: PROD_DOMAIN },
];
