/**
 * Reading one package out of an npm lock file (lockfileVersion 2 or 3): the exact version the
 * lock resolves, and whether that package has dependencies of its own. The pipeline pins the
 * CLIs its CodeBuild actions install with `npm install -g` to these versions
 * (src/synth/pipeline/tool-versions.ts).
 */

/** What the lock says about one top-level package. */
export interface LockedPackage {
  /** The package name. */
  readonly name: string;
  /** The exact version the lock resolves. */
  readonly version: string;
  /** The registry's integrity string the lock recorded (`sha512-...`). */
  readonly integrity: string;
  /** Names of the package's own runtime dependencies (empty for a self-contained CLI). */
  readonly dependencies: readonly string[];
}

/** The lock entry of a top-level package; throws an error naming the package and the fix. */
export function lockedPackage(lock: unknown, name: string, lockFile = 'package-lock.json'): LockedPackage {
  const packages = (lock as { packages?: Record<string, unknown> } | undefined)?.packages;
  if (!packages || typeof packages !== 'object') {
    throw new Error(`${lockFile} has no "packages" section (lockfileVersion 2 or later): run \`npm install\` with npm 7 or later`);
  }
  const entry = packages[`node_modules/${name}`] as { version?: unknown; integrity?: unknown; dependencies?: unknown } | undefined;
  if (!entry) {
    throw new Error(`${lockFile} does not resolve ${name}: add it to devDeps in .projenrc.ts and run \`npx projen\``);
  }
  if (typeof entry.version !== 'string' || !/^\d+\.\d+\.\d+$/.test(entry.version)) {
    throw new Error(`${lockFile}: node_modules/${name} has version ${JSON.stringify(entry.version)}, not an exact release x.y.z`);
  }
  if (typeof entry.integrity !== 'string' || !entry.integrity.startsWith('sha512-')) {
    throw new Error(`${lockFile}: node_modules/${name} has no sha512 integrity: reinstall it from the registry (\`npm install\`)`);
  }
  const dependencies = entry.dependencies && typeof entry.dependencies === 'object' ? Object.keys(entry.dependencies) : [];
  return { name, version: entry.version, integrity: entry.integrity, dependencies };
}
