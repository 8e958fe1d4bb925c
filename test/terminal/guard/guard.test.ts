import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findTemplates, renderGuardFailures, renderGuardReport, runGuard } from '../../../src/terminal/guard/guard';

/** An S3 bucket with nothing set: server access logging (CT.S3.PR.2) and more fail. */
const bareBucket = (metadata?: object) => ({
  Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: {}, ...(metadata ? { Metadata: metadata } : {}) } },
});

describe('Control Tower guard rules (bundled cfn-guard)', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-'));
    fs.mkdirSync(path.join(dir, 'assembly-Stage'));
    fs.writeFileSync(path.join(dir, 'assembly-Stage', 'Violating.template.json'), JSON.stringify(bareBucket()));
    fs.writeFileSync(path.join(dir, 'Suppressed.template.json'), JSON.stringify(bareBucket({
      guard: {
        SuppressedRules: ['s3_bucket_logging_enabled_check'],
        Reasons: { s3_bucket_logging_enabled_check: 'This test bucket stands in for the documented access-log bucket exception.' },
      },
    })));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('finds templates in nested stage assemblies too', () => {
    expect(findTemplates(dir).map((t) => path.relative(dir, t))).toEqual([
      'Suppressed.template.json',
      path.join('assembly-Stage', 'Violating.template.json'),
    ]);
  });

  test('a known violation fails; the same rule suppressed on a resource is reported with its reason', () => {
    const result = runGuard(findTemplates(dir), dir);
    const logging = (f: { rule: string }) => f.rule === 's3_bucket_logging_enabled_check';
    expect(result.failures.filter(logging).map((f) => [f.control, f.template, f.logicalId])).toEqual([
      ['CT.S3.PR.2', path.join('assembly-Stage', 'Violating.template.json'), 'Bucket'],
    ]);
    expect(result.suppressed.filter(logging).map((f) => [f.template, f.reason])).toEqual([
      ['Suppressed.template.json', 'This test bucket stands in for the documented access-log bucket exception.'],
    ]);
    // Suppressing one rule does not hide the others on that resource.
    expect(result.failures.some((f) => f.template === 'Suppressed.template.json')).toBe(true);
    expect(renderGuardFailures(result)).toContain('[CT.S3.PR.2] s3_bucket_logging_enabled_check on assembly-Stage');
    expect(renderGuardReport(result)).toContain('documented access-log bucket exception');
  }, 60_000);
});
