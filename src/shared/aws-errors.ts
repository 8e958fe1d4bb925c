/**
 * What an AWS error says, read the same way by every command that calls AWS (the change report,
 * the image gate, doctor, failover). The AWS SDK v3 throws errors whose `name` is the AWS error
 * code (`ValidationError`, `AccessDenied`, ...); older shapes and recordings carry it as `Code`.
 */

function errorFields(err: unknown): { name: string; message: string } {
  if (!err || typeof err !== 'object') return { name: '', message: String(err) };
  const e = err as { name?: unknown; Code?: unknown; message?: unknown };
  const name = e.name === undefined || (e.name === 'Error' && e.Code !== undefined) ? e.Code : e.name;
  return { name: String(name ?? ''), message: String(e.message ?? '') };
}

/** CloudFormation's answer about a stack that was never deployed (or was deleted): `ValidationError` "Stack with id X does not exist". */
export function isStackMissingError(err: unknown): boolean {
  const { name, message } = errorFields(err);
  return name === 'ValidationError' && /does not exist/i.test(message);
}

/** STS refused to let the caller assume a role (no trust, or no sts:AssumeRole). */
export function isAssumeRoleDenied(err: unknown): boolean {
  const { name, message } = errorFields(err);
  return (name === 'AccessDenied' || name === 'AccessDeniedException') && /sts:AssumeRole/i.test(message);
}

/** The short text of an error for a report line: `AccessDenied: not authorized to ...`. */
export function errorText(err: unknown): string {
  const { name, message } = errorFields(err);
  return name ? `${name}: ${message}` : message;
}
