import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, loadConfig, parseConfig, SAMPLE_CONFIG_PATH } from '../../src/config/load-config';
import { bundleCli } from '../support/bundle-cli';

const sample = (): any => JSON.parse(fs.readFileSync(SAMPLE_CONFIG_PATH, 'utf8'));

/** The problems reported for a config changed by `edit`. */
function problemsOf(edit: (c: any) => void): string[] {
  const c = sample();
  edit(c);
  try {
    parseConfig(c, 'edited.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error('expected the config to be rejected');
}

describe('the sample config', () => {
  test('is valid and has the documented shape', () => {
    const c = loadConfig();
    expect(c.pipeline).toMatchObject({ account: '111111111111', region: 'us-east-1' });
    expect(c.environments.map((e) => [e.name, e.account, e.regions])).toEqual([
      ['dev', '222222222222', ['us-east-1']],
      ['test', '333333333333', ['us-east-1', 'us-east-2']],
      ['prod', '444444444444', ['us-east-1', 'us-east-2']],
    ]);
    const prod = c.environments[2];
    expect(prod).toMatchObject({ production: true, requireApproval: true, rollout: 'sequential' });
    expect(prod.sizing.natGateways).toBe(2);
  });

  test('defaults fill what a user leaves out', () => {
    const c = sample();
    delete c.gates; delete c.changeReport; delete c.pipeline.name; delete c.source.branch;
    c.environments[0] = { name: 'dev', account: '222222222222', regions: ['us-east-1'] };
    const parsed = parseConfig(c);
    expect(parsed.pipeline.name).toBe('cdk-delivery-pipeline');
    expect(parsed.source.branch).toBe('main');
    expect(parsed.gates).toEqual({ failOnSeverities: ['CRITICAL'], failOnFixableSeverities: ['HIGH'], ecrScanTimeoutMinutes: 15 });
    expect(parsed.environments[0]).toMatchObject({ production: false, requireApproval: false, rollout: 'parallel' });
    expect(parsed.environments[0].sizing).toMatchObject({ natGateways: 1, maxAzs: 2, cpu: 256, memoryMiB: 512, logRetentionDays: 30 });
  });

  test('the README example is a valid config', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const block = /<!-- config-example -->\s*```json\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    expect(() => parseConfig(JSON.parse(block![1]), 'README.md')).not.toThrow();
  });
});

describe('bad config gets one clear message per problem', () => {
  test.each([
    ['account id not 12 digits', (c: any) => { c.environments[0].account = '12345'; }, 'environments[0].account', /12-digit AWS account id/],
    ['account id as a number', (c: any) => { c.pipeline.account = 111111111111; }, 'pipeline.account', /12-digit AWS account id/],
    ['unknown region', (c: any) => { c.environments[1].regions = ['us-east-1', 'us-middle-9']; }, 'environments[1].regions[1]', /not a known AWS region/],
    ['environment without region', (c: any) => { c.environments[0].regions = []; }, 'environments[0].regions', /list at least one region/],
    ['environment with regions missing', (c: any) => { delete c.environments[0].regions; }, 'environments[0].regions', /is required/],
    ['region listed twice', (c: any) => { c.environments[2].regions = ['us-east-1', 'us-east-1']; }, 'environments[2].regions[1]', /twice/],
    ['prod without approval', (c: any) => { c.environments[2].requireApproval = false; }, 'environments[2].requireApproval', /manual approval/],
    ['prod approval left out', (c: any) => { delete c.environments[2].requireApproval; }, 'environments[2].requireApproval', /"requireApproval": true/],
    ['missing connection ARN', (c: any) => { delete c.source.connectionArn; }, 'source.connectionArn', /CodeConnections connection/],
    ['malformed connection ARN', (c: any) => { c.source.connectionArn = 'arn:aws:codeconnections:us-east-1:111111111111:connection/nope'; }, 'source.connectionArn', /not a CodeConnections ARN/],
    ['prod shares the dev account', (c: any) => { c.environments[2].account = '222222222222'; }, 'environments[2].account', /allowSharedProdAccount/],
    ['prod shares the test account', (c: any) => { c.environments[2].account = '333333333333'; }, 'environments[2].account', /"test"/],
    ['unknown key (typo)', (c: any) => { c.environments[0].regoins = ['us-east-1']; }, 'environments[0].regoins', /unknown key "regoins"/],
    ['unknown top-level key', (c: any) => { c.notification = {}; }, 'notification', /unknown key/],
    ['empty tag value', (c: any) => { c.tags.Team = '  '; }, 'tags.Team', /must not be empty/],
    ['missing tag value', (c: any) => { delete c.tags.CostCenter; }, 'tags.CostCenter', /is required/],
    ['duplicate environment name', (c: any) => { c.environments[1].name = 'dev'; }, 'environments[1].name', /already used/],
    ['no production environment', (c: any) => { c.environments[2].production = false; }, 'environments', /no production environment/],
    ['bad e-mail address', (c: any) => { c.notifications.emails = ['not-an-address']; }, 'notifications.emails[0]', /not an e-mail address/],
    ['no e-mail address', (c: any) => { c.notifications.emails = []; }, 'notifications.emails', /at least one address/],
    ['memory that does not fit the CPU', (c: any) => { c.environments[2].sizing.memoryMiB = 256; }, 'environments[2].sizing.memoryMiB', /does not fit cpu 512/],
    ['min above max capacity', (c: any) => { c.environments[0].sizing.minCapacity = 3; }, 'environments[0].sizing.minCapacity', /above maxCapacity/],
    ['log retention CloudWatch refuses', (c: any) => { c.environments[0].sizing.logRetentionDays = 10; }, 'environments[0].sizing.logRetentionDays', /CloudWatch retention/],
  ])('%s', (_name, edit, field, message) => {
    const problems = problemsOf(edit);
    const line = problems.find((p) => p.startsWith(`${field}: `));
    expect({ problems, line }).toEqual({ problems, line: expect.stringMatching(message) });
  });

  test('sharing the prod account is allowed only when said explicitly', () => {
    const c = sample();
    c.environments[2].account = '222222222222';
    c.allowSharedProdAccount = true;
    expect(() => parseConfig(c)).not.toThrow();
  });

  test('every problem is listed at once', () => {
    const problems = problemsOf((c) => {
      c.pipeline.account = '1';
      c.environments[1].regions = ['mars-1'];
      c.environments[2].requireApproval = false;
      c.tags.Team = '';
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'environments[1].regions[0]', 'environments[2].requireApproval', 'pipeline.account', 'tags.Team',
    ]);
  });

  test('a missing file and bad JSON name the fix', () => {
    expect(() => loadConfig('/nonexistent/delivery.json')).toThrow(/cannot read .*DELIVERY_CONFIG=/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    fs.writeFileSync(path.join(dir, 'bad.json'), '{ "pipeline": ');
    expect(() => loadConfig(path.join(dir, 'bad.json'))).toThrow(/not valid JSON/);
  });
});

describe('the app with a bad config', () => {
  const root = path.join(__dirname, '..', '..');

  test('exits non-zero with the list, no stack trace, nothing synthesized', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'badcfg-'));
    const c = sample();
    c.environments[0].account = '2222';
    c.environments[2].requireApproval = false;
    fs.writeFileSync(path.join(dir, 'delivery.json'), JSON.stringify(c));
    const out = path.join(dir, 'cdk.out');
    const run = spawnSync('node', [bundleCli('src/main.ts', { externalPackages: true })], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DELIVERY_CONFIG: path.join(dir, 'delivery.json'), CDK_OUTDIR: out },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/environments\[0\]\.account: "2222" is not a 12-digit AWS account id/);
    expect(run.stderr).toMatch(/environments\[2\]\.requireApproval/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);
  });
});
