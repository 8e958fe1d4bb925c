/**
 * The command that runs a TypeScript file of this repository without compiling it first
 * (ts-node, transpile only: `compile` is the one type-check).
 */
export function runTs(file: string): string {
  return `node -r ts-node/register/transpile-only ${file}`;
}
