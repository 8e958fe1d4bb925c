import * as path from 'path';
import { App, AppProps } from 'aws-cdk-lib';
import { REPO_ROOT } from './repo-root';
import { loadConfig, parseConfig } from '../../src/config/load-config';
import { DeliveryConfig } from '../../src/config/schema';
import { committedContext } from '../../src/synth/committed-context';

/** The committed lookups (AZs of the sample accounts), as the CDK CLI would pass them. */
export const COMMITTED_CONTEXT: Record<string, unknown> = committedContext(REPO_ROOT);

/** An App that sees cdk.context.json, like `cdk synth` does. */
export function testApp(props: AppProps = {}): App {
  return new App({ ...props, context: { ...COMMITTED_CONTEXT, ...(props.context ?? {}) } });
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
