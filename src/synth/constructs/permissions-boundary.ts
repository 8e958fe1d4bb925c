import { AspectPriority, Aspects, CfnResource, Fn, IAspect } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { permissionsBoundaryName } from '../../shared/aws-names';

/**
 * The project's permissions boundary, as CloudFormation resolves it in the account and region a
 * stack is deployed to: `arn:<partition>:iam::<account>:policy/cdk-hnb659fds-delivery-boundary-<account>-<region>`
 * (the managed policy the project's bootstrap template creates there: bootstrap/bootstrap-template.yaml).
 */
export const PERMISSIONS_BOUNDARY_ARN = `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/${permissionsBoundaryName('${AWS::AccountId}', '${AWS::Region}')}`;

/**
 * Puts the permissions boundary on every IAM role (and user) in its scope: the roles of CDK
 * constructs (`iam.Role`), of CDK Pipelines (pipeline, action and CodeBuild project roles), and
 * the plain `AWS::IAM::Role` CfnResources of CDK's custom-resource providers, which no
 * construct prop reaches. The same mechanism as `iam.PermissionsBoundary.of(scope).apply()`
 * (an aspect that overrides the `PermissionsBoundary` property), with an ARN that each stack
 * resolves in its own account and region.
 *
 * Why every role: the execution policies let CloudFormation create a role, or give it a policy
 * or a trust, only with this boundary (src/terminal/execution-policy/policy-rules.ts,
 * `DenyRolesWithoutBoundary`), and the boundary forbids what no role of the project needs:
 * administering IAM, the organization and the account, and leaving the boundary
 * (bootstrap/bootstrap-template.yaml). A template that adds a role with `*` then still cannot
 * mint an administrator.
 */
export class ApplyPermissionsBoundary implements IAspect {
  public visit(node: IConstruct): void {
    if (!(node instanceof CfnResource)) return;
    if (node.cfnResourceType !== 'AWS::IAM::Role' && node.cfnResourceType !== 'AWS::IAM::User') return;
    node.addPropertyOverride('PermissionsBoundary', Fn.sub(PERMISSIONS_BOUNDARY_ARN));
  }
}

/**
 * Applies the boundary to every role in `scope`: each ServiceStage (App aspects do not reach into
 * stages), the App (the pipeline stack and its support stacks) and the integ test app. Mutating
 * priority, so it runs before the compliance packs read the templates.
 */
export function applyPermissionsBoundary(scope: IConstruct): void {
  Aspects.of(scope).add(new ApplyPermissionsBoundary(), { priority: AspectPriority.MUTATING });
}
