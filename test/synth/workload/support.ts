import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { loadFeatureFlags } from '../../../src/config/feature-flags';
import { EnvironmentConfig } from '../../../src/config/schema';
import { ServiceStage } from '../../../src/synth/workload/service-stage';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleConfig, testApp } from '../../support/test-app';

/** The repository's feature flags (config/feature-flags.json), as every stage deploys them. */
export const FEATURE_FLAGS = loadFeatureFlags(REPO_ROOT);

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
    audit: config.audit,
    featureFlags: FEATURE_FLAGS,
  });
}

/**
 * The part of its stack's template that one construct (a tier of the PlatformStack) defines:
 * its resources, outputs and conditions, so `only()` and `resourceCountIs` see that tier alone.
 */
export function tierTemplate(tier: Construct): Template {
  const stack = Stack.of(tier);
  const ids = new Set(tier.node.findAll().filter(CfnElement.isCfnElement).map((e) => stack.getLogicalId(e)));
  const json = Template.fromStack(stack).toJSON();
  const mine = (section?: Record<string, unknown>) =>
    section === undefined ? undefined : Object.fromEntries(Object.entries(section).filter(([id]) => ids.has(id)));
  return Template.fromJSON(
    { ...json, Resources: mine(json.Resources), Outputs: mine(json.Outputs), Conditions: mine(json.Conditions) },
    { skipCyclicalDependenciesCheck: true },
  );
}

/** A resource in a synthesized template. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly DependsOn?: string | string[];
}

/** Resources of a template by logical id, optionally only of one type. */
export function resources(template: Template, type?: string): Record<string, CfnResource> {
  const all = (template.toJSON().Resources ?? {}) as Record<string, CfnResource>;
  return Object.fromEntries(Object.entries(all).filter(([, r]) => type === undefined || r.Type === type));
}

/** The one resource of a type (fails when there is not exactly one). */
export function only(template: Template, type: string): CfnResource {
  const found = Object.values(resources(template, type));
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0];
}

/** Every `Fn::ImportValue` export name used anywhere inside a value. */
export function importsIn(value: unknown): string[] {
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {v.forEach(walk);} else if (v && typeof v === 'object') {
      for (const [k, inner] of Object.entries(v)) {
        if (k === 'Fn::ImportValue' && typeof inner === 'string') found.push(inner);
        else walk(inner);
      }
    }
  };
  walk(value);
  return found;
}

/** IAM policy statements of every AWS::IAM::Policy (and inline role policy) in a template. */
export function identityStatements(template: Template): Array<Record<string, any>> {
  const statements: Array<Record<string, any>> = [];
  for (const r of Object.values(resources(template))) {
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      statements.push(...r.Properties!.PolicyDocument.Statement);
    }
    if (r.Type === 'AWS::IAM::Role') {
      for (const p of r.Properties?.Policies ?? []) statements.push(...p.PolicyDocument.Statement);
    }
  }
  return statements;
}
