import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { PolicyViolationBeta1 } from 'aws-cdk-lib';
import { runGuard } from '../../../src/terminal/guard/guard';
import { cachedViolations, GuardRunInputs, guardRunKey } from '../../../src/terminal/guard/guard-cache';

/** A scratch binary, rule directory and two templates: the key only reads their bytes. */
function scratch(): GuardRunInputs & { dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-cache-'));
  fs.writeFileSync(path.join(dir, 'cfn-guard'), 'binary v1');
  fs.mkdirSync(path.join(dir, 'rules', 's3'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'rules', 's3', 'ct-s3-pr-1.guard'), 'rule one');
  fs.writeFileSync(path.join(dir, 'rules', 's3', 'ct-s3-pr-2.guard'), 'rule two');
  fs.writeFileSync(path.join(dir, 'A.template.json'), '{"Resources":{}}');
  fs.writeFileSync(path.join(dir, 'B.template.json'), '{"Resources":{}}');
  return {
    dir,
    binary: path.join(dir, 'cfn-guard'),
    rulesDir: path.join(dir, 'rules'),
    disabledRules: ['ct-s3-pr-2'],
    templates: [path.join(dir, 'A.template.json')],
  };
}

const violation = (rule: string): PolicyViolationBeta1 => ({
  ruleName: rule,
  description: `[CT.S3.PR.1]: ${rule}`,
  violatingResources: [{ resourceLogicalId: 'Bucket', templatePath: '/x/A.template.json', locations: ['Properties'] }],
});

describe('the key of a cfn-guard run', () => {
  test('changes with every input that decides the findings, and only with them', () => {
    const inputs = scratch();
    const key = guardRunKey(inputs);
    expect(guardRunKey({ ...inputs })).toBe(key);
    // The order of the rules left out does not decide anything.
    expect(guardRunKey({ ...inputs, disabledRules: ['ct-s3-pr-2', 'ct-s3-pr-3'] }))
      .toBe(guardRunKey({ ...inputs, disabledRules: ['ct-s3-pr-3', 'ct-s3-pr-2'] }));

    expect(guardRunKey({ ...inputs, disabledRules: [] })).not.toBe(key);
    // Same content, another path: the findings name the path.
    expect(guardRunKey({ ...inputs, templates: [path.join(inputs.dir, 'B.template.json')] })).not.toBe(key);
    expect(guardRunKey({ ...inputs, templates: [...inputs.templates, path.join(inputs.dir, 'B.template.json')] })).not.toBe(key);

    fs.writeFileSync(inputs.templates[0], '{"Resources":{"Bucket":{"Type":"AWS::S3::Bucket"}}}');
    const afterTemplate = guardRunKey(inputs);
    expect(afterTemplate).not.toBe(key);

    // A rule file changed or added (the binary and rule hashes are read once per process, so
    // a fresh path stands for a changed directory here).
    const rules2 = path.join(inputs.dir, 'rules2');
    fs.cpSync(inputs.rulesDir, rules2, { recursive: true });
    expect(guardRunKey({ ...inputs, rulesDir: rules2 })).toBe(afterTemplate);
    const rules3 = path.join(inputs.dir, 'rules3');
    fs.cpSync(inputs.rulesDir, rules3, { recursive: true });
    fs.writeFileSync(path.join(rules3, 's3', 'ct-s3-pr-1.guard'), 'rule one, changed');
    expect(guardRunKey({ ...inputs, rulesDir: rules3 })).not.toBe(afterTemplate);
    const rules4 = path.join(inputs.dir, 'rules4');
    fs.cpSync(inputs.rulesDir, rules4, { recursive: true });
    fs.writeFileSync(path.join(rules4, 's3', 'ct-s3-pr-3.guard'), 'rule three');
    expect(guardRunKey({ ...inputs, rulesDir: rules4 })).not.toBe(afterTemplate);

    const binary2 = path.join(inputs.dir, 'cfn-guard-2');
    fs.writeFileSync(binary2, 'binary v2');
    expect(guardRunKey({ ...inputs, binary: binary2 })).not.toBe(afterTemplate);
  });
});

