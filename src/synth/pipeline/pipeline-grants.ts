import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { partitionOf } from '../../shared/aws-names';

/**
 * Two grants CDK Pipelines makes broader than the pipeline needs, narrowed after the pipeline is
 * built (issue 33). CDK has no way to remove a statement, so each is rewritten in the rendered
 * policy (`PolicyDocument.Statement.<i>` of the role's default policy), found by its content;
 * test/synth/pipeline/least-privilege.test.ts checks the result on the synthesized template.
 */

/** A statement of a role's default policy as rendered, with its index. */
interface RenderedStatement {
  readonly index: number;
  readonly statement: { Effect?: string; Action?: string | string[]; Resource?: unknown; Condition?: unknown };
}

/** The rendered statements of a role's default policy (none when it has no default policy). */
function renderedStatements(role: iam.IRole): { policy?: iam.CfnPolicy; statements: RenderedStatement[] } {
  const policy = role.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
  if (!policy) return { statements: [] };
  const doc = Stack.of(policy).resolve(policy.document) as { Statement?: RenderedStatement['statement'][] };
  return {
    policy: policy.node.defaultChild as iam.CfnPolicy,
    statements: (doc.Statement ?? []).map((statement, index) => ({ index, statement })),
  };
}

const actionsOf = (s: RenderedStatement['statement']) => [s.Action ?? []].flat();

/**
 * The asset-publishing roles' `codebuild:StartBuild`, `StopBuild` and `BatchGetBuilds` on `*`
 * become a Deny. CDK Pipelines' AssetSingletonRole adds that Allow in its constructor
 * (pipelines/lib/private/asset-singleton-role.js) so it can drop the per-project grants as
 * duplicates; but the role never starts a build: CodePipeline starts the asset action with the
 * pipeline's shared CodeBuild action role (its grant names the project). With the Allow, the
 * asset role, which may assume every stage account's file-publishing role, could start any
 * project of the account with a buildspec override (issue 33, point 1). Returns how many
 * statements were rewritten (0 when the pipeline has no asset action).
 */
export function denyAssetRoleBuilds(pipeline: pipelines.CodePipeline): number {
  const assets = pipeline.node.tryFindChild('Assets');
  let rewritten = 0;
  for (const id of ['FileRole', 'DockerRole']) {
    const role = assets?.node.tryFindChild(id) as iam.IRole | undefined;
    if (!role) continue;
    const { policy, statements } = renderedStatements(role);
    for (const { index, statement } of statements) {
      if (statement.Effect === 'Allow' && statement.Resource === '*' && actionsOf(statement).includes('codebuild:StartBuild')) {
        policy!.addPropertyOverride(`PolicyDocument.Statement.${index}.Effect`, 'Deny');
        rewritten++;
      }
    }
  }
  return rewritten;
}

/**
 * The pipeline role's KMS use on `*` scoped to the artifact keys. CDK grants the pipeline role
 * the cross-region replication buckets' keys through their aliases (the keys live in the
 * support stacks of other regions, where a cross-stack reference cannot reach), and an alias
 * cannot be an IAM resource for a key's use, so CDK writes `*`. The rewrite keeps the actions
 * and limits them to keys of the pipeline account in the support regions that carry the
 * replication bucket's alias: "The kms:ResourceAliases condition key allows or denies access to
 * a KMS key based on the aliases associated with the KMS key" (AWS KMS Developer Guide, "Use
 * aliases to control access to KMS keys", docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html).
 * The home region's artifact key is already granted by its ARN. Returns the statements rewritten.
 */
export function scopePipelineRoleKeys(pipeline: pipelines.CodePipeline): number {
  const codePipeline = pipeline.pipeline;
  const stack = Stack.of(codePipeline);
  const supports = Object.entries(codePipeline.crossRegionSupport);
  const aliases = supports
    .map(([, support]) => (support.replicationBucket.encryptionKey as kms.IAlias | undefined)?.aliasName)
    .filter((a): a is string => !!a);
  if (aliases.length !== supports.length) throw new Error('a cross-region replication bucket has no key alias: cannot scope the pipeline role\'s KMS grant');
  const { policy, statements } = renderedStatements(codePipeline.role);
  let rewritten = 0;
  for (const { index, statement } of statements) {
    if (statement.Effect !== 'Allow' || statement.Resource !== '*' || !actionsOf(statement).every((a) => a.startsWith('kms:'))) continue;
    policy!.addPropertyOverride(`PolicyDocument.Statement.${index}.Resource`,
      supports.map(([region]) => `arn:${partitionOf(region)}:kms:${region}:${stack.account}:key/*`));
    policy!.addPropertyOverride(`PolicyDocument.Statement.${index}.Condition`, { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': aliases } });
    rewritten++;
  }
  return rewritten;
}
