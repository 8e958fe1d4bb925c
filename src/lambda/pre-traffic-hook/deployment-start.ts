/**
 * When the ECS service deployment the hook is checking started, read from ECS itself: the clock
 * that bounds the hook's retries whatever ECS passes back in the hook event.
 *
 * Why not only the attempt counter in `hookDetails`: ECS documents that the `hookDetails` a hook
 * returns with IN_PROGRESS are passed to its next invocation ("Passing state with hookDetails",
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html), but
 * not where in the event; the payload examples of the same guide show the deployment fields at
 * the top level, AWS's own sample reads them under `executionDetails`
 * (aws-samples/sample-amazon-ecs-blue-green-deployment-patterns, ecs-bluegreen-lifecycle-hooks/
 * src/approvalFunction/app.py). If the counter never comes back, every invocation would be the
 * first and a failing check would say IN_PROGRESS until ECS's own hook timeout (default 24 hours,
 * API_DeploymentLifecycleHookTimeoutConfiguration). So the hook also asks ECS when the deployment
 * started, which needs nothing from the event:
 * - ListServices(cluster): the cluster holds exactly this one service (the service's name is
 *   generated and cannot be given to the function without a dependency cycle: the service
 *   names the function as its hook);
 * - ListServiceDeployments(cluster, service, status IN_PROGRESS): `startedAt` ("The time that
 *   the service deployment started"), else `createdAt`, of the deployment in progress
 *   (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentBrief.html).
 */

/** The two ECS calls, as the AWS SDK v3 answers them (an error's `name` is the AWS error code). */
export interface EcsDeploymentClient {
  listServices(cluster: string): Promise<unknown>;
  listServiceDeployments(cluster: string, service: string): Promise<unknown>;
}

/** When the deployment in progress started, or why that is unknown. */
export type DeploymentStart =
  | { readonly startedAt: Date; readonly serviceDeploymentArn: string }
  | { readonly error: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A timestamp as the SDK returns it (Date) or as JSON carries it (ISO string or epoch seconds). */
function timeOf(v: unknown): Date | undefined {
  const d = v instanceof Date ? v : typeof v === 'string' ? new Date(v) : typeof v === 'number' ? new Date(v * 1000) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
}

/** The one service of `cluster` (its ARN). */
async function theService(client: EcsDeploymentClient, cluster: string): Promise<string> {
  const listed = await client.listServices(cluster);
  const arns = isRecord(listed) && Array.isArray(listed.serviceArns) ? listed.serviceArns.filter((a): a is string => typeof a === 'string') : undefined;
  if (!arns) throw new Error(`ListServices(${cluster}) answered without serviceArns`);
  if (arns.length !== 1) throw new Error(`cluster ${cluster} holds ${arns.length} services, expected exactly this stage's one`);
  return arns[0];
}

/**
 * When the service deployment in progress in `cluster` started. Never throws: a failed call or
 * an answer it cannot read is `{ error }`, naming the call and the AWS error code.
 */
export async function deploymentStartOf(client: EcsDeploymentClient, cluster: string): Promise<DeploymentStart> {
  try {
    const service = await theService(client, cluster);
    const listed = await client.listServiceDeployments(cluster, service);
    const briefs = isRecord(listed) && Array.isArray(listed.serviceDeployments) ? listed.serviceDeployments.filter(isRecord) : [];
    const inProgress = briefs
      .filter((b) => b.status === undefined || b.status === 'IN_PROGRESS')
      .map((b) => ({ arn: String(b.serviceDeploymentArn ?? '?'), at: timeOf(b.startedAt) ?? timeOf(b.createdAt) }))
      .filter((b): b is { arn: string; at: Date } => b.at !== undefined)
      .sort((a, b) => b.at.getTime() - a.at.getTime());
    if (inProgress.length === 0) return { error: `ListServiceDeployments(${service}) shows no deployment IN_PROGRESS with a start time` };
    return { startedAt: inProgress[0].at, serviceDeploymentArn: inProgress[0].arn };
  } catch (e) {
    const err = e as Error;
    return { error: `${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}` };
  }
}

/** Milliseconds from the start of the deployment in progress to `now()`, or why unknown (hook-decision.ts's ElapsedSinceStart). */
export function elapsedSinceStart(
  client: EcsDeploymentClient, cluster: string, now: () => number = Date.now,
): () => Promise<{ ms: number } | { error: string }> {
  return async () => {
    const start = await deploymentStartOf(client, cluster);
    return 'error' in start ? start : { ms: now() - start.startedAt.getTime() };
  };
}
