import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * `npx projen integ` must fail when a template drifts from its committed snapshot. This runs
 * the task's own integ-runner command (read from .projen/tasks.json, so a flag that would
 * hide drift, such as --update-on-failed, fails this test) against a one-bucket integ test:
 * snapshot, change the snapshot, verify (fails).
 */
const root = path.join(__dirname, '..', '..');
const tasks = JSON.parse(fs.readFileSync(path.join(root, '.projen', 'tasks.json'), 'utf8')).tasks;
const commandOf = (task: string): string => tasks[task].steps[0].exec;

const work = path.join(root, '.integ-drift-test');
const run = (command: string) => spawnSync('bash', ['-c', `PATH="${path.join(root, 'node_modules', '.bin')}:$PATH" ${command}`], { cwd: work, encoding: 'utf8' });

beforeAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(path.join(work, 'integ'), { recursive: true });
  fs.writeFileSync(path.join(work, 'integ', 'integ.tiny.ts'), `
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
const app = new App();
const stack = new Stack(app, 'Tiny');
new s3.Bucket(stack, 'Bucket', { versioned: true });
new IntegTest(app, 'TinyTest', { testCases: [stack] });
app.synth();
`);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('the integ task is a verification, never an update', () => {
  expect(commandOf('integ')).toMatch(/^integ-runner /);
  expect(commandOf('integ')).not.toMatch(/--update-on-failed|--force|--dry-run/);
  expect(commandOf('integ:update')).toBe(`${commandOf('integ')} --update-on-failed --dry-run --force`);
});

test('verification fails when the template drifts from the snapshot', () => {
  const update = run(commandOf('integ:update'));
  expect(update.status).toBe(0);
  const snapshot = path.join(work, 'integ', 'integ.tiny.js.snapshot', 'Tiny.template.json');
  const fallback = path.join(work, 'integ', 'integ.tiny.ts.snapshot', 'Tiny.template.json');
  const file = fs.existsSync(snapshot) ? snapshot : fallback;
  expect(fs.existsSync(file)).toBe(true);

  // (That verification passes on an unchanged snapshot is what `npx projen integ` shows in
  // the test command itself, on the real integ tests.)

  const template = JSON.parse(fs.readFileSync(file, 'utf8'));
  const [bucketId] = Object.keys(template.Resources).filter((id) => template.Resources[id].Type === 'AWS::S3::Bucket');
  delete template.Resources[bucketId].Properties.VersioningConfiguration;
  fs.writeFileSync(file, JSON.stringify(template, undefined, 1));

  const drifted = run(commandOf('integ'));
  expect(drifted.status).not.toBe(0);
  expect(drifted.stdout + drifted.stderr).toMatch(/CHANGED/);
}, 120_000);
