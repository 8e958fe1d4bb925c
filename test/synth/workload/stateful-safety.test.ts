import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildStage, identityStatements, resources, sampleEnvironment } from './support';
import { deploymentOf } from '../../../src/config/deployment';
import { issuerRegionOf } from '../../../src/config/issuer';
import { regionRoleOf } from '../../../src/config/resilience';
import { ServiceStage } from '../../../src/synth/workload/service-stage';
import { testApp } from '../../support/test-app';

/**
 * Resource types whose replacement loses data or breaks what depends on them. A replaced user
 * pool or app client gives every API client a new `client_id` (new credentials, and a client's
 * transactions belong to its id: app/README.md "Who owns what").
 */
const STATEFUL_TYPES = [
  'AWS::EC2::VPC', 'AWS::KMS::Key', 'AWS::Logs::LogGroup', 'AWS::RDS::DBCluster', 'AWS::RDS::DBInstance',
  'AWS::S3::Bucket', 'AWS::SecretsManager::Secret', 'AWS::RDS::GlobalCluster', 'AWS::Cognito::UserPool', 'AWS::Cognito::UserPoolClient',
];

/**
 * The pinned logical ids. A refactor that moves or renames one of these constructs makes
 * CloudFormation replace the resource (a new, empty database, key or bucket): this list must
 * then be changed on purpose, in review, together with a migration plan.
 */
const PINNED: Record<string, Record<string, string[]>> = {
  Platform: {
    'AWS::EC2::VPC': ['NetworkVpc7FB7348F'],
    'AWS::KMS::Key': ['DataLogsKey7257A99D', 'DataSecretKeyEF28AA18', 'DataStorageKeyAA41ACAE', 'EdgeLogsKey203ADF6E', 'NetworkLogsKey573F0F74'],
    'AWS::Logs::LogGroup': ['DataPostgresLogGroupF58F0D50', 'EdgeWafLogGroup9A312840', 'NetworkFlowLogGroup4F8CEEEF'],
    'AWS::RDS::DBCluster': ['DataCluster9E8A15F8'],
    // dev has no reader (sizing.dbReaders 0), prod one, a global secondary none: see `expectedFor` below.
    'AWS::RDS::DBInstance': ['DataClusterReader14367E46C', 'DataClusterWriterC5A92BD5'],
    'AWS::S3::Bucket': ['EdgeAccessLogsBucket54A0DE54'],
    'AWS::SecretsManager::Secret': ['DataDatabaseSecret0CD5E47D'],
    // Only in the primary region of a global environment: see `expectedFor`.
    'AWS::RDS::GlobalCluster': ['DataGlobalCluster7DB3A917'],
  },
  Service: {
    'AWS::KMS::Key': ['LogsKeyA6AB43B2', 'MonitoringTopicKey423AF5B2'],
    'AWS::Logs::LogGroup': ['ChecksTokenLogGroup4ED2F20B', 'LogGroupF5B46931'],
  },
};

/** What the environment's issuer region adds (issue 32): the token issuer, its secret, keys and rotation logs. */
const ISSUER: Record<string, Record<string, string[]>> = {
  Platform: {
    'AWS::Cognito::UserPool': ['IssuerUserPool9A153E3A'],
    'AWS::Cognito::UserPoolClient': ['IssuerUserPoolChecksClientF56CD2CE'],
    'AWS::KMS::Key': ['IssuerRotationLogsKey0F629CD5', 'IssuerSecretKeyC26A15CB'],
    'AWS::Logs::LogGroup': ['IssuerRotationLogGroup88848926'],
    'AWS::SecretsManager::Secret': ['IssuerChecksClientSecret99E85625'],
  },
};

/** What a progressive deployment strategy adds (prod's default): the pre-traffic hook's key and logs. */
const PROGRESSIVE: Record<string, Record<string, string[]>> = {
  Service: {
    'AWS::KMS::Key': ['PreTrafficHookLogsKey80BE8725'],
    'AWS::Logs::LogGroup': ['PreTrafficHookLogGroupDEB70F7E'],
  },
};

/**
 * What a production stage's audit tier adds to its Service stack (test/synth/audit/): the audit
 * key and bucket, the bucket's access-log bucket, Firehose's error log group, and where the
 * stage holds the project's trail (the primary region), the trail's log group.
 */
const AUDIT: Record<string, Record<string, string[]>> = {
  Service: {
    'AWS::KMS::Key': ['AuditKey2ED08D30'],
    'AWS::Logs::LogGroup': ['AuditTransactionRecordsErrorLogGroupC50DAB9A'],
    'AWS::S3::Bucket': ['AuditBucket7486E833', 'ServerAccessLogsB54ADC66'],
  },
};
const AUDIT_TRAIL_LOG_GROUP = 'AuditTrailLogGroup259ED61C';

