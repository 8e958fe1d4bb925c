import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from '../support/repo-root';

/**
 * `npx projen integ` must fail when a template drifts from its committed snapshot. This runs
 * the task's own integ-runner command (read from .projen/tasks.json, so a flag that would
 * hide drift, such as --update-on-failed, fails this test) over a fixture: a one-bucket integ
 * test whose committed snapshot was changed on purpose (versioning removed).
 *
 * To rebuild the fixture: run the `integ:update` command in test/fixtures/integ-drift, then
 * delete the bucket's VersioningConfiguration from the snapshot's Tiny.template.json.
 */
const root = REPO_ROOT;
const fixture = path.join(root, 'test', 'fixtures', 'integ-drift');
const tasks = JSON.parse(fs.readFileSync(path.join(root, '.projen', 'tasks.json'), 'utf8')).tasks;
const commandOf = (task: string): string => tasks[task].steps[0].exec;

test('the integ task is a verification, never an update', () => {
  expect(commandOf('integ')).toMatch(/^integ-runner /);
  expect(commandOf('integ')).not.toMatch(/--update-on-failed|--force|--dry-run/);
  expect(commandOf('integ:update')).toBe(`${commandOf('integ')} --update-on-failed --dry-run --force`);
});

test('the fixture snapshot really differs from what the fixture synthesizes', () => {
  const snapshot = JSON.parse(fs.readFileSync(path.join(fixture, 'integ', 'integ.tiny.ts.snapshot', 'Tiny.template.json'), 'utf8'));
  const bucket = Object.values<any>(snapshot.Resources).find((r) => r.Type === 'AWS::S3::Bucket');
  expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
  expect(fs.readFileSync(path.join(fixture, 'integ', 'integ.tiny.ts'), 'utf8')).toContain('versioned: true');
});

test('verification fails on the drifted snapshot and names the change', () => {
  // A scratch copy of the fixture beside the repository's scripts and packages, as the task's
  // command expects them in the directory it runs from (the repository root, for `npx projen integ`).
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-drift-'));
  fs.cpSync(path.join(fixture, 'integ'), path.join(work, 'integ'), { recursive: true });
  for (const link of ['scripts', 'node_modules']) fs.symlinkSync(path.join(root, link), path.join(work, link));
  const run = spawnSync('bash', ['-c', commandOf('integ')], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, ...tasks.integ.env, PATH: `${path.join(root, 'node_modules', '.bin')}:${process.env.PATH}` },
  });
  fs.rmSync(work, { recursive: true, force: true });
  expect(run.status).not.toBe(0);
  expect(run.stdout + run.stderr).toMatch(/CHANGED\s+integ\.tiny/);
  expect(run.stdout + run.stderr).toMatch(/VersioningConfiguration/);
}, 120_000);
