import { AspectPriority, Aspects, CfnResource, IAspect } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { NODE_MAJOR } from '../../shared/versions/toolchain';

/** The runtime every Node.js Lambda function of the project runs on: `nodejs24.x`. */
export const LAMBDA_NODE_RUNTIME = new lambda.Runtime(`nodejs${NODE_MAJOR}.x`, lambda.RuntimeFamily.NODEJS);

/**
 * Sets the runtime of every Node.js Lambda function in its scope to LAMBDA_NODE_RUNTIME.
 *
 * The project's one function of its own, the pre-traffic hook (src/synth/progressive-deployment/pre-traffic-hook.ts),
 * is created on this runtime. The other functions in the templates are CDK's
 * (the custom resources that restrict the default security group and empty buckets on delete,
 * and integ-tests-alpha's assertion providers). aws-cdk-lib 2.257 (pinned, see .projenrc.ts)
 * gives them `nodejs22.x`, whose Lambda deprecation date is 30 April 2027, and the pin keeps
 * CDK from moving them. So they are pinned here, for three reasons:
 * - their handlers are all `async (event, context)` functions (checked in the bundled assets of
 *   2.257), so Node.js 24's removal of callback-style handlers does not touch them;
 * - aws-cdk-lib 2.259 made `nodejs24.x` the default runtime of its own custom-resource
 *   providers, so CDK runs these same handlers on it;
 * - one runtime for every function means one date in the version calendar.
 * A function on another runtime family (Python, Java, ...) is left alone.
 *
 * Applied to each ServiceStage (App aspects do not reach into stages), to the App (the
 * pipeline stack) and to the integ test app.
 */
export class PinNodeLambdaRuntime implements IAspect {
  public visit(node: IConstruct): void {
    if (!(node instanceof CfnResource) || node.cfnResourceType !== 'AWS::Lambda::Function') return;
    const current = runtimeOf(node);
    if (typeof current === 'string' && current.startsWith('nodejs') && current !== LAMBDA_NODE_RUNTIME.name) {
      node.addPropertyOverride('Runtime', LAMBDA_NODE_RUNTIME.name);
    }
  }
}

/**
 * The Runtime a function resource was given: `lambda.CfnFunction` exposes it; CDK's
 * custom-resource providers are plain CfnResources whose properties are only reachable through
 * the protected `_cfnProperties`.
 */
function runtimeOf(resource: CfnResource): unknown {
  if (resource instanceof lambda.CfnFunction) return resource.runtime;
  return (resource as unknown as { _cfnProperties?: Record<string, unknown> })._cfnProperties?.Runtime;
}

/** Pins every Node.js Lambda function in `scope` (a Stage, or an App for the stacks directly in it). */
export function pinNodeLambdaRuntimes(scope: IConstruct): void {
  Aspects.of(scope).add(new PinNodeLambdaRuntime(), { priority: AspectPriority.MUTATING });
}