function expectedFor(
  stackId: string, dbReaders: number, role: 'primary' | 'secondary' | 'independent', progressive: boolean, audit: { production: boolean; trail: boolean }, issuerRegion = true,
): Record<string, string[]> {
  const pinned = { ...PINNED[stackId] };
  const add = (extra?: Record<string, string[]>) => {
    for (const [type, ids] of Object.entries(extra ?? {})) pinned[type] = [...(pinned[type] ?? []), ...ids].sort();
  };
  // The global cluster lives in the primary region; a secondary has no secret of its own (it
  // reads a replica of the primary's, which is not a resource of its template).
  if (role !== 'primary') delete pinned['AWS::RDS::GlobalCluster'];
  if (role === 'secondary') delete pinned['AWS::SecretsManager::Secret'];
  // A secondary holds the standby rotation function of the secret (issue 27), with its log group.
  if (role === 'secondary' && stackId === 'Platform') {
    pinned['AWS::Logs::LogGroup'] = [...pinned['AWS::Logs::LogGroup'], 'DataStandbyRotationLogGroup019C2CC2'].sort();
  }
  if (pinned['AWS::RDS::DBInstance']) {
    pinned['AWS::RDS::DBInstance'] = pinned['AWS::RDS::DBInstance'].filter((id) => (dbReaders > 0 && role !== 'secondary') || !id.startsWith('DataClusterReader'));
  }
  if (progressive) add(PROGRESSIVE[stackId]);
  if (audit.production) add(AUDIT[stackId]);
  if (audit.production && audit.trail && stackId === 'Service') add({ 'AWS::Logs::LogGroup': [AUDIT_TRAIL_LOG_GROUP] });
  if (issuerRegion) add(ISSUER[stackId]);
  return pinned;
}

/** Stateful logical ids of a template, by type. */
export function statefulIds(template: Template): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const [id, r] of Object.entries(resources(template))) {
    if (STATEFUL_TYPES.includes(r.Type)) (found[r.Type] ??= []).push(id);
  }
  for (const ids of Object.values(found)) ids.sort();
  return found;
}

