import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One package entry of an npm lockfile (v3 `packages` map); only the fields used here are typed. */
export interface LockEntry {
  readonly name?: string;
  readonly version?: string;
  readonly integrity?: string;
  readonly resolved?: string;
  readonly link?: boolean;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  readonly [field: string]: unknown;
}

/** An npm lockfile (version 3). */
export interface Lockfile {
  readonly name: string;
  readonly version?: string;
  readonly lockfileVersion: number;
  readonly requires?: boolean;
  readonly packages: Record<string, LockEntry>;
}

/** A dependency edge: what a package needs, and how. */
export interface Edge {
  readonly name: string;
  readonly type: 'prod' | 'dev' | 'optional' | 'peer' | 'peerOptional';
}

const FLAG_FIELDS = ['dev', 'optional', 'devOptional', 'peer', 'extraneous', 'inBundle'];

/** The packages `entry` depends on; the root's devDependencies only when `withDev`. */
export function edgesOf(entry: LockEntry, withDev: boolean): Edge[] {
  const edges: Edge[] = [];
  for (const name of Object.keys(entry.dependencies ?? {})) edges.push({ name, type: 'prod' });
  for (const name of Object.keys(entry.optionalDependencies ?? {})) edges.push({ name, type: 'optional' });
  for (const name of Object.keys(entry.peerDependencies ?? {})) {
    edges.push({ name, type: entry.peerDependenciesMeta?.[name]?.optional ? 'peerOptional' : 'peer' });
  }
  if (withDev) for (const name of Object.keys(entry.devDependencies ?? {})) edges.push({ name, type: 'dev' });
  return edges;
}

/** Node's module lookup over lock keys: `<dir>/node_modules/<name>`, then each parent directory. */
export function lookup(has: (key: string) => boolean, fromKey: string, name: string): string | undefined {
  const parts = fromKey === '' ? [] : fromKey.split('/');
  for (;;) {
    const candidate = [...parts, 'node_modules', name].join('/');
    if (has(candidate)) return candidate;
    if (parts.length === 0) return undefined;
    parts.pop();
  }
}

const sameRelease = (a: LockEntry, b: LockEntry): boolean => a.version === b.version && a.integrity === b.integrity;

/**
 * Derives a stand-alone lockfile for the workspace `workspaceDir` (e.g. "app") from the root
 * lockfile of an npm workspace: the same resolved version and integrity of every package the
 * workspace needs (as Node resolves them from the workspace in the root install), laid out
 * for an install in the workspace directory alone. `npm ci` in the workspace then installs
 * exactly what the tests ran with.
 *
 * @throws when a non-optional dependency is missing from the root lockfile (run `npm install`)
 */
export function deriveWorkspaceLock(root: Lockfile, workspaceDir: string): Lockfile {
  return deriveWithOrigins(root, workspaceDir).lock;
}

/**
 * {@link deriveWorkspaceLock}, plus where each package of the new lock sits in the root install
 * (new key -> root-lock key, i.e. its directory relative to the repository root).
 */
export function deriveWithOrigins(root: Lockfile, workspaceDir: string): { lock: Lockfile; origins: ReadonlyMap<string, string> } {
  const rootPackages = root.packages;
  const workspace = rootPackages[workspaceDir];
  if (!workspace) throw new Error(`the root lockfile has no workspace "${workspaceDir}": run \`npm install\` at the repository root`);

  // New key -> the root-lock key its content comes from ('' is the workspace itself).
  const origin = new Map<string, string>([['', workspaceDir]]);
  const queue: string[] = [''];
  while (queue.length > 0) {
    const key = queue.shift()!;
    const source = origin.get(key)!;
    for (const edge of edgesOf(rootPackages[source], key === '')) {
      const target = lookup((k) => k in rootPackages && !rootPackages[k].link, source, edge.name);
      if (!target) {
        if (edge.type === 'prod' || edge.type === 'dev') {
          throw new Error(`${edge.name} (needed by ${source || 'the root'}) is not in the root lockfile: run \`npm install\` at the repository root`);
        }
        continue; // an optional or peer dependency that is not installed
      }
      const existing = lookup((k) => origin.has(k), key, edge.name);
      if (existing && sameRelease(rootPackages[origin.get(existing)!], rootPackages[target])) continue;
      // Nothing visible yet: hoist to the top; a different release is visible: nest under the dependent.
      const placed = existing ? [key, 'node_modules', edge.name].filter(Boolean).join('/') : `node_modules/${edge.name}`;
      origin.set(placed, target);
      queue.push(placed);
    }
  }

  const keys = [...origin.keys()].filter((key) => key !== '').sort();
  const flags = dependencyFlags(keys, (key) => rootPackages[origin.get(key)!], (key, name) => lookup((k) => origin.has(k), key, name), workspace);
  const packages: Record<string, LockEntry> = {
    '': Object.fromEntries(Object.entries(workspace).filter(([field]) => !FLAG_FIELDS.includes(field))) as LockEntry,
  };
  for (const key of keys) {
    const entry = Object.fromEntries(Object.entries(rootPackages[origin.get(key)!]).filter(([field]) => !FLAG_FIELDS.includes(field)));
    packages[key] = { ...entry, ...flags.get(key) } as LockEntry;
  }
  return { lock: { name: String(workspace.name), version: workspace.version, lockfileVersion: 3, requires: true, packages }, origins: origin };
}

