import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bundleCli } from '../support/bundle-cli';
import { REPO_ROOT } from '../support/repo-root';

/**
 * Offline by default: an account whose AZ lookups are not committed in cdk.context.json makes
 * synth fail with a clear message (instead of synthesizing with dummy AZs, or a CLI lookup that
 * needs credentials).
 */
test('a config with an account whose lookups are not committed fails synth, naming the context and the fix', () => {
  const root = REPO_ROOT;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctx-'));
  const config = JSON.parse(fs.readFileSync(path.join(root, 'config', 'delivery.sample.json'), 'utf8'));
  // Two environments, one region each: the check runs after synth, so keep synth small.
  config.environments = [
    { name: 'dev', account: '555555555555', regions: ['us-east-1'] },
    { name: 'prod', account: '444444444444', regions: ['us-east-1'], production: true, requireApproval: true, domain: config.environments[2].domain },
  ];
  fs.writeFileSync(path.join(dir, 'delivery.json'), JSON.stringify(config));
  const run = spawnSync('node', [bundleCli('src/main.ts', { externalPackages: true })], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DELIVERY_CONFIG: path.join(dir, 'delivery.json'), CDK_OUTDIR: path.join(dir, 'cdk.out') },
  });
  expect(run.stderr).toContain('context "availability-zones:account=555555555555:region=us-east-1" is not in cdk.context.json');
  expect(run.stderr).toContain('-c lookups=true');
  expect(run.stderr).toContain('arn:aws:iam::555555555555:role/cdk-hnb659fds-lookup-role-555555555555-us-east-1');
  expect(run.status).toBe(1);
}, 60_000);
