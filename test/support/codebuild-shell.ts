import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** What a build phase run like CodeBuild's left behind. */
export interface CodeBuildRun {
  /** Exit status of the phase: the first failing command's, else 0. */
  readonly status: number;
  /** `exported-variables`, read from the shell's environment after the commands. */
  readonly exported: Readonly<Record<string, string>>;
  /** stdout + stderr. */
  readonly output: string;
}

/** Options of runLikeCodeBuild. */
export interface CodeBuildRunOptions {
  /** Working directory (the primary source directory). */
  readonly cwd: string;
  /** The environment of the build (PATH included). */
  readonly env: NodeJS.ProcessEnv;
  /** Names listed under `env.exported-variables` in the buildspec. @default [] */
  readonly exportedVariables?: readonly string[];
}

/**
 * Runs buildspec commands the way CodeBuild (buildspec version 0.2) does on its Linux images:
 * every command of the phase in ONE instance of the default shell (`sh`, so an `export` or a
 * `cd` carries over to the next command), stopping at the first command that exits non-zero,
 * and the `exported-variables` read from that shell's environment after the commands.
 * A variable set only inside a child process (`bash script.sh` that exports it) is therefore
 * not exported, exactly as in CodeBuild.
 */
export function runLikeCodeBuild(commands: readonly string[], options: CodeBuildRunOptions): CodeBuildRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codebuild-shell-'));
  const exportedFile = path.join(dir, 'exported.json');
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = [
    ...commands.flatMap((command) => [
      command,
      `__rc=$?; if [ "$__rc" -ne 0 ]; then echo ${quote(`[codebuild] command did not exit 0: ${command}`)} >&2; exit "$__rc"; fi`,
    ]),
    // After the commands: read the exported variables from this shell's environment.
    `{ printf '{'; __sep=''; for __name in ${(options.exportedVariables ?? []).join(' ')}; do`
      + ` eval "__value=\\"\\\${$__name-}\\""; printf '%s"%s":"%s"' "$__sep" "$__name" "$__value"; __sep=','; done; printf '}'; } > ${quote(exportedFile)}`,
  ].join('\n');
  const scriptFile = path.join(dir, 'phase.sh');
  fs.writeFileSync(scriptFile, `${script}\n`);
  const run = spawnSync('sh', [scriptFile], { cwd: options.cwd, env: options.env, encoding: 'utf8' });
  const exported = fs.existsSync(exportedFile) ? JSON.parse(fs.readFileSync(exportedFile, 'utf8')) : {};
  return { status: run.status ?? 1, exported, output: run.stdout + run.stderr };
}
