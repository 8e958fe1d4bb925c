import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly } from '../../support/sample-assembly';

/**
 * Retained resources with a fixed physical name: after a failed first create, or a deliberate
 * teardown, a retained resource stays behind, and if its name is fixed the next create of the
 * stack fails on "already exists". This audits every template of the sample app (each stage's
 * stacks, the pipeline stack, the cross-region support stack, the image region stack).
 *
 * A retained resource is one whose DeletionPolicy keeps it in place (Retain, RetainExceptOnCreate).
 * Snapshot keeps a snapshot with a generated name and deletes the resource, so a fixed
 * identifier (the regional Aurora clusters of a global environment) is free again after a
 * failed create or a teardown. Its name is fixed when the physical-name property is set and refers to no
 * resource of the template and not to the stack id (so it is the same on every create).
 */

/** The physical-name property of each retained resource type (null: the type has none). */
const PHYSICAL_NAME: Record<string, string | null> = {
  'AWS::KMS::Key': null,
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::RDS::DBCluster': 'DBClusterIdentifier',
  'AWS::RDS::GlobalCluster': 'GlobalClusterIdentifier',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::Logs::LogStream': 'LogStreamName',
};

/**
 * The reviewed list: `<stack>/<logical id>`. Each is RetainExceptOnCreate (a failed first
 * create deletes it, so the retry needs no hand work) and RUNBOOKS.md has the command that
 * removes it before a deliberate re-create (RUNBOOKS.md "Retained resources that block a re-create"
 * under "A stack is stuck after a failed deploy").
 */
const REVIEWED = [
  'DeliveryPipeline/ImagesRepository2D0F5B9C',
  'DeliveryPipeline-support-us-east-2/CrossRegionCodePipelineReplicationBucketFC3227F2',
  'prod-us-east-1-Platform/EdgeWafLogGroup9A312840',
  'prod-us-east-2-Platform/EdgeWafLogGroup9A312840',
  // The global database of prod (src/synth/workload/global-database.ts): names the other region derives.
  'prod-us-east-1-Platform/DataGlobalCluster7DB3A917',
  'prod-us-east-1-Platform/DataDatabaseSecret0CD5E47D',
  'prod-us-east-1-Platform/DataPostgresLogGroupF58F0D50',
  'prod-us-east-2-Platform/DataPostgresLogGroupF58F0D50',
  // The copy of each prod region's audit bucket in the other region (src/synth/audit/audit-replica-stack.ts):
  // its name is what the source region's replication rule names.
  'prod-us-east-1-AuditReplica-us-east-2/Bucket83908E77',
  'prod-us-east-2-AuditReplica-us-east-1/Bucket83908E77',
];

/** Whether a template value is the same on every create: no Ref/GetAtt to a resource, no stack id. */
function fixedValue(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) return value.every(fixedValue);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [[fn, arg]] = entries;
    if (fn === 'Fn::GetAtt') return false;
    if (fn === 'Ref') return typeof arg === 'string' && arg.startsWith('AWS::') && arg !== 'AWS::StackId';
  }
  return entries.every(([, v]) => fixedValue(v));
}

describe('retained resources with a fixed physical name', () => {
  let found: Array<{ id: string; type: string; name: unknown; deletionPolicy: string }>;
  beforeAll(() => {
    const sample = sampleAssembly();
    const stacks = [sample.pipeline, ...sample.supportStacks, ...sample.imageRegionStacks, ...sample.stages.flatMap((s) => Object.values(s.stacks))];
    expect(stacks.length).toBe(3 + 5 * 3 + 2);
    found = [];
    for (const stack of stacks) {
      for (const [logicalId, r] of Object.entries<any>(stack.template.Resources)) {
        if (!['Retain', 'RetainExceptOnCreate'].includes(r.DeletionPolicy)) continue;
        if (!(r.Type in PHYSICAL_NAME)) throw new Error(`${stack.stackName}/${logicalId}: retained ${r.Type} is not in PHYSICAL_NAME; add its physical-name property (or null)`);
        const prop = PHYSICAL_NAME[r.Type];
        const name = prop ? r.Properties?.[prop] : undefined;
        if (name !== undefined && fixedValue(name)) {
          found.push({ id: `${stack.stackName}/${logicalId}`, type: r.Type, name, deletionPolicy: r.DeletionPolicy });
        }
      }
    }
  });

  test('are exactly the reviewed ones (a new one must be reviewed: unique name, or a policy and a runbook command)', () => {
    expect(found.map((f) => f.id).sort()).toEqual([...REVIEWED].sort());
  });

  test('each is deleted when its first create fails (RetainExceptOnCreate), so a failed first create can simply be retried', () => {
    for (const f of found) expect({ id: f.id, deletionPolicy: f.deletionPolicy }).toEqual({ id: f.id, deletionPolicy: 'RetainExceptOnCreate' });
  });

  test('README.md "Security model" names each of them', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const paragraph = /\*\*Retained data and re-creates\*\*([\s\S]*?)\n- \*\*/.exec(readme)![1].replace(/\s*\n\s*/g, ' ');
    // A name as the README writes it: the sample's values as placeholders; the bucket's name is CDK's, so by what it is.
    const written = (f: { type: string; name: unknown }) => (f.type === 'AWS::S3::Bucket' ? 'the cross-region replication bucket'
      : `\`${String(f.name).replace(/cdk-delivery-pipeline/g, '<pipeline>').replace(/transactions/g, '<app>').replace(/-prod-/g, '-<env>-').replace(/us-east-[12]/g, '<region>')}\``);
    const missing = [...new Set(found.map(written))].filter((w) => !paragraph.includes(w));
    expect(missing).toEqual([]);
  });

  test('RUNBOOKS.md has the command that removes each before a deliberate re-create', () => {
    const runbook = fs.readFileSync(path.join(REPO_ROOT, 'RUNBOOKS.md'), 'utf8');
    const commands: Record<string, RegExp> = {
      'AWS::Logs::LogGroup': /aws logs delete-log-group --log-group-name aws-waf-logs-[\s\S]*aws logs delete-log-group --log-group-name \/aws\/rds\/cluster\//,
      'AWS::SecretsManager::Secret': /aws secretsmanager delete-secret --secret-id <app>-<env>-global\/credentials --force-delete-without-recovery/,
      'AWS::RDS::GlobalCluster': /aws rds delete-global-cluster --global-cluster-identifier <app>-<env>-global/,
      'AWS::ECR::Repository': /aws ecr delete-repository --repository-name /,
      'AWS::S3::Bucket': /aws s3api delete-bucket --bucket /,
    };
    for (const f of found) expect({ id: f.id, documented: commands[f.type]?.test(runbook) ?? false }).toEqual({ id: f.id, documented: true });
  });
});
