import { Aspects, CfnResource, IAspect, Tags, TagManager } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { DeliveryConfig } from '../../config/schema';

/** The value of the ManagedBy tag on every resource this project deploys. */
export const MANAGED_BY = 'cdk-delivery-pipeline';

/** The Environment tag of the pipeline account's stacks (pipeline and cross-region support). */
export const PIPELINE_ENVIRONMENT_TAG = 'pipeline';

/** Props of applyGovernanceTags. */
export interface GovernanceTagsProps {
  /** The Environment tag: the environment name, or `pipeline` for the pipeline account. */
  readonly environment: string;
  /** The Region tag: the region the stacks deploy to. */
  readonly region: string;
  /** The config's tags (Team, CostCenter, Application). */
  readonly tags: DeliveryConfig['tags'];
}

/** The governance tags, by key: the config's tags, Environment, Region and ManagedBy. */
export function governanceTags(props: GovernanceTagsProps): Record<string, string> {
  return { ...props.tags, Environment: props.environment, Region: props.region, ManagedBy: MANAGED_BY };
}

/**
 * Resource types that constructs of aws-cdk-lib and integ-tests-alpha create as plain
 * `CfnResource`s (CDK's custom-resource providers, the assertion handlers and their Step
 * Functions waiters). The Tags aspect only reaches L1 classes with a TagManager, so these get
 * their `Tags` (a list of Key/Value, as their schemas say) from RawResourceTags. The tag test
 * (test/synth/compliance/governance-tags.test.ts) decides from each type's own schema what must be
 * tagged, so a raw type missing here fails it.
 */
export const RAW_TAGGABLE_TYPES: ReadonlySet<string> = new Set([
  'AWS::IAM::Role',
  'AWS::Lambda::Function',
  'AWS::StepFunctions::StateMachine',
]);

/**
 * Tags plain CfnResources of RAW_TAGGABLE_TYPES, which the Tags aspect cannot reach. It sets
 * their `Tags` property (none of them carries tags of its own).
 */
class RawResourceTags implements IAspect {
  constructor(private readonly tags: Record<string, string>) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof CfnResource) || TagManager.isTaggable(node) || !RAW_TAGGABLE_TYPES.has(node.cfnResourceType)) return;
    node.addPropertyOverride('Tags', Object.entries(this.tags)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([Key, Value]) => ({ Key, Value })));
  }
}

/**
 * The organisation's governance tags on every taggable resource in `scope`: the Tags aspect for
 * L1 resources with tag support, RawResourceTags for the plain CfnResources. Applied to each
 * ServiceStage (all its stacks, the assertion stack too), the pipeline stack and the
 * cross-region support stacks. Aspects do not cross Stage boundaries, so a stage keeps its own
 * Environment and Region.
 */
export function applyGovernanceTags(scope: IConstruct, props: GovernanceTagsProps): void {
  const tags = governanceTags(props);
  for (const [key, value] of Object.entries(tags)) Tags.of(scope).add(key, value);
  Aspects.of(scope).add(new RawResourceTags(tags));
}
