import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from '../tools/local-postgres';
import { containerEnv, createTestDatabase } from './support/database';
import { lockTransactions } from './support/locks';
import { apiClient, readJson, TEST_CLIENT, useLocalIssuer } from './support/service';

const APP_DIR = join(__dirname, '..');
const local = useLocalIssuer();

/** Runs src/main.ts as the container would (node, env only), through ts-node's transpiler. */
function runMain(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: APP_DIR,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('an invalid environment exits 1 with a JSON log naming every problem, never the password', async () => {
  const { output, exited } = runMain({ DB_PORT: 'x', DB_PASSWORD: 'do-not-print-me' });
  expect(await exited).toBe(1);
  const line = JSON.parse(output().trim().split('\n').pop()!);
  expect(line.level).toBe(60);
  expect(line.msg).toMatch(/^Invalid configuration: DB_HOST is required; DB_PORT must be an integer/);
  expect(line.problems).toContainEqual(expect.stringMatching(/^AUTH_ISSUER is required: the issuer as tokens carry it in "iss"/));
  expect(output()).not.toContain('do-not-print-me');
});

test('SIGTERM drains the in-flight request, ends the pool and exits 0', async () => {
  const database = await createTestDatabase();
  const port = await freePort();
  const { child, output, exited } = runMain(containerEnv(database, local.issuer, {
    PORT: String(port), HOST: '127.0.0.1', COMMIT_SHA: 'abc1234', BUILD_TIME: '2026-02-03T04:05:06Z',
  }));
  try {
    await waitFor(() => output().includes('Server listening'), 'the server to listen');
    const url = `http://127.0.0.1:${port}`;
    expect(await readJson(await fetch(`${url}/version`))).toEqual({ commit: 'abc1234', buildTime: '2026-02-03T04:05:06Z' });

    const lock = await lockTransactions(database);
    const inFlight = (await apiClient(url, local.issuer)).post({ amount: '3.00', currency: 'USD' }, `sigterm-${randomUUID()}`);
    await lock.waitForBlockedInsert();
    child.kill('SIGTERM');
    await waitFor(() => output().includes('draining in-flight requests'), 'the shutdown to start');
    await lock.release();

    expect((await inFlight).status).toBe(201);
    expect(await exited).toBe(0);
    expect(output()).toContain('shutdown complete');
    // Every line is JSON; the accepted transaction wrote exactly one audit record (TRANSACTION_AUDIT defaults to stdout).
    const lines = output().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line.auditType === 'transaction.accepted')).toEqual([
      expect.objectContaining({ clientId: TEST_CLIENT, amount: '3.00', currency: 'USD', region: 'local' }),
    ]);
  } finally {
    child.kill('SIGKILL');
  }
});
