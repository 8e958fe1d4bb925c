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

/**
 * Synthesize a variant as src/main.ts would into a new temporary directory (the caller removes
 * it): the same templates, without running cdk-nag's packs, whose findings no variant reads
 * (they add nothing to the templates; the sample's synth checks them).
 */
export function synthesizeVariant(variant: PolicyVariant, rootDir: string, commit = '0000000000000000000000000000000000000000',
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-variant-'))): string {
  // No creation stack traces nor tree.json (metadata only, as `npx projen synth` writes it: src/main.ts).
  const app = new App({ outdir, treeMetadata: false, context: { ...committedContext(rootDir), 'aws:cdk:disable-creation-stack-traces': true } });
  addDeliveryPipeline(app, { config: variant.config, commit, featureFlags: loadFeatureFlags(rootDir), runCompliancePacks: false });
  app.synth();
  return outdir;
}

/** A variant's cloud assembly and what to do once it has been read. */
export interface VariantAssembly {
  readonly directory: string;
  /** Removes a directory synthesized for this caller alone; keeps a shared one. */
  readonly release: () => void;
}

/**
 * The variant's assembly for a commit. With $VARIANT_ASSEMBLIES set (the test command sets it
 * and empties that directory first, as it passes the sample in $SAMPLE_ASSEMBLY), each
 * (variant, commit) is synthesized once into `<dir>/<variant>-<commit>/` and shared by the
 * checks that read it (`policy:check` and `rollback:check` both read the domain variant);
 * otherwise it is synthesized for this caller into a temporary directory.
 */
export function variantAssembly(variant: PolicyVariant, rootDir: string, commit = '0000000000000000000000000000000000000000'): VariantAssembly {
  const shared = process.env.VARIANT_ASSEMBLIES;
  if (!shared) {
    const directory = synthesizeVariant(variant, rootDir, commit);
    return { directory, release: () => fs.rmSync(directory, { recursive: true, force: true }) };
  }
  const directory = path.resolve(rootDir, shared, `${variant.name.replace(/\W+/g, '-')}-${commit}`);
  if (!fs.existsSync(path.join(directory, 'manifest.json'))) {
    // Synthesized beside its final name, then renamed: a reader never sees half an assembly.
    const staged = `${directory}.${process.pid}`;
    synthesizeVariant(variant, rootDir, commit, staged);
    try {
      fs.renameSync(staged, directory);
    } catch {
      fs.rmSync(staged, { recursive: true, force: true });
    }
  }
  return { directory, release: () => undefined };
}
