/**
 * The command that runs a TypeScript CLI of this repository (with its arguments) without
 * compiling it first: bundled by esbuild and run by node (scripts/run-ts.sh); `compile` is the
 * one type-check.
 */
export function runTs(fileAndArgs: string): string {
  return `bash scripts/run-ts.sh ${fileAndArgs}`;
}

/**
 * The same through ts-node (transpile only, with swc), for tools that substitute the file into
 * a command of their own and run it from another directory (integ-runner's `--app`).
 */
export function runTsNode(file: string): string {
  return `TS_NODE_SWC=true node -r ts-node/register/transpile-only ${file}`;
}
