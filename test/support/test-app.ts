import * as path from 'path';
import { App, AppProps } from 'aws-cdk-lib';
import { committedContext } from '../../src/assembly-problems';
import { loadConfig } from '../../src/config/load-config';
import { DeliveryConfig } from '../../src/config/schema';

/** The committed lookups (AZs of the sample accounts), as the CDK CLI would pass them. */
export const COMMITTED_CONTEXT: Record<string, unknown> = committedContext(path.join(__dirname, '..', '..'));

/** An App that sees cdk.context.json, like `cdk synth` does. */
export function testApp(props: AppProps = {}): App {
  return new App({ ...props, context: { ...COMMITTED_CONTEXT, ...(props.context ?? {}) } });
}

/** The validated sample config (placeholder accounts). */
export function sampleConfig(): DeliveryConfig {
  return loadConfig();
}
