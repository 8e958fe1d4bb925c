import * as path from 'path';
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { CloudAssembly, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { governanceTags, PIPELINE_ENVIRONMENT_TAG } from '../../../src/synth/constructs/governance-tags';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly, SampleAssembly } from '../../support/sample-assembly';
import { sampleConfig } from '../../support/test-app';

/**
 * Every taggable resource in every template of the sample app (pipeline stack, cross-region
 * support stack, every stage's Platform, Service and Assertions stacks) and of the committed
 * integ snapshot (what `integ:deploy` deploys) carries the
 * organisation's governance tags with the right values. "Taggable" comes from each resource
 * type's own schema (the CloudFormation resource specification in @aws-cdk/aws-service-spec:
 * its tag property and format), not from a list kept here.
 */

/** Where a type keeps its tags, from the spec; undefined when the type takes none. */
interface TagInformation {
  readonly tagPropertyName: string;
  readonly variant: 'standard' | 'asg' | 'map';
}

const spec = loadAwsServiceSpecSync();
const tagInfoCache = new Map<string, TagInformation | undefined | 'unknown'>();
function tagInformation(type: string): TagInformation | undefined | 'unknown' {
  if (!tagInfoCache.has(type)) {
    const found = spec.lookup('resource', 'cloudFormationType', 'equals', type);
    tagInfoCache.set(type, found.length === 0 ? 'unknown' : found[0].tagInformation as TagInformation | undefined);
  }
  return tagInfoCache.get(type);
}

/** The tags of a resource as key -> value, read the way its type's schema stores them. */
function tagsOf(properties: Record<string, any> | undefined, info: TagInformation): Record<string, unknown> {
  const raw = properties?.[info.tagPropertyName];
  if (raw === undefined) return {};
  if (info.variant === 'map') return raw;
  return Object.fromEntries((raw as Array<{ Key: string; Value: unknown }>).map((t) => [t.Key, t.Value]));
}

/** One template to check and the Environment and Region its tags must name. */
interface Checked {
  readonly artifact: CloudFormationStackArtifact;
  readonly environment: string;
  readonly region: string;
}

/** Every stack of the sample app with its expected Environment and Region tags. */
function everyStack(sample: SampleAssembly): Checked[] {
  const config = sampleConfig();
  const out: Checked[] = [
    { artifact: sample.pipeline, environment: PIPELINE_ENVIRONMENT_TAG, region: config.pipeline.region },
    ...sample.supportStacks.map((artifact) => ({ artifact, environment: PIPELINE_ENVIRONMENT_TAG, region: artifact.environment.region })),
    ...sample.imageRegionStacks.map((artifact) => ({ artifact, environment: PIPELINE_ENVIRONMENT_TAG, region: artifact.environment.region })),
  ];
  for (const stage of sample.stages) {
    const environment = stage.name.split('-')[0];
    for (const artifact of Object.values(stage.stacks)) out.push({ artifact, environment, region: artifact.environment.region });
  }
  return out;
}

/** Every `<stack>/<logical id>` of a taggable type that misses a governance tag or has a wrong value. */
function untagged(stacks: readonly Checked[]): { problems: string[]; checkedPerStack: Record<string, number> } {
  const config = sampleConfig();
  const problems: string[] = [];
  const checkedPerStack: Record<string, number> = {};
  for (const { artifact, environment, region } of stacks) {
    const expected = governanceTags({ environment, region, tags: config.tags });
    checkedPerStack[artifact.stackName] = 0;
    for (const [id, resource] of Object.entries<any>(artifact.template.Resources ?? {})) {
      if (/^(Custom::|AWS::CloudFormation::CustomResource$)/.test(resource.Type)) continue; // custom resources take no tags
      const info = tagInformation(resource.Type);
      if (info === 'unknown') {
        problems.push(`${artifact.stackName}/${id}: ${resource.Type} is not in the resource specification (update @aws-cdk/aws-service-spec)`);
        continue;
      }
      if (info === undefined) continue;
      checkedPerStack[artifact.stackName]++;
      const tags = tagsOf(resource.Properties, info);
      for (const [key, value] of Object.entries(expected)) {
        if (tags[key] !== value) problems.push(`${artifact.stackName}/${id} (${resource.Type}): ${key} is ${JSON.stringify(tags[key])}, expected ${JSON.stringify(value)}`);
      }
    }
  }
  return { problems, checkedPerStack };
}

describe('governance tags on the sample app as `npx projen synth` wrote it', () => {
  let sample: SampleAssembly;
  let stacks: Checked[];
  beforeAll(() => {
    sample = sampleAssembly();
    stacks = everyStack(sample);
  });

  test('the walk covers every template of the assembly: pipeline, support, image region, 5 stages x 3 stacks and the 2 prod audit replicas', () => {
    const all = (assembly: CloudAssembly): string[] => [
      ...assembly.stacks.map((s) => s.stackName),
      ...assembly.nestedAssemblies.flatMap((n) => all(n.nestedAssembly)),
    ];
    expect(stacks.map((s) => s.artifact.stackName).sort()).toEqual(all(new CloudAssembly(sample.directory)).sort());
    expect(stacks).toHaveLength(3 + 5 * 3 + 2);
  });

  test('every resource whose type takes tags carries the config tags, Environment, Region and ManagedBy', () => {
    const { problems, checkedPerStack } = untagged(stacks);
    expect(problems).toEqual([]);
    // Not vacuous: every template has taggable resources, and they were all checked.
    for (const [stack, n] of Object.entries(checkedPerStack)) expect({ stack, checked: n > 0 }).toEqual({ stack, checked: true });
    expect(Object.values(checkedPerStack).reduce((a, b) => a + b, 0)).toBeGreaterThan(300);
  });

  test('the schema, not a list, decides: tag formats other than a Key/Value list are read too', () => {
    // The CodeStar notification rule keeps its tags as a map, the Route 53 health check under
    // HealthCheckTags: both appear in the sample and both are checked above.
    expect(tagInformation('AWS::CodeStarNotifications::NotificationRule')).toEqual({ tagPropertyName: 'Tags', variant: 'map' });
    expect(tagInformation('AWS::Route53::HealthCheck')).toEqual({ tagPropertyName: 'HealthCheckTags', variant: 'standard' });
    expect(tagInformation('AWS::IAM::Policy')).toBeUndefined();
    const types = new Set(stacks.flatMap((s) => Object.values<any>(s.artifact.template.Resources ?? {}).map((r) => r.Type)));
    expect(types).toContain('AWS::CodeStarNotifications::NotificationRule');
    expect(types).toContain('AWS::Route53::HealthCheck');
  });
});

test('the integ snapshot (stacks and assertion stack deployed by integ:deploy) carries the same tags', () => {
  const snapshot = new CloudAssembly(path.join(REPO_ROOT, 'integ', 'integ.service-stage.ts.snapshot'));
  const stacks = snapshot.stacks.map((artifact) => ({ artifact, environment: 'integ', region: artifact.environment.region }));
  expect(stacks.map((s) => s.artifact.stackName).sort()).toEqual(['integ-us-east-1-Assertions', 'integ-us-east-1-Platform', 'integ-us-east-1-Service']);
  const { problems, checkedPerStack } = untagged(stacks);
  expect(problems).toEqual([]);
  for (const [stack, n] of Object.entries(checkedPerStack)) expect({ stack, checked: n > 0 }).toEqual({ stack, checked: true });
});