describe('cachedViolations', () => {
  test('runs once for the same inputs, again when a template changes, and reads back exactly what it stored', () => {
    const inputs = scratch();
    const cacheDir = path.join(inputs.dir, 'cache');
    const run = jest.fn(() => [violation('s3_bucket_logging_enabled_check')]);

    const first = cachedViolations(cacheDir, inputs, run);
    const second = cachedViolations(cacheDir, inputs, run);
    expect(run).toHaveBeenCalledTimes(1);
    expect([first.fromCache, second.fromCache]).toEqual([false, true]);
    expect(second.violations).toEqual(first.violations);

    fs.appendFileSync(inputs.templates[0], '\n');
    expect(cachedViolations(cacheDir, inputs, run).fromCache).toBe(false);
    expect(run).toHaveBeenCalledTimes(2);
    // No temporary files are left beside the entries.
    expect(fs.readdirSync(cacheDir).filter((f) => !/^[0-9a-f]{64}\.json$/.test(f))).toEqual([]);
  });

  test('an entry that cannot be read is a miss, and is replaced by a real run', () => {
    const inputs = scratch();
    const cacheDir = path.join(inputs.dir, 'cache');
    fs.mkdirSync(cacheDir);
    fs.writeFileSync(path.join(cacheDir, `${guardRunKey(inputs)}.json`), '{"half": ');
    const run = jest.fn(() => [violation('rule_a')]);
    expect(cachedViolations(cacheDir, inputs, run)).toEqual({ violations: [violation('rule_a')], fromCache: false });
    expect(cachedViolations(cacheDir, inputs, run)).toEqual({ violations: [violation('rule_a')], fromCache: true });
    expect(run).toHaveBeenCalledTimes(1);
  });

  test('entries untouched for a week go when a new one is written; a read keeps an entry fresh', () => {
    const inputs = scratch();
    const cacheDir = path.join(inputs.dir, 'cache');
    fs.mkdirSync(cacheDir);
    const old = path.join(cacheDir, `${'0'.repeat(64)}.json`);
    fs.writeFileSync(old, '[]');
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 60 * 60 * 1000);
    fs.utimesSync(old, eightDaysAgo, eightDaysAgo);
    cachedViolations(cacheDir, inputs, () => []);
    expect(fs.existsSync(old)).toBe(false);

    const entry = path.join(cacheDir, `${guardRunKey(inputs)}.json`);
    fs.utimesSync(entry, eightDaysAgo, eightDaysAgo);
    cachedViolations(cacheDir, inputs, () => { throw new Error('not a hit'); });
    expect(Date.now() - fs.statSync(entry).mtimeMs).toBeLessThan(60_000);
  });
});

describe('runGuard with a cache (the real cfn-guard)', () => {
  test('the second run reads every cfn-guard run from the cache and reports exactly what the first found; a changed template runs again', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-cached-'));
    const template = path.join(dir, 'Bucket.template.json');
    fs.writeFileSync(template, JSON.stringify({ Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: {} } } }));
    const cacheDir = path.join(dir, 'cache');

    const uncached = runGuard([template], dir);
    const first = runGuard([template], dir, { cacheDir });
    const second = runGuard([template], dir, { cacheDir });
    expect(uncached.cache).toBeUndefined();
    expect(first.cache).toEqual({ hits: 0, misses: 1 });
    expect(second.cache).toEqual({ hits: 1, misses: 0 });
    const findings = (r: typeof first) => ({ failures: r.failures, suppressed: r.suppressed });
    expect(findings(first)).toEqual(findings(uncached));
    expect(findings(second)).toEqual(findings(uncached));
    expect(uncached.failures.map((f) => f.rule)).toContain('s3_bucket_logging_enabled_check');

    // Logging turned on: a new key, a real run, and that finding is gone.
    fs.writeFileSync(template, JSON.stringify({ Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { LoggingConfiguration: { DestinationBucketName: 'logs' } } } } }));
    const third = runGuard([template], dir, { cacheDir });
    expect(third.cache).toEqual({ hits: 0, misses: 1 });
    expect(third.failures.map((f) => f.rule)).not.toContain('s3_bucket_logging_enabled_check');
  }, 60_000);
});
