import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from './repo-root';

/**
 * The flags a projen task accepts, read from the TypeScript file its step runs: the options
 * spec it hands the CLI kit's parseCliArgs, or the `--x` names a hand-written parser looks for. A task of the app subproject (`app:<name>`) is followed to
 * app/.projen/tasks.json.
 */

/** What a task runs and accepts. */
export interface TaskFlags {
  /** The TypeScript file the task runs, relative to the repository root (undefined: it runs no CLI of ours). */
  readonly file?: string;
  /** Option names without the dashes. */
  readonly flags: ReadonlySet<string>;
  /** Option names matched by a pattern (`--profile-<12 digits>=<name>`). */
  readonly patterns: readonly RegExp[];
}

function tasksOf(dir: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, dir, '.projen/tasks.json'), 'utf8')).tasks;
}

/** The .ts file a task's steps run (following `npx projen <other>` and spawns), relative to the root. */
function fileOf(task: string, dir = ''): string | undefined {
  const def = tasksOf(dir)[task];
  for (const step of def?.steps ?? []) {
    const exec: string | undefined = step.exec;
    const file = exec && /(?:^|\s)((?:src|tools)\/[\w./-]+\.ts)\b/.exec(exec)?.[1];
    if (file) return path.posix.join(dir, file);
    const forward = exec && /^npx projen ([\w:-]+)$/.exec(exec)?.[1];
    if (forward) return fileOf(forward, step.cwd ?? dir);
    if (step.spawn) {
      const spawned = fileOf(step.spawn, dir);
      if (spawned) return spawned;
    }
  }
  return undefined;
}

/** The option names a CLI's source declares (`file` relative to the root, for the modules it spreads options from). */
function flagsIn(file: string): { flags: Set<string>; patterns: RegExp[] } {
  const source = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const flags = new Set<string>();
  const patterns: RegExp[] = [];
  // The CLI kit (src/shared/cli/parse-args.ts): `name: { type: 'string' }`, options named by a
  // pattern, options spread in from another module (`...CONFIG_OPTION`), and --help (runCli).
  for (const m of source.matchAll(/['"]?([a-z][\w-]*)['"]?\s*:\s*\{\s*type:\s*'(?:string|boolean)'/g)) flags.add(m[1]);
  for (const m of source.matchAll(/pattern:\s*\/\^([^/]+)\$\//g)) patterns.push(new RegExp(`^${m[1]}$`));
  for (const m of source.matchAll(/\.\.\.([A-Z_]+)\b/g)) {
    const from = new RegExp(`import \\{[^}]*\\b${m[1]}\\b[^}]*\\} from '(\\.[^']+)'`).exec(source)?.[1];
    if (from) for (const f of flagsIn(path.posix.join(path.posix.dirname(file), `${from}.ts`)).flags) flags.add(f);
  }
  if (/\brun(?:Cli|Main)\(/.test(source)) flags.add('help');
  // A hand-written parser: argv.indexOf('--x'), argv.includes('--x'), or a switch with `case '--x':`
  // (app/tools/token.ts).
  for (const m of source.matchAll(/(?:includes|indexOf)\('--([a-z][\w-]*)'\)/g)) flags.add(m[1]);
  for (const m of source.matchAll(/case '--([a-z][\w-]*)':/g)) flags.add(m[1]);
  return { flags, patterns };
}

/** The flags of a root task (`doctor`) or of the app subproject's task it forwards to (`app:bench`). */
export function taskFlags(task: string): TaskFlags {
  const file = fileOf(task);
  if (!file) return { flags: new Set(), patterns: [] };
  return { file, ...flagsIn(file) };
}
