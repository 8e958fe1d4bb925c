/**
 * Input the gate cannot evaluate: a malformed report, allowlist or flag. The gate fails
 * closed on it (CLI exit code 2) with `message`, which names the file, the field and the fix.
 */
export class GateInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GateInputError';
  }
}

/** `Results[2].Vulnerabilities[0].Severity` from a zod issue path. */
export function issuePath(p: readonly PropertyKey[]): string {
  return p.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '') || '(root)';
}
