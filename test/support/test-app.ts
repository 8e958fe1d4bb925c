import { App, AppProps } from 'aws-cdk-lib';
import * as path from 'path';
import * as fs from 'fs';
import { DeliveryConfig } from '../../src/config/schema';
import { loadConfig } from '../../src/config/load-config';

/** The committed lookups (AZs of the sample accounts), as the CDK CLI would pass them. */
export const COMMITTED_CONTEXT: Record<string, unknown> = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.context.json'), 'utf8'),
);

/** An App that sees cdk.context.json, like `cdk synth` does. */
export function testApp(props: AppProps = {}): App {
  return new App({ ...props, context: { ...COMMITTED_CONTEXT, ...(props.context ?? {}) } });
}

/** The validated sample config (placeholder accounts). */
export function sampleConfig(): DeliveryConfig {
  return loadConfig();
}
