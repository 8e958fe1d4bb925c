/**
 * The command that runs a TypeScript CLI of this repository (with its arguments) without
 * compiling it first: bundled by esbuild and run by node (scripts/run-ts.sh); `compile` is the
 * one type-check. integ-runner's `--app` uses it too: it runs the app from the directory it
 * was started in (its IntegTest sets `directory = process.cwd()`), with `{filePath}` relative to it.
 */
export function runTs(fileAndArgs: string): string {
  return `bash scripts/run-ts.sh ${fileAndArgs}`;
}

