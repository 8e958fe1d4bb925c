import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { loadFeatureFlags } from '../../config/feature-flags';
import { loadConfig, parseConfig } from '../../config/load-config';
import { DeliveryConfig } from '../../config/schema';
import { committedContext } from '../../synth/committed-context';
import { addDeliveryPipeline } from '../../synth/delivery-app';

/**
 * The configs whose templates the execution policies must cover: the sample, and the shapes a
 * fork turns on that the sample does not (every environment with a domain: certificates, DNS
 * records, health checks). The policies are generated from, and
 * checked against, the union of their templates.
 */
export interface PolicyVariant {
  /** A short name for messages. */
  readonly name: string;
  readonly config: DeliveryConfig;
}

/** The sample config with every environment given a domain. */
function withDomains(config: DeliveryConfig): DeliveryConfig {
  const raw = JSON.parse(JSON.stringify(config));
  raw.environments = raw.environments.map((env: any) => ({
    ...env,
    domain: env.domain ?? { zoneName: `${env.name}.example.com`, hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'api' },
  }));
  return parseConfig(raw);
}

/** The variants beside the sample itself (the sample's assembly is usually at hand already). */
export function extraPolicyVariants(): PolicyVariant[] {
  return [{ name: 'every environment with a domain', config: withDomains(loadConfig()) }];
}

/** Synthesize a variant as src/main.ts would (compliance packs included) into a temporary directory. */
export function synthesizeVariant(variant: PolicyVariant, rootDir: string, commit = '0000000000000000000000000000000000000000'): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-variant-'));
  const app = new App({ outdir, context: committedContext(rootDir) });
  addDeliveryPipeline(app, { config: variant.config, commit, featureFlags: loadFeatureFlags(rootDir) });
  app.synth();
  return outdir;
}
