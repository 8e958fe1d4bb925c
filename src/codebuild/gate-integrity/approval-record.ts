/**
 * The named approval that lets one commit weaken the pipeline's gates (issue 33, point 3): an SSM
 * parameter `/<pipeline stack>/gate-change-approvals/<commit>` in the pipeline account and
 * region, whose value lists the commit and exactly the gates it may weaken, written by a
 * principal that is not one of the pipeline's roles:
 *
 *   aws ssm put-parameter --name /DeliveryPipeline/gate-change-approvals/<commit> --type String \
 *     --value '{"commit":"<commit>","gates":["approval:444444444444"],"reason":"..."}'
 *
 * Who wrote it is AWS's record, not the value's: GetParameterHistory returns, for every version,
 * "LastModifiedUser: Amazon Resource Name (ARN) of the AWS user who last changed the parameter"
 * (AWS Systems Manager API Reference, ParameterHistory). The check reads the newest version.
 * RUNBOOKS.md ("Self-mutation refused a gate change") says who may write it and how.
 */

/** A GetParameterHistory response, as `aws ssm get-parameter-history --output json` prints it. */
export interface ParameterHistory {
  readonly Parameters?: readonly { readonly Name?: string; readonly Value?: string; readonly Version?: number; readonly LastModifiedUser?: string }[];
}

/** The parameter that approves a commit's gate changes. */
export function approvalParameterName(pipelineStackName: string, commit: string): string {
  return `/${pipelineStackName}/gate-change-approvals/${commit}`;
}

/** What an approval record allows, or why it allows nothing. */
export type ApprovalVerdict =
  | { readonly approved: true; readonly approver: string; readonly reason: string }
  | { readonly approved: false; readonly why: string };

/**
 * Whether `history` approves weakening exactly `gates` for `commit`: its newest version names the
 * commit and every one of those gates, and was written by a principal that is not a role of the
 * pipeline stack (`<pipelineStackName>-*`, which every role of the pipeline, its steps included,
 * is named after) nor the account root.
 */
export function judgeApproval(
  history: ParameterHistory | undefined, commit: string, gates: readonly string[], pipelineStackName: string,
): ApprovalVerdict {
  const versions = [...(history?.Parameters ?? [])].sort((a, b) => (a.Version ?? 0) - (b.Version ?? 0));
  const latest = versions[versions.length - 1];
  if (!latest) return { approved: false, why: 'no approval record exists for this commit' };
  const writer = latest.LastModifiedUser ?? '';
  const roleName = /:assumed-role\/([^/]+)\//.exec(writer)?.[1] ?? /:role\/(?:.*\/)?([^/]+)$/.exec(writer)?.[1];
  if (!writer) return { approved: false, why: 'the approval record does not say who wrote it' };
  if (roleName?.startsWith(`${pipelineStackName}-`)) return { approved: false, why: `the approval record was written by ${writer}, a role of the pipeline itself` };
  if (/:root$/.test(writer)) return { approved: false, why: 'the approval record was written by the account root, which names no person' };
  let value: { commit?: unknown; gates?: unknown; reason?: unknown };
  try {
    value = JSON.parse(latest.Value ?? '');
  } catch {
    return { approved: false, why: 'the approval record is not JSON: {"commit": "<sha>", "gates": ["<gate>", ...], "reason": "..."}' };
  }
  if (value.commit !== commit) return { approved: false, why: `the approval record names commit ${String(value.commit)}, not ${commit}` };
  const allowed = Array.isArray(value.gates) ? value.gates.map(String) : [];
  const missing = gates.filter((g) => !allowed.includes(g));
  if (missing.length > 0) return { approved: false, why: `the approval record does not name ${missing.join(', ')}` };
  return { approved: true, approver: writer, reason: typeof value.reason === 'string' ? value.reason : '' };
}
