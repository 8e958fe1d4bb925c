/** `Results[2].Vulnerabilities[0].Severity` from a zod issue path. */
export function issuePath(p: readonly PropertyKey[]): string {
  return p.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '') || '(root)';
}