/**
 * npm's dependency flags for each package of the new tree: `dev` (only the root's
 * devDependencies need it), `optional` (only optional edges lead to it), both, or `devOptional`
 * (needed when either dev or optional dependencies are installed), and `peer`.
 */
function dependencyFlags(
  keys: string[],
  entryOf: (key: string) => LockEntry,
  resolve: (fromKey: string, name: string) => string | undefined,
  workspace: LockEntry,
): Map<string, Record<string, boolean>> {
  const reach = (rootTypes: Edge['type'][], followTypes: Edge['type'][]): Set<string> => {
    const seen = new Set<string>();
    const visit = (fromKey: string, edges: Edge[], types: Edge['type'][]): void => {
      for (const edge of edges) {
        if (!types.includes(edge.type)) continue;
        const key = resolve(fromKey, edge.name);
        if (key === undefined || seen.has(key)) continue;
        seen.add(key);
        visit(key, edgesOf(entryOf(key), false), followTypes);
      }
    };
    visit('', edgesOf(workspace, true), rootTypes);
    return seen;
  };
  const all: Edge['type'][] = ['prod', 'dev', 'optional', 'peer', 'peerOptional'];
  const required: Edge['type'][] = ['prod', 'dev', 'peer'];
  const notDev = reach(['prod', 'optional', 'peer', 'peerOptional'], all);
  const notOptional = reach(required, required);
  const prodRequired = reach(['prod', 'peer'], ['prod', 'peer']);
  const notPeer = reach(['prod', 'dev', 'optional'], ['prod', 'dev', 'optional']);

  const flags = new Map<string, Record<string, boolean>>();
  for (const key of keys) {
    const dev = !notDev.has(key);
    const optional = !notOptional.has(key);
    const devOptional = !prodRequired.has(key);
    flags.set(key, {
      ...(notPeer.has(key) ? {} : { peer: true }),
      ...(dev ? { dev: true } : {}),
      ...(optional ? { optional: true } : {}),
      ...(devOptional && !dev && !optional ? { devOptional: true } : {}),
    });
  }
  return flags;
}

/** The text of app/package-lock.json as derived from the root lock (2-space JSON, final newline, as npm writes). */
export function renderLock(lock: Lockfile): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}

const APP_DIR = join(__dirname, '..');
const ROOT_LOCK = join(APP_DIR, '..', 'package-lock.json');
const APP_LOCK = join(APP_DIR, 'package-lock.json');

/** The lock app/package-lock.json must hold, derived from the root package-lock.json. */
export function expectedAppLock(): string {
  if (!existsSync(ROOT_LOCK)) throw new Error(`${ROOT_LOCK} is missing: run \`npm install\` at the repository root`);
  return renderLock(deriveWorkspaceLock(JSON.parse(readFileSync(ROOT_LOCK, 'utf8')) as Lockfile, 'app'));
}

/**
 * `npx projen app:lock` writes app/package-lock.json; with `--check` it exits 1 when the file
 * is missing or differs (the image would not install what the tests ran with).
 */
function main(argv: string[]): void {
  const expected = expectedAppLock();
  const actual = existsSync(APP_LOCK) ? readFileSync(APP_LOCK, 'utf8') : '';
  if (argv.includes('--check')) {
    if (actual !== expected) {
      console.error('app/package-lock.json is not derived from the current root package-lock.json: run `npx projen app:lock` and commit it');
      process.exit(1);
    }
    return;
  }
  if (actual !== expected) writeFileSync(APP_LOCK, expected);
  console.log(`app/package-lock.json: ${Object.keys(JSON.parse(expected).packages).length - 1} packages`);
}

if (require.main === module) main(process.argv.slice(2));
