import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from './repo-root';

/**
 * The flags a projen task accepts, read from the TypeScript file its step runs (the CLI's own
 * option list: the kit's `options` spec, `parseOpsArgs`' flag lists, or the `--x` names a
 * hand-written parser looks for). A task of the app subproject (`app:<name>`) is followed to
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

/** The option names a CLI's source declares. */
function flagsIn(source: string): { flags: Set<string>; patterns: RegExp[] } {
  const flags = new Set<string>();
  const patterns: RegExp[] = [];
  // The CLI kit: `options: { name: { type: 'string' } }`, and options named by a pattern.
  for (const m of source.matchAll(/['"]?([a-z][\w-]*)['"]?\s*:\s*\{\s*type:\s*'(?:string|boolean)'/g)) flags.add(m[1]);
  for (const m of source.matchAll(/pattern:\s*\/\^([^/]+)\$\//g)) patterns.push(new RegExp(`^${m[1]}$`));
  // parseOpsArgs(argv, env, ['flag', ...], acceptProfiles, ['option', ...]): --config always.
  for (const m of source.matchAll(/parseOpsArgs\(([^;]*?)\)/g)) {
    flags.add('config');
    for (const s of m[1].matchAll(/'([a-z][\w-]*)'/g)) flags.add(s[1]);
    if (/,\s*true\b/.test(m[1])) patterns.push(/^profile-\d{12}$/);
  }
  // A hand-written parser: arg('--x'), argv.includes('--x'), argv.indexOf('--x'), option(argv, 'x').
  for (const m of source.matchAll(/(?:arg|includes|indexOf)\('--([a-z][\w-]*)'\)|option\(argv, '([a-z][\w-]*)'\)/g)) flags.add(m[1] ?? m[2]);
  return { flags, patterns };
}

/** The flags of a root task (`doctor`) or of the app subproject's task it forwards to (`app:bench`). */
export function taskFlags(task: string): TaskFlags {
  const file = fileOf(task);
  if (!file) return { flags: new Set(), patterns: [] };
  return { file, ...flagsIn(fs.readFileSync(path.join(REPO_ROOT, file), 'utf8')) };
}
