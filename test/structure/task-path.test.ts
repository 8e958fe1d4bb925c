import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TASK_PATH } from '../../projenrc/task-path';
import { REPO_ROOT } from '../support/repo-root';

/**
 * projen tasks find node_modules/.bin through TASK_PATH (projenrc/task-path.ts) instead of
 * projen's `npx -c` evaluation. Checked the way projen uses it: its task runtime evaluates the
 * `$(...)` in its own shell and runs the task's commands with the result.
 */
const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';
/** The node running the tests, so a PATH without node_modules/.bin still finds node. */
const NODE_DIR = path.dirname(process.execPath);

test('the root and the app tasks use TASK_PATH', () => {
  for (const dir of ['', 'app']) {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, dir, '.projen', 'tasks.json'), 'utf8'));
    expect({ dir, path: manifest.env.PATH }).toEqual({ dir, path: TASK_PATH });
  }
});

test('from app/, every node_modules/.bin up to the root comes first, then the caller\'s PATH', () => {
  const command = /^\$\(node -p "(.*)"\)$/.exec(TASK_PATH)?.[1];
  expect(command).toBeDefined();
  const run = spawnSync(process.execPath, ['-p', command!], { cwd: path.join(REPO_ROOT, 'app'), encoding: 'utf8', env: { PATH: SYSTEM_PATH } });
  expect(run.status).toBe(0);
  const entries = run.stdout.trim().split(path.delimiter);
  expect(entries.slice(0, 2)).toEqual([path.join(REPO_ROOT, 'app', 'node_modules', '.bin'), path.join(REPO_ROOT, 'node_modules', '.bin')]);
  expect(entries.slice(-3).join(path.delimiter)).toBe(SYSTEM_PATH);
});

test('projen evaluates it, and a task started without node_modules/.bin on the PATH finds the project\'s binaries', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'task-path-'));
  try {
    fs.mkdirSync(path.join(dir, '.projen'));
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    fs.writeFileSync(path.join(dir, '.projen', 'tasks.json'), JSON.stringify({
      env: { PATH: TASK_PATH },
      tasks: { 'which-esbuild': { name: 'which-esbuild', steps: [{ exec: 'esbuild --version' }] } },
    }));
    const run = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'projen', 'bin', 'projen'), 'which-esbuild'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: `${NODE_DIR}${path.delimiter}${SYSTEM_PATH}`, HOME: os.homedir() },
    });
    const installed = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', 'esbuild', 'package.json'), 'utf8')).version;
    expect({ status: run.status, stdout: run.stdout.trim() }).toEqual({ status: 0, stdout: installed });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