describe.each([
  ['dev', 'us-east-1'],
  ['prod', 'us-east-1'],
  ['prod', 'us-east-2'],
])('stateful safety: %s %s', (envName, region) => {
  const environment = sampleEnvironment(envName);
  const role = regionRoleOf(environment, region);
  let stage: ServiceStage;
  let templates: Array<[Stack, Template]>;

  beforeAll(() => {
    stage = buildStage(environment, region);
    templates = stage.stacks.stacks.map((s) => [s, Template.fromStack(s)]);
  });

  test('logical ids of every stateful resource are pinned, per stack', () => {
    for (const [stack, template] of templates) {
      expect({ stack: stack.node.id, ids: statefulIds(template) })
        .toEqual({
          stack: stack.node.id,
          ids: expectedFor(stack.node.id, environment.sizing.dbReaders, role, deploymentOf(environment).progressive, {
            // The sample's audit.trail is "project": the trail lives in prod's primary region.
            production: environment.production, trail: environment.production && role === 'primary',
          }, region === issuerRegionOf(environment)),
        });
    }
  });

  test(`stateful resources are ${environment.production ? 'retained' : 'destroyed with the stack'}`, () => {
    for (const [, template] of templates) {
      for (const r of Object.values(resources(template))) {
        if (!STATEFUL_TYPES.includes(r.Type) || r.Type === 'AWS::EC2::VPC' || r.Type === 'AWS::RDS::DBInstance') continue;
        const expected = environment.production ? (r.Type === 'AWS::RDS::DBCluster' ? 'Snapshot' : 'Retain') : 'Delete';
        // A fixed name (the WAF log group) is kept too, except after a failed first create
        // (test/synth/workload/retained-names.test.ts).
        const fixedName = ['LogGroupName', 'Name', 'GlobalClusterIdentifier', 'DBClusterIdentifier'].some((p) => typeof r.Properties?.[p] === 'string');
        // Snapshot deletes the cluster (keeping a snapshot), so its fixed identifier frees itself.
        const deletion = environment.production && fixedName && r.Type !== 'AWS::RDS::DBCluster' ? 'RetainExceptOnCreate' : expected;
        expect({ type: r.Type, deletion: r.DeletionPolicy, replace: r.UpdateReplacePolicy })
          .toEqual({ type: r.Type, deletion, replace: expected });
      }
    }
  });

  test(`termination protection is ${environment.production ? 'on' : 'off'} on every stack`, () => {
    for (const [stack] of templates) expect(stack.terminationProtection).toBe(environment.production);
  });

  test('every store is encrypted: buckets, log groups, secrets, topics, database, keys rotate', () => {
    const counts: Record<string, number> = {};
    for (const [, template] of templates) {
      for (const r of Object.values(resources(template))) {
        const p = r.Properties ?? {};
        counts[r.Type] = (counts[r.Type] ?? 0) + 1;
        switch (r.Type) {
          case 'AWS::S3::Bucket': expect(p.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault?.SSEAlgorithm).toBeDefined(); break;
          case 'AWS::Logs::LogGroup': expect(p.KmsKeyId).toBeDefined(); break;
          case 'AWS::SecretsManager::Secret': expect(p.KmsKeyId).toBeDefined(); break;
          case 'AWS::SNS::Topic': expect(p.KmsMasterKeyId).toBeDefined(); break;
          case 'AWS::RDS::DBCluster': expect([p.StorageEncrypted, p.KmsKeyId !== undefined]).toEqual([true, true]); break;
          case 'AWS::KMS::Key': expect(p.EnableKeyRotation).toBe(true); break;
          default:
        }
      }
    }
    // The scan saw every kind of store (it is not vacuous).
    const stores = ['AWS::S3::Bucket', 'AWS::Logs::LogGroup', 'AWS::SNS::Topic', 'AWS::RDS::DBCluster'];
    // A secondary region reads a replica of the primary's secret (test/synth/workload/global-database.test.ts).
    for (const type of role === 'secondary' ? stores : [...stores, 'AWS::SecretsManager::Secret']) {
      expect(counts[type]).toBeGreaterThan(0);
    }
    // Platform 3, the service's 1, the hook's (progressive), the secondary's standby rotation's,
    // Firehose's and the trail's (production audit tier), the assertions' token function's, the
    // client-secret rotation's (issuer region).
    const auditGroups = environment.production ? (role === 'primary' ? 2 : 1) : 0;
    expect(counts['AWS::Logs::LogGroup']).toBe((deploymentOf(environment).progressive ? 5 : 4) + (role === 'secondary' ? 1 : 0) + auditGroups + 1
      + (region === issuerRegionOf(environment) ? 1 : 0));
  });

  test('no literal secret in any template', () => {
    for (const [stack, template] of templates) {
      const json = JSON.stringify(template.toJSON());
      expect(json).not.toMatch(/AKIA[0-9A-Z]{16}/);
      expect(json).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      const walk = (v: unknown, path: string): void => {
        if (Array.isArray(v)) {v.forEach((x, i) => walk(x, `${path}[${i}]`));} else if (v && typeof v === 'object') {
          for (const [k, inner] of Object.entries(v)) {
            // (A Cognito client's TokenValidityUnits name the unit of each token's lifetime, e.g. "minutes".)
            if (/password|secretstring$|token$|privatekey|apikey/i.test(k) && typeof inner === 'string' && !path.endsWith('.TokenValidityUnits')) {
              throw new Error(`${stack.node.id}: literal value at ${path}.${k}`);
            }
            walk(inner, `${path}.${k}`);
          }
        }
      };
      expect(() => walk(template.toJSON(), '')).not.toThrow();
    }
  });

  test('identity policies name their resources; "*" only for actions that have no resource form', () => {
    const allowedOnStar = new Set([
      'ecr:GetAuthorizationToken',
      // Progressive deployment: Lambda's VPC network interfaces (ECS's load-balancer role uses
      // the AWS managed policy: traffic-switch-role.ts).
      'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
      // The standby rotation function generating a password (issue 27): no resource type.
      'secretsmanager:GetRandomPassword',
      // The prod deletion-protection role reading back the load balancer's attributes.
      'elasticloadbalancing:DescribeLoadBalancerAttributes',
      // The pre-traffic hook's lookup: ListServices has no resource type (limited by the ecs:cluster condition).
      'ecs:ListServices',
      // The token issuer (issue 32): CDK's rotation grant adds GetRandomPassword (no resource type),
      // and another region looks the pool up with DescribeUserPoolDomain (no resource type either).
      'secretsmanager:GetRandomPassword', 'cognito-idp:DescribeUserPoolDomain',
    ]);
    for (const [, template] of templates) {
      for (const s of identityStatements(template)) {
        if ([s.Resource].flat().includes('*')) {
          for (const action of [s.Action].flat()) expect(allowedOnStar).toContain(action);
        }
        for (const action of [s.Action].flat()) expect(action).not.toMatch(/(^\*$|:\*$)/);
      }
    }
  });

  // Governance tags: test/synth/compliance/governance-tags.test.ts checks every template of the sample app
  // (pipeline, support and stage stacks), deciding what is taggable from each type's own schema.
});

test('the pin catches a changed logical id (the check is not vacuous)', () => {
  const environment = sampleEnvironment('dev');
  const stage = buildStage(environment, 'us-east-1', testApp());
  stage.platform.renameLogicalId(stage.platform.getLogicalId(stage.data.cluster.node.defaultChild as CfnElement), 'DatabaseClusterRenamed');
  const ids = statefulIds(Template.fromStack(stage.platform));
  expect(ids).not.toEqual(expectedFor('Platform', environment.sizing.dbReaders, 'independent', false, { production: false, trail: false }, true));
  expect(ids['AWS::RDS::DBCluster']).toEqual(['DatabaseClusterRenamed']);
});
