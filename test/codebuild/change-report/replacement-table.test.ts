import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { propertyReplacement, STATEFUL_REPLACEMENT_TABLE } from '../../../src/codebuild/change-report/replacement-table';
import { REPO_ROOT } from '../../support/repo-root';

const SPEC_DB = path.join(REPO_ROOT, 'node_modules', '@aws-cdk', 'aws-service-spec', 'db.json.gz');

test('lookups: always, conditional, no, and not-assessed for types outside the table', () => {
  expect(propertyReplacement('AWS::RDS::DBCluster', 'StorageEncrypted')).toBe('yes');
  expect(propertyReplacement('AWS::RDS::DBCluster', 'Engine')).toBe('conditional');
  expect(propertyReplacement('AWS::RDS::DBCluster', 'BackupRetentionPeriod')).toBe('no');
  expect(propertyReplacement('AWS::S3::Bucket', 'BucketName')).toBe('yes');
  expect(propertyReplacement('AWS::Lambda::Function', 'FunctionName')).toBe('not-assessed');
});

// The table is copied from the CloudFormation resource reference as packaged in
// @aws-cdk/aws-service-spec (a transitive dev dependency). When that database is installed,
// the table must match it exactly, so a stale table fails here instead of under-reporting.
const maybe = fs.existsSync(SPEC_DB) ? test : test.skip;
maybe('matches "Update requires: Replacement" in @aws-cdk/aws-service-spec', () => {
  const db = JSON.parse(zlib.gunzipSync(fs.readFileSync(SPEC_DB)).toString('utf8'));
  const resources: any[] = Object.values(db.schema.resource.entities);
  for (const [type, rule] of Object.entries(STATEFUL_REPLACEMENT_TABLE)) {
    const spec = resources.find((r) => r.cloudFormationType === type);
    expect(spec).toBeDefined();
    const entries = Object.entries<any>(spec.properties);
    const always = entries.filter(([, p]) => p.causesReplacement === 'yes').map(([k]) => k).sort();
    const conditional = entries.filter(([, p]) => p.causesReplacement === 'maybe').map(([k]) => k).sort();
    expect({ type, always: [...rule.always].sort(), conditional: [...rule.conditional].sort() }).toEqual({ type, always, conditional });
  }
});
