import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { problemsOf, sample } from './support';
import { ConfigError, loadConfig, parseConfig, SAMPLE_CONFIG_PATH } from '../../src/config/load-config';
import { deliveryConfigSchema, FARGATE_MEMORY } from '../../src/config/schema';
import { MAX_CONFIG_TAGS } from '../../src/config/tags';
import { configWarnings } from '../../src/config/warnings';
import { bundleCli } from '../support/bundle-cli';
import { REPO_ROOT } from '../support/repo-root';


/** Set `value` at a path such as `environments[2].sizing.cpu` (undefined deletes the key). */
function setAt(c: any, field: string, value: unknown): void {
  const keys = field.replace(/\[(\d+)\]/g, '.$1').split('.');
  const last = keys.pop()!;
  const parent = keys.reduce((o, k) => o[k] ??= {}, c);
  if (value === undefined) delete parent[last];
  else parent[last] = value;
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
    expect(parsed.driftDetection).toEqual({ intervalHours: 24 });
    expect(parsed.gates).toEqual({ failOnSeverities: ['CRITICAL'], failOnFixableSeverities: ['HIGH'], ecrScanTimeoutMinutes: 15, replicationTimeoutMinutes: 15 });
    expect(parsed.environments[0]).toMatchObject({ production: false, requireApproval: false, rollout: 'parallel' });
    expect(parsed.environments[0].sizing).toMatchObject({ natGateways: 1, maxAzs: 2, cpu: 256, memoryMiB: 512, logRetentionDays: 30 });
  });

  test('the README example is a valid config', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const block = /<!-- config-example -->\s*```json\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    expect(() => parseConfig(JSON.parse(block![1]), 'README.md')).not.toThrow();
  });
});


/** The one line reported for `field`, which must name a fix. */
function lineFor(edit: (c: any) => void, field: string): string {
  const problems = problemsOf(edit);
  const line = problems.find((p) => p.startsWith(`${field}: `));
  expect({ field, problems, found: line !== undefined }).toEqual({ field, problems, found: true });
  return line!;
}

/** Raw validator text that must never reach a user. */
const RAW_ZOD = /Invalid input|Invalid option|expected \w+, received|Too (small|big)|Invalid (string|email)|^\S+: Invalid/;

describe('bad config gets one clear message per problem', () => {
  test.each([
    ['account id not 12 digits', (c: any) => { c.environments[0].account = '12345'; }, 'environments[0].account', /12-digit AWS account id.*e\.g\. "123456789012"/],
    ['account id as a number', (c: any) => { c.pipeline.account = 111111111111; }, 'pipeline.account', /^pipeline\.account: must be a string of 12 digits, e\.g\. "123456789012"; got the number 111111111111$/],
    ['unknown region', (c: any) => { c.environments[1].regions = ['us-east-1', 'us-middle-9']; }, 'environments[1].regions[1]', /not a known AWS region; use a region code such as "us-east-1"/],
    ['regions as a string', (c: any) => { c.environments[0].regions = 'us-east-1'; }, 'environments[0].regions', /must be a list of region codes, e\.g\. \["us-east-1"\]; got the string "us-east-1"/],
    ['region of another partition', (c: any) => { c.environments[1].regions = ['us-east-1', 'cn-north-1']; }, 'environments[1].regions[1]', /"cn-north-1" is in partition aws-cn, but the pipeline .* is in aws; .*use a region in aws/],
    ['connection ARN of another partition', (c: any) => { c.source.connectionArn = c.source.connectionArn.replace('arn:aws:', 'arn:aws-cn:'); }, 'source.connectionArn', /partition aws-cn.*create the connection in the pipeline's account and region/],
    ['environment without region', (c: any) => { c.environments[0].regions = []; }, 'environments[0].regions', /list at least one region/],
    ['environment with regions missing', (c: any) => { delete c.environments[0].regions; }, 'environments[0].regions', /is required: a list of region codes, e\.g\. \["us-east-1"\]/],
    ['region listed twice', (c: any) => { c.environments[2].regions = ['us-east-1', 'us-east-1']; }, 'environments[2].regions[1]', /twice; keep each region once/],
    ['prod without approval', (c: any) => { c.environments[2].requireApproval = false; }, 'environments[2].requireApproval', /manual approval/],
    ['prod approval left out', (c: any) => { delete c.environments[2].requireApproval; }, 'environments[2].requireApproval', /"requireApproval": true/],
    ['prod listed before test', (c: any) => { [c.environments[1], c.environments[2]] = [c.environments[2], c.environments[1]]; }, 'environments[2]', /non-production "test" comes after production "prod" \(environments\[1\]\).*move it before "prod"/],
    ['missing connection ARN', (c: any) => { delete c.source.connectionArn; }, 'source.connectionArn', /is required: the ARN of an AVAILABLE CodeConnections connection/],
    ['malformed connection ARN', (c: any) => { c.source.connectionArn = 'arn:aws:codeconnections:us-east-1:111111111111:connection/nope'; }, 'source.connectionArn', /not a CodeConnections ARN; copy the connection's ARN from the console .*arn:aws:codeconnections:<region>/],
    ['branch name with a space', (c: any) => { c.source.branch = 'my branch'; }, 'source.branch', /"my branch" is not a branch name git accepts: it contains a space; use the branch name exactly as `git branch` shows it/],
    ['branch name with ".."', (c: any) => { c.source.branch = 'a..b'; }, 'source.branch', /contains "\.\."/],
    ['branch name ending in .lock', (c: any) => { c.source.branch = 'feature/x.lock'; }, 'source.branch', /ending with "\.lock"/],
    ['branch name starting with "-"', (c: any) => { c.source.branch = '-x'; }, 'source.branch', /starts with "-"/],
    ['branch name with "//"', (c: any) => { c.source.branch = 'a//b'; }, 'source.branch', /"\/\/"/],
    ['branch name with "~"', (c: any) => { c.source.branch = 'main~1'; }, 'source.branch', /contains "~"/],
    ['branch name with "@{"', (c: any) => { c.source.branch = 'a@{b'; }, 'source.branch', /contains "@\{"/],
    ['branch name "@"', (c: any) => { c.source.branch = '@'; }, 'source.branch', /reserves/],
    ['branch name ending in "."', (c: any) => { c.source.branch = 'v1.'; }, 'source.branch', /ends with "\."/],
    ['branch part starting with "."', (c: any) => { c.source.branch = 'a/.b'; }, 'source.branch', /starting with "\."/],
    ['empty branch name', (c: any) => { c.source.branch = ''; }, 'source.branch', /is empty/],
    ['prod shares the dev account', (c: any) => { c.environments[2].account = '222222222222'; }, 'environments[2].account', /"allowSharedProdAccount": true in environments\[2\] \(the "prod" environment\)/],
    ['prod shares the test account', (c: any) => { c.environments[2].account = '333333333333'; }, 'environments[2].account', /"test"/],
    ['allowSharedProdAccount at the top level', (c: any) => { c.allowSharedProdAccount = true; }, 'allowSharedProdAccount', /is not a top-level key; .*"allowSharedProdAccount": true in environments\[i\]/],
    ['unknown key (typo)', (c: any) => { c.environments[0].regoins = ['us-east-1']; }, 'environments[0].regoins', /unknown key "regoins"; remove it or fix its spelling/],
    ['unknown top-level key', (c: any) => { c.notification = {}; }, 'notification', /unknown key/],
    ['empty tag value', (c: any) => { c.tags.Team = '  '; }, 'tags.Team', /must not be empty: give the Team tag a value, e\.g\./],
    ['missing tag value', (c: any) => { delete c.tags.CostCenter; }, 'tags.CostCenter', /is required: a string, the CostCenter tag value/],
    ['tag value as a number', (c: any) => { c.tags.Team = 5; }, 'tags.Team', /must be a string, the Team tag value on every resource, e\.g\. "platform"; got the number 5/],
    ['tags as a list', (c: any) => { c.tags = ['Team']; }, 'tags', /must be an object of tag values, e\.g\. \{ "Team": .*; got a list/],
    ['tag key with the aws: prefix', (c: any) => { c.tags['aws:owner'] = 'x'; }, 'tags.aws:owner', /starts with "aws:", which AWS reserves; rename it, e\.g\. "owner"/],
    ['tag key the pipeline sets', (c: any) => { c.tags.Environment = 'x'; }, 'tags.Environment', /is set by the pipeline itself \(Environment\); remove it from tags or rename it/],
    ['tag key in CDK\'s namespace', (c: any) => { c.tags['aws-cdk:subnet-name'] = 'x'; }, 'tags.aws-cdk:subnet-name', /starts with "aws-cdk:", which CDK uses for its own tags; rename it/],
    ['tag key the pipeline sets, other case', (c: any) => { c.tags.managedby = 'x'; }, 'tags.managedby', /set by the pipeline itself \(ManagedBy\)/],
    ['tag key with a character AWS refuses', (c: any) => { c.tags['Owner<x>'] = 'x'; }, 'tags.Owner<x>', /character AWS does not allow in tag keys; use letters, digits, spaces and _ \. : \/ = \+ - @/],
    ['tag value with a character AWS refuses', (c: any) => { c.tags.Owner = 'a;b'; }, 'tags.Owner', /character AWS does not allow in tag values/],
    ['too many tags', (c: any) => { for (let i = 0; i < MAX_CONFIG_TAGS - 2; i++) c.tags[`Extra${i}`] = 'x'; }, 'tags', /lists 45 tags; AWS allows 50 per resource and the pipeline and CDK set up to 6 themselves .* so keep at most 44/],
    ['duplicate environment name', (c: any) => { c.environments[1].name = 'dev'; }, 'environments[1].name', /already used/],
    ['environment name with capitals', (c: any) => { c.environments[0].name = 'Dev'; }, 'environments[0].name', /"Dev" is not a valid environment name; use 2-12 lowercase letters, digits or single hyphens.*"pre-prod"/],
    ['environment name ending in a hyphen', (c: any) => { c.environments[0].name = 'dev-'; }, 'environments[0].name', /not a valid environment name/],
    ['environment name with a double hyphen', (c: any) => { c.environments[0].name = 'pre--prod'; }, 'environments[0].name', /single hyphens/],
    ['no production environment', (c: any) => { c.environments[2].production = false; }, 'environments', /no production environment/],
    ['production as a string', (c: any) => { c.environments[2].production = 'true'; }, 'environments[2].production', /must be true or false \(production data rules\), without quotes; got the string "true"/],
    ['bad e-mail address', (c: any) => { c.notifications.emails = ['not-an-address']; }, 'notifications.emails[0]', /"not-an-address" is not an e-mail address; write it as "name@example\.com"/],
    ['no e-mail address', (c: any) => { c.notifications.emails = []; }, 'notifications.emails', /at least one address/],
    ['drift check more often than hourly', (c: any) => { c.driftDetection = { intervalHours: 0 }; }, 'driftDetection.intervalHours', /^driftDetection\.intervalHours: must be at least 1 hours; got the number 0$/],
    ['drift check less often than weekly', (c: any) => { c.driftDetection = { intervalHours: 200 }; }, 'driftDetection.intervalHours', /must be at most 168 hours; got the number 200/],
    ['drift interval as a string', (c: any) => { c.driftDetection = { intervalHours: '24' }; }, 'driftDetection.intervalHours', /must be a whole number of hours from 1 to 168, e\.g\. 1; got the string "24"/],
    ['drift interval in days', (c: any) => { c.driftDetection = { intervalDays: 1 }; }, 'driftDetection.intervalDays', /unknown key "intervalDays"; remove it or fix its spelling/],
    ['the same e-mail twice', (c: any) => { c.notifications.emails = ['a@example.com', 'b@example.com', 'A@example.com']; }, 'notifications.emails[2]', /"A@example\.com" is already listed as notifications\.emails\[0\]; list each address once/],
    ['memory that does not fit the CPU', (c: any) => { c.environments[2].sizing.memoryMiB = 256; }, 'environments[2].sizing.memoryMiB', /256 does not fit cpu 512; use 1024, 2048, 3072, 4096/],
    ['4 vCPU memory above 30 GiB', (c: any) => { Object.assign(c.environments[2].sizing, { cpu: 4096, memoryMiB: 31744 }); }, 'environments[2].sizing.memoryMiB', /does not fit cpu 4096; use 8192 to 30720 in steps of 1024/],
    ['8 vCPU memory off its 4 GiB step', (c: any) => { Object.assign(c.environments[2].sizing, { cpu: 8192, memoryMiB: 17408 }); }, 'environments[2].sizing.memoryMiB', /use 16384 to 61440 in steps of 4096/],
    ['16 vCPU memory off its 8 GiB step', (c: any) => { Object.assign(c.environments[2].sizing, { cpu: 16384, memoryMiB: 36864 }); }, 'environments[2].sizing.memoryMiB', /use 32768 to 122880 in steps of 8192/],
    ['a CPU size Fargate does not have', (c: any) => { c.environments[2].sizing.cpu = 3072; }, 'environments[2].sizing.cpu', /must be one of the Fargate CPU sizes 256, 512, 1024, 2048, 4096, 8192, 16384; got the number 3072/],
    ['CPU as a string', (c: any) => { c.environments[2].sizing.cpu = '512'; }, 'environments[2].sizing.cpu', /must be one of the Fargate CPU sizes .*; got the string "512"/],
    ['more NAT gateways than AZs', (c: any) => { c.environments[2].sizing.natGateways = 3; }, 'environments[2].sizing.natGateways', /\(3\) is more than maxAzs \(2\).*lower natGateways or raise maxAzs/],
    ['min above max capacity', (c: any) => { c.environments[0].sizing.minCapacity = 3; }, 'environments[0].sizing.minCapacity', /above maxCapacity/],
    ['desired outside min and max', (c: any) => { c.environments[2].sizing.desiredCount = 7; }, 'environments[2].sizing.desiredCount', /^environments\[2\]\.sizing\.desiredCount: \(7\) must lie between minCapacity \(2\) and maxCapacity \(6\)$/],
    ['database min above max capacity', (c: any) => { c.environments[2].sizing.dbMinCapacity = 16; }, 'environments[2].sizing.dbMinCapacity', /^environments\[2\]\.sizing\.dbMinCapacity: \(16\) is above dbMaxCapacity \(8\); lower it or raise dbMaxCapacity$/],
    ['sizing as a list', (c: any) => { c.environments[0].sizing = []; }, 'environments[0].sizing', /must be an object of sizing knobs, e\.g\. .*; got a list/],
    ['log retention CloudWatch refuses', (c: any) => { c.environments[0].sizing.logRetentionDays = 10; }, 'environments[0].sizing.logRetentionDays', /CloudWatch retention/],
    ['record name with a dot', (c: any) => { c.environments[0].domain = { zoneName: 'dev.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'api.dev' }; }, 'environments[0].domain.recordName', /"api\.dev" is not one DNS label; write a single name such as "api"/],
    ['hosted zone name instead of id', (c: any) => { c.environments[0].domain = { zoneName: 'dev.example.com', hostedZoneId: 'dev.example.com' }; }, 'environments[0].domain.hostedZoneId', /copy the id \(not the name\)/],
    ['owner/repo in the owner field', (c: any) => { c.source.owner = 'example-org/cdk-delivery-pipeline'; }, 'source.owner', /^source\.owner: "example-org\/cdk-delivery-pipeline" is not a GitHub owner name .*write "owner": "example-org" and "repo": "cdk-delivery-pipeline"/],
    ['owner/repo in the repo field', (c: any) => { c.source.repo = 'example-org/cdk-delivery-pipeline'; }, 'source.repo', /"example-org\/cdk-delivery-pipeline" is not a GitHub repository name .*write "owner": "example-org" and "repo": "cdk-delivery-pipeline"/],
    ['owner with a trailing hyphen', (c: any) => { c.source.owner = 'org-'; }, 'source.owner', /"org-" is not a GitHub owner name \(1-39 letters, digits or single hyphens\), e\.g\. "example-org"/],
    ['pipeline as a list', (c: any) => { c.pipeline = []; }, 'pipeline', /must be an object \{ "account": "111111111111", "region": "us-east-1" \}.*; got a list/],
    ['gates timeout as a string', (c: any) => { c.gates.ecrScanTimeoutMinutes = '15'; }, 'gates.ecrScanTimeoutMinutes', /must be a whole number of minutes from 1 to 60, e\.g\. 1; got the string "15"/],
    ['replication timeout of zero', (c: any) => { c.gates.replicationTimeoutMinutes = 0; }, 'gates.replicationTimeoutMinutes', /^gates\.replicationTimeoutMinutes: must be at least 1 minutes; got the number 0$/],
    ['a severity that does not exist', (c: any) => { c.gates.failOnSeverities = ['SEVERE']; }, 'gates.failOnSeverities[0]', /must be one of CRITICAL, HIGH, MEDIUM, LOW; got the string "SEVERE"/],
    ['rollout misspelled', (c: any) => { c.environments[2].rollout = 'serial'; }, 'environments[2].rollout', /must be "sequential" or "parallel"; got the string "serial"/],
  ])('%s', (_name, edit, field, message) => {
    const line = lineFor(edit, field);
    expect({ line }).toEqual({ line: expect.stringMatching(message) });
    expect(line).not.toMatch(RAW_ZOD);
  });

  test('a wrong type anywhere says what was expected and what it got, never raw validator text', () => {
    // Every leaf of the sample (and every object and list) replaced by a value of another type.
    const wrongFor = (v: unknown): unknown => (typeof v === 'string' ? 7 : typeof v === 'number' ? 'seven' : typeof v === 'boolean' ? 'yes' : Array.isArray(v) ? { a: 1 } : []);
    const fields: string[] = [];
    const walk = (v: unknown, at: string): void => {
      if (at) fields.push(at);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
      else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
    };
    walk(sample(), '');
    expect(fields.length).toBeGreaterThan(60);
    for (const field of fields) {
      const c = sample();
      const value = field.replace(/\[(\d+)\]/g, '.$1').split('.').reduce((o: any, k) => o[k], c);
      setAt(c, field, wrongFor(value));
      const problems = problemsOf((x) => Object.assign(x, c));
      const line = problems.find((p) => p.startsWith(`${field}: `));
      expect({ field, problems, line }).toEqual({ field, problems, line: expect.stringMatching(/: must be .*(e\.g\.|\{|one of|true or false|"sequential").*; got /) });
      for (const p of problems) expect({ field, p }).toEqual({ field, p: expect.not.stringMatching(RAW_ZOD) });
    }
  });

  test('an empty object names every missing field as required, with an example', () => {
    const problems = problemsOf((c) => { for (const k of Object.keys(c)) delete c[k]; });
    expect(problems.sort()).toEqual([
      expect.stringMatching(/^environments: is required: a list of environments/),
      expect.stringMatching(/^notifications: is required: an object \{ "emails"/),
      expect.stringMatching(/^pipeline: is required: an object \{ "account"/),
      expect.stringMatching(/^source: is required: an object \{ "owner", "repo"/),
      expect.stringMatching(/^tags: is required: an object of tag values/),
    ]);
  });

  test('a config that is not an object says so', () => {
    expect(() => parseConfig([], 'list.json')).toThrow(/\(root\): must be an object with "pipeline", "source", .*; got a list/);
  });

  test('sharing the prod account is allowed only when said on that environment', () => {
    const c = sample();
    c.environments[2].account = '222222222222';
    c.environments[2].allowSharedProdAccount = true;
    expect(() => parseConfig(c)).not.toThrow();
  });

  test('every problem is listed at once', () => {
    const problems = problemsOf((c) => {
      c.pipeline.account = '1';
      c.environments[1].regions = ['mars-1'];
      c.environments[2].requireApproval = false;
      c.tags.Team = '';
      c.tags['aws:x'] = 'y';
      c.notifications.emails = ['a@example.com', 'a@example.com'];
    });
    expect(problems.map((p) => p.split(': ')[0]).sort()).toEqual([
      'environments[1].regions[0]', 'environments[2].requireApproval', 'notifications.emails[1]', 'pipeline.account', 'tags.Team', 'tags.aws:x',
    ]);
  });

  test('a missing file names the fix', () => {
    expect(() => loadConfig('/nonexistent/delivery.json')).toThrow(/cannot read .*DELIVERY_CONFIG=/);
  });

  test.each([
    ['a trailing comma', '{\n  "pipeline": {\n    "account": "1",\n  }\n}', /not valid JSON at line 4, column 3 \("}"\); fix the syntax there/],
    ['a missing comma', '{\n  "a": 1\n  "b": 2\n}', /not valid JSON at line 3, column 3 \("\\""\)/],
    ['an unquoted value', '{ "a": x }', /not valid JSON at line 1, column 8 \("x"\)/],
    ['a cut-off file', '{ "pipeline": ', /not valid JSON at the end \(line 1, column 15\): the text stops before the JSON is complete/],
    ['a bad escape', '{ "a": "x\\q" }', /line 1, column 11/],
  ])('JSON with %s is reported as line and column', (_name, text, message) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    fs.writeFileSync(path.join(dir, 'bad.json'), text);
    expect(() => loadConfig(path.join(dir, 'bad.json'))).toThrow(message);
  });

  test('a UTF-8 byte order mark is accepted', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    fs.writeFileSync(path.join(dir, 'bom.json'), `\uFEFF${fs.readFileSync(SAMPLE_CONFIG_PATH, 'utf8')}`);
    expect(loadConfig(path.join(dir, 'bom.json')).pipeline.account).toBe('111111111111');
  });
});

describe('valid configs are accepted', () => {
  const accepts = (edit: (c: any) => void) => {
    const c = sample();
    edit(c);
    return parseConfig(c, 'edited.json');
  };

  test.each(Object.entries(FARGATE_MEMORY).flatMap(([cpu, mems]) => mems.map((m) => [Number(cpu), m])))('Fargate cpu %i with %i MiB', (cpu, memoryMiB) => {
    expect(accepts((c) => Object.assign(c.environments[2].sizing, { cpu, memoryMiB })).environments[2].sizing).toMatchObject({ cpu, memoryMiB });
  });

  test('the Fargate table is the one AWS documents', () => {
    // AWS ECS task-size table: 4 vCPU 8-30 GiB in 1 GiB steps, 8 vCPU 16-60 GiB in 4 GiB steps,
    // 16 vCPU 32-120 GiB in 8 GiB steps.
    const span = (m: readonly number[]) => [m[0], m[m.length - 1], m.length];
    expect(Object.keys(FARGATE_MEMORY).map(Number)).toEqual([256, 512, 1024, 2048, 4096, 8192, 16384]);
    expect(FARGATE_MEMORY[256]).toEqual([512, 1024, 2048]);
    expect(FARGATE_MEMORY[512]).toEqual([1024, 2048, 3072, 4096]);
    expect(span(FARGATE_MEMORY[1024])).toEqual([2048, 8192, 7]);
    expect(span(FARGATE_MEMORY[2048])).toEqual([4096, 16384, 13]);
    expect(span(FARGATE_MEMORY[4096])).toEqual([8192, 30720, 23]);
    expect(span(FARGATE_MEMORY[8192])).toEqual([16384, 61440, 12]);
    expect(span(FARGATE_MEMORY[16384])).toEqual([32768, 122880, 12]);
  });

  test('organisation tags within AWS limits', () => {
    const tags = accepts((c) => {
      c.tags.Owner = 'alice@example.com';
      c.tags.Project = 'payments';
      c.tags['org:data-class'] = 'internal';
      c.tags.Empty = '';
      c.tags['k'.repeat(128)] = 'v'.repeat(256);
      c.tags['Clé Café'] = 'été';
      for (let i = 0; Object.keys(c.tags).length < MAX_CONFIG_TAGS; i++) c.tags[`Extra${i}`] = 'x';
    }).tags;
    expect(Object.keys(tags)).toHaveLength(MAX_CONFIG_TAGS);
    expect(tags).toMatchObject({ Team: 'platform', Owner: 'alice@example.com', Empty: '' });
  });

  test.each(['pre-prod', 'qa2', 'ab', 'staging-eu-1', 'abcdefghijkl'])('environment name %s', (name) => {
    expect(accepts((c) => { c.environments[1].name = name; }).environments[1].name).toBe(name);
  });

  test.each(['release/1.2', 'feature/x-y', 'v1.0_rc', 'dependabot/npm_and_yarn/zod-4.1', 'a@b', 'UPPER'])('branch name %s', (branch) => {
    expect(accepts((c) => { c.source.branch = branch; }).source.branch).toBe(branch);
  });

  test('prod in another partition than a test region is fine when the pipeline is there too', () => {
    const cfg = accepts((c) => {
      c.pipeline.region = 'us-gov-west-1';
      c.source.connectionArn = c.source.connectionArn.replace('arn:aws:', 'arn:aws-us-gov:').replace('us-east-1', 'us-gov-west-1');
      // One region each: the sample's prod is then no longer global (that needs two regions).
      for (const e of c.environments) Object.assign(e, { regions: ['us-gov-west-1'], primaryRegion: undefined, resilience: undefined });
    });
    expect(cfg.environments.map((e) => e.regions)).toEqual([['us-gov-west-1'], ['us-gov-west-1'], ['us-gov-west-1']]);
  });

  test('several production environments, all after the non-production ones', () => {
    expect(() => accepts((c) => { c.environments.push({ ...c.environments[2], name: 'prod-eu', account: '555555555555' }); })).not.toThrow();
  });

  test('NAT gateways up to the number of AZs', () => {
    expect(accepts((c) => Object.assign(c.environments[2].sizing, { natGateways: 3, maxAzs: 3 })).environments[2].sizing.natGateways).toBe(3);
  });
});

describe('config warnings (synth and doctor print them and continue)', () => {
  test('a connection in another account than the pipeline is a warning naming the field and the fix', () => {
    const c = sample();
    c.source.connectionArn = c.source.connectionArn.replace(':111111111111:', ':999999999999:');
    expect(configWarnings(parseConfig(c))).toEqual([
      expect.stringMatching(/^source\.connectionArn: the connection is in account 999999999999, not the pipeline account 111111111111; .*create the connection in the pipeline account/),
    ]);
  });

  test('bakeMinutes defaults to 10 minutes and 0 turns the bake off', () => {
    expect(loadConfig().environments.map((e) => e.bakeMinutes)).toEqual([10, 10, 10]);
    const c = sample();
    c.environments[2].bakeMinutes = 0;
    expect(parseConfig(c).environments[2].bakeMinutes).toBe(0);
  });

  test('a production environment that rolls out region by region without a bake is warned about', () => {
    const c = sample();
    c.environments[2].bakeMinutes = 0;
    expect(configWarnings(parseConfig(c))).toEqual([
      expect.stringMatching(/^environments\[2\]\.bakeMinutes: 0 turns the bake off, so prod's next region starts right after .*set e\.g\. 10/),
    ]);
    // In parallel there is no next region to bake before (a global environment cannot roll out in parallel).
    c.environments[2].rollout = 'parallel';
    c.environments[2].resilience = 'independent';
    expect(configWarnings(parseConfig(c))).toEqual([]);
  });

  test('the sample has none', () => {
    expect(configWarnings(loadConfig())).toEqual([]);
  });
});

describe('the app with a bad config', () => {
  const root = REPO_ROOT;

  test('exits non-zero with the list, no stack trace, nothing synthesized', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'badcfg-'));
    const c = sample();
    c.environments[0].account = '2222';
    c.environments[2].requireApproval = false;
    // Once crashed synth with "A subscription with id ... already exists" and a stack trace.
    c.notifications.emails = ['team@example.com', 'team@example.com'];
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
    expect(run.stderr).toMatch(/notifications\.emails\[1\]: "team@example\.com" is already listed as notifications\.emails\[0\]/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);
  });

  test('`npx projen synth` with a refused config leaves the previous cdk.out byte-identical', () => {
    // The real synth task (.projen/tasks.json) in a scratch copy of the repository's layout,
    // so that a regression cannot clobber the cdk.out other tests read.
    const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-keep-'));
    for (const entry of ['.projen', 'node_modules', 'src', 'config', 'package.json', 'cdk.context.json', 'cdk.json', 'tsconfig.json']) {
      fs.symlinkSync(path.join(root, entry), path.join(sandbox, entry));
    }
    const previous = path.join(sandbox, 'cdk.out');
    fs.mkdirSync(path.join(previous, 'assembly-x'), { recursive: true });
    fs.writeFileSync(path.join(previous, 'manifest.json'), '{"version":"53.0.0"}\n');
    fs.writeFileSync(path.join(previous, 'assembly-x', 'x.template.json'), '{"Resources":{}}\n');
    const snapshot = () => fs.readdirSync(previous, { recursive: true, encoding: 'utf8' }).sort()
      .map((f) => [f, fs.statSync(path.join(previous, f)).isFile() ? fs.readFileSync(path.join(previous, f), 'base64') : 'dir']);
    const before = snapshot();
    const c = sample();
    c.source.branch = 'my branch';
    fs.writeFileSync(path.join(sandbox, 'bad.json'), JSON.stringify(c));

    const run = spawnSync('npx', ['projen', 'synth'], {
      cwd: sandbox,
      encoding: 'utf8',
      env: { ...process.env, DELIVERY_CONFIG: 'bad.json' },
    });
    expect(run.stderr).toContain('source.branch: "my branch" is not a branch name git accepts');
    expect(run.status).not.toBe(0);
    expect(snapshot()).toEqual(before);
  }, 120_000);
});

describe('docs/config-rules.md lists every rule', () => {
  test('every field of the schema appears in the table of docs/config-rules.md', () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'config-rules.md'), 'utf8');
    const section = /<!-- config-rules:start -->\n([\s\S]*?)\n<!-- config-rules:end -->/.exec(doc)?.[1] ?? '';
    const keys = new Set<string>();
    const walk = (schema: any): void => {
      const def = schema?._zod?.def ?? schema?.def;
      if (!def) return;
      if (def.type === 'object') {
        for (const [key, inner] of Object.entries(def.shape)) {
          keys.add(key);
          walk(inner);
        }
      } else if (def.type === 'default' || def.type === 'optional') {walk(def.innerType);} else if (def.type === 'array') {walk(def.element);} else if (def.type === 'pipe') {walk(def.in);}
    };
    walk(deliveryConfigSchema);
    expect(keys.size).toBeGreaterThan(35);
    const missing = [...keys].filter((k) => !new RegExp(`\`[^\`\\n]*\\b${k}\\b[^\`\\n]*\``).test(section));
    expect(missing).toEqual([]);
  });
});
