import { ResourceChange, TemplateDiff } from './diff';
import { addedGrants, allowGrants, deniesLifted, denyGrants, describeGrants } from './policy-document';
import { stableJson } from './template';

/**
 * What a finding puts at risk. `stateful` findings can lose data (and are what the
 * blockStatefulReplacement policy refuses); `security` findings widen who can reach or do what;
 * `version` findings change a database engine version (a downgrade is always refused: see
 * src/codebuild/change-report/policy.ts); `traffic` findings rewrite what ECS switches during a progressive
 * deployment (the listener rules whose weights it manages); `issuer` findings change who may call
 * the API (the token issuer, its app clients and scopes, its token endpoint); `gate` findings change
 * what the pipeline's own steps may do in the account (their roles) or weaken a release gate of the
 * stage (what the ECS deployment watches and waits for: its alarms, its failure detection, canary
 * and bake times, the pre-traffic hook).
 */
export type DangerCategory = 'stateful' | 'security' | 'version' | 'traffic' | 'issuer' | 'gate';

export interface DangerFinding {
  readonly ruleId: string;
  readonly category: DangerCategory;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly message: string;
  /** A `*` (or whole-service action, or 0.0.0.0/0 / ::/0) is involved: read this one first. */
  readonly wildcard: boolean;
}

export interface DangerRule {
  readonly id: string;
  readonly category: DangerCategory;
  readonly description: string;
  check(diff: TemplateDiff): DangerFinding[];
}

type Draft = Omit<DangerFinding, 'ruleId' | 'category' | 'wildcard'> & { wildcard?: boolean };

function rule(id: string, category: DangerCategory, description: string, find: (diff: TemplateDiff) => Draft[]): DangerRule {
  return {
    id,
    category,
    description,
    check: (diff) => find(diff).map((d) => ({ ...d, ruleId: id, category, wildcard: d.wildcard ?? false })),
  };
}

function props(res: ResourceChange['before']): Record<string, unknown> {
  return (res?.Properties ?? {}) as Record<string, unknown>;
}

function asArray(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function fmt(v: unknown): string {
  const s = typeof v === 'string' ? v : v === undefined ? '(unset)' : stableJson(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

// ---------------------------------------------------------------------------------------
// (a) stateful replacement or deletion
// ---------------------------------------------------------------------------------------

export const statefulReplacementRule = rule(
  'stateful-replacement',
  'stateful',
  'A stateful resource (database, bucket, key, log group, secret, table, file system, repository) is replaced or deleted.',
  (diff) => {
    const out: Draft[] = [];
    const added = diff.resources.filter((r) => r.status === 'added');
    for (const r of diff.resources) {
      if (!r.stateful) continue;
      if (r.status === 'changed' && (r.replacement === 'yes' || r.replacement === 'conditional')) {
        const causes = r.propertyChanges.filter((c) => c.replacement === 'yes' || c.replacement === 'conditional');
        const what = causes.map((c) => `${c.name} ${fmt(c.before)} -> ${fmt(c.after)}${c.replacement === 'conditional' ? ' (may replace)' : ''}`);
        out.push({
          logicalId: r.logicalId,
          resourceType: r.type,
          message: `${r.replacement === 'yes' ? 'REPLACED' : 'MAY BE REPLACED'}: ${what.join('; ')}. CloudFormation creates a new, empty ${r.type} and deletes the old one${retainNote(r)}.`,
        });
      } else if (r.status === 'removed') {
        const twins = added.filter((a) => a.type === r.type).map((a) => a.logicalId);
        const twinNote = twins.length
          ? ` A new ${r.type} is added as ${twins.join(', ')}: the logical id probably changed (refactor/rename), which replaces the resource.`
          : '';
        out.push({
          logicalId: r.logicalId,
          resourceType: r.type,
          message: `REMOVED from the template${retainNote(r)}.${twinNote}`,
        });
      }
    }
    return out;
  },
);

function retainNote(r: ResourceChange): string {
  const policy = r.status === 'removed' ? r.before?.DeletionPolicy : r.before?.UpdateReplacePolicy;
  if (policy === 'Retain' || policy === 'RetainExceptOnCreate') return ' (old one is RETAINED, orphaned outside the stack; the stack then uses a new, empty one)';
  if (policy === 'Snapshot') return ' (a final SNAPSHOT is taken; the data does not move to the new resource)';
  return ' (data is DELETED: no Retain/Snapshot policy)';
}

// ---------------------------------------------------------------------------------------
// (a') stateful protection removed: Retain/Snapshot dropped on a stateful resource
// ---------------------------------------------------------------------------------------

const PROTECTIVE = new Set(['Retain', 'RetainExceptOnCreate', 'Snapshot']);

export const statefulProtectionRule = rule(
  'stateful-protection-removed',
  'stateful',
  'A stateful resource loses its Retain/Snapshot DeletionPolicy or UpdateReplacePolicy, or its deletion protection.',
  (diff) => {
    const out: Draft[] = [];
    for (const r of diff.resources) {
      if (!r.stateful || r.status !== 'changed') continue;
      for (const attr of ['DeletionPolicy', 'UpdateReplacePolicy'] as const) {
        const before = r.before?.[attr];
        const after = r.after?.[attr];
        if (PROTECTIVE.has(String(before)) && !PROTECTIVE.has(String(after))) {
          out.push({ logicalId: r.logicalId, resourceType: r.type, message: `${attr} ${fmt(before)} -> ${fmt(after)}: a later delete or replacement would destroy the data.` });
        }
      }
      const dp = r.propertyChanges.find((c) => c.name === 'DeletionProtection');
      // RDS and ELB say true; a Cognito user pool says ACTIVE.
      const on = (v: unknown) => v === true || v === 'true' || v === 'ACTIVE';
      if (dp && on(dp.before) && !on(dp.after)) {
        out.push({ logicalId: r.logicalId, resourceType: r.type, message: `DeletionProtection ${fmt(dp.before)} -> ${fmt(dp.after)}.` });
      }
    }
    return out;
  },
);

// ---------------------------------------------------------------------------------------
// (b) IAM broadening: identity policies, role trust, resource policies
// ---------------------------------------------------------------------------------------

/** Where each type keeps its policy documents (KMS key policies have their own rule). */
const POLICY_DOCUMENTS: Record<string, (p: Record<string, unknown>) => unknown[]> = {
  'AWS::IAM::Policy': (p) => [p.PolicyDocument],
  'AWS::IAM::ManagedPolicy': (p) => [p.PolicyDocument],
  'AWS::IAM::Role': (p) => inlinePolicies(p),
  'AWS::IAM::User': (p) => inlinePolicies(p),
  'AWS::IAM::Group': (p) => inlinePolicies(p),
  'AWS::S3::BucketPolicy': (p) => [p.PolicyDocument],
  'AWS::SNS::TopicPolicy': (p) => [p.PolicyDocument],
  'AWS::SQS::QueuePolicy': (p) => [p.PolicyDocument],
  'AWS::ECR::Repository': (p) => [p.RepositoryPolicyText],
  'AWS::SecretsManager::ResourcePolicy': (p) => [p.ResourcePolicy],
};

function inlinePolicies(p: Record<string, unknown>): unknown[] {
  return asArray(p.Policies).map((x) => (x && typeof x === 'object' ? (x as Record<string, unknown>).PolicyDocument : undefined));
}

/** Matched against the stable JSON of the ARN, so `Fn::Join`-built ARNs match too. */
const POWERFUL_MANAGED_POLICY = /policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess)\b/;

export const iamBroadeningRule = rule(
  'iam-broadening',
  'security',
  'A new or changed IAM policy, role (inline policy, trust policy, managed policies) or resource policy adds Allow grants.',
  (diff) => {
    const out: Draft[] = [];
    for (const r of diff.resources) {
      if (r.status !== 'added' && r.status !== 'changed') continue;
      const docsOf = POLICY_DOCUMENTS[r.type];
      if (!docsOf) continue;
      const before = props(r.before);
      const after = props(r.after);
      const newGrants = addedGrants(allowGrants(...(r.before ? docsOf(before) : [])), allowGrants(...docsOf(after)));
      if (newGrants.length) {
        out.push({
          logicalId: r.logicalId,
          resourceType: r.type,
          wildcard: newGrants.some((g) => g.wildcard),
          message: `${r.status === 'added' ? 'New policy' : 'Policy broadened'}: ${describeGrants(newGrants)}.`,
        });
      }
      if (r.type === 'AWS::IAM::Role') {
        const trust = addedGrants(allowGrants(r.before ? before.AssumeRolePolicyDocument : undefined), allowGrants(after.AssumeRolePolicyDocument));
        if (trust.length && r.status === 'changed') {
          out.push({
            logicalId: r.logicalId,
            resourceType: r.type,
            wildcard: trust.some((g) => g.wildcard),
            message: `Trust policy broadened (who can assume the role): ${describeGrants(trust)}.`,
          });
        } else if (trust.some((g) => g.wildcard)) {
          out.push({ logicalId: r.logicalId, resourceType: r.type, wildcard: true, message: `New role assumable by a WILDCARD principal: ${describeGrants(trust)}.` });
        }
        const oldArns = new Set(asArray(before.ManagedPolicyArns).map(stableJson));
        const newArns = asArray(after.ManagedPolicyArns).filter((a) => !oldArns.has(stableJson(a)));
        const powerful = newArns.some((a) => POWERFUL_MANAGED_POLICY.test(stableJson(a)));
        if (newArns.length && (r.before || powerful)) {
          out.push({
            logicalId: r.logicalId,
            resourceType: r.type,
            wildcard: powerful,
            message: `${r.before ? 'Managed policies attached' : 'New role with a powerful managed policy'}: ${newArns.map(fmt).join(', ')}.`,
          });
        }
      }
    }
    return out;
  },
);

// ---------------------------------------------------------------------------------------
// (b') permissions boundary and trust of roles: what keeps a role from minting an admin
// ---------------------------------------------------------------------------------------

/** Types whose PermissionsBoundary caps what they can do (every role of the project carries one). */
const BOUNDED_TYPES = new Set(['AWS::IAM::Role', 'AWS::IAM::User']);

export const permissionsBoundaryRule = rule(
  'permissions-boundary',
  'security',
  'A role (or user) loses or changes its permissions boundary, is added without one, or its trust policy changes.',
  (diff) => {
    const out: Draft[] = [];
    for (const r of diff.resources) {
      if (!BOUNDED_TYPES.has(r.type) || (r.status !== 'added' && r.status !== 'changed')) continue;
      const before = props(r.before).PermissionsBoundary;
      const after = props(r.after).PermissionsBoundary;
      if (r.status === 'added' && after === undefined) {
        out.push({ logicalId: r.logicalId, resourceType: r.type, wildcard: true, message: 'New role WITHOUT a permissions boundary: nothing caps what its policies grant (the execution policy refuses it unless it is exempt).' });
      } else if (r.status === 'changed' && before !== undefined && after === undefined) {
        out.push({ logicalId: r.logicalId, resourceType: r.type, wildcard: true, message: `Permissions boundary REMOVED (was ${fmt(before)}).` });
      } else if (r.status === 'changed' && stableJson(before) !== stableJson(after)) {
        out.push({ logicalId: r.logicalId, resourceType: r.type, message: `Permissions boundary ${fmt(before)} -> ${fmt(after)}.` });
      }
      if (r.type === 'AWS::IAM::Role' && r.status === 'changed' && r.propertyChanges.some((c) => c.name === 'AssumeRolePolicyDocument')) {
        const added = addedGrants(allowGrants(props(r.before).AssumeRolePolicyDocument), allowGrants(props(r.after).AssumeRolePolicyDocument));
        // A broadened trust is listed by iam-broadening with its new principals; any other change here.
        if (added.length === 0) out.push({ logicalId: r.logicalId, resourceType: r.type, message: 'Trust policy changed (who may assume the role, or on which conditions): review the diff.' });
      }
    }
    return out;
  },
);

// ---------------------------------------------------------------------------------------
// (c) security-group broadening: new ingress
// ---------------------------------------------------------------------------------------

function ingressKey(ingress: unknown): string {
  if (!ingress || typeof ingress !== 'object') return stableJson(ingress);
  const { Description: _d, ...rest } = ingress as Record<string, unknown>;
  return stableJson(rest);
}

function isWorldOpen(ingress: Record<string, unknown>): boolean {
  return ingress.CidrIp === '0.0.0.0/0' || ingress.CidrIpv6 === '::/0';
}

function describeIngress(ingress: Record<string, unknown>): string {
  const proto = ingress.IpProtocol === '-1' || ingress.IpProtocol === -1 ? 'all traffic' : `${fmt(ingress.IpProtocol)}`;
  const ports = ingress.FromPort === undefined ? '' : ingress.FromPort === ingress.ToPort ? ` port ${fmt(ingress.FromPort)}` : ` ports ${fmt(ingress.FromPort)}-${fmt(ingress.ToPort)}`;
  const source = ingress.CidrIp ?? ingress.CidrIpv6 ?? ingress.SourceSecurityGroupId ?? ingress.SourcePrefixListId ?? ingress.SourceSecurityGroupName;
  return `${proto}${ports} from ${fmt(source)}`;
}

export const securityGroupIngressRule = rule(
  'security-group-ingress',
  'security',
  'New ingress on a security group (inline SecurityGroupIngress or an AWS::EC2::SecurityGroupIngress resource), above all from 0.0.0.0/0 or ::/0.',
  (diff) => {
    const out: Draft[] = [];
    for (const r of diff.resources) {
      if (r.status !== 'added' && r.status !== 'changed') continue;
      let newRules: Record<string, unknown>[] = [];
      if (r.type === 'AWS::EC2::SecurityGroup') {
        const old = new Set(asArray(props(r.before).SecurityGroupIngress).map(ingressKey));
        newRules = asArray(props(r.after).SecurityGroupIngress)
          .filter((x) => !old.has(ingressKey(x)))
          .filter((x): x is Record<string, unknown> => !!x && typeof x === 'object');
      } else if (r.type === 'AWS::EC2::SecurityGroupIngress') {
        if (!r.before || ingressKey(props(r.before)) !== ingressKey(props(r.after))) newRules = [props(r.after)];
      }
      for (const ing of newRules) {
        const open = isWorldOpen(ing);
        out.push({
          logicalId: r.logicalId,
          resourceType: r.type,
          wildcard: open,
          message: `${open ? 'OPEN TO THE INTERNET: ' : 'New ingress: '}${describeIngress(ing)}.`,
        });
      }
    }
    return out;
  },
);

// ---------------------------------------------------------------------------------------
// (b') a Deny lifted: a resource or identity policy loses (or changes) a Deny statement
// ---------------------------------------------------------------------------------------

/** Every policy document a Deny may live in: the IAM-broadening ones, key policies and ECR creation templates. */
const DENY_DOCUMENTS: Record<string, (p: Record<string, unknown>) => unknown[]> = {
  ...POLICY_DOCUMENTS,
  'AWS::KMS::Key': (p) => [p.KeyPolicy],
  'AWS::ECR::RepositoryCreationTemplate': (p) => [p.RepositoryPolicy],
};

export const denyLiftedRule = rule(
  'deny-lifted',
  'security',
  'A Deny statement of a resource or identity policy is removed or changed (e.g. the repository policy that lets only the image gate push), '
    + 'or the resource holding it is removed: what it refused may now be allowed.',
  (diff) => {
    const out: Draft[] = [];
    for (const r of diff.resources) {
      if (r.status !== 'changed' && r.status !== 'removed') continue;
      const docsOf = DENY_DOCUMENTS[r.type];
      if (!docsOf || !r.before) continue;
      const lifted = deniesLifted(denyGrants(...docsOf(props(r.before))), denyGrants(...(r.after ? docsOf(props(r.after)) : [])));
      if (lifted.length) {
        out.push({
          logicalId: r.logicalId,
          resourceType: r.type,
          wildcard: lifted.some((g) => g.wildcard),
          message: `${r.status === 'removed' ? 'Removed with its policy' : 'Deny lifted'}: ${describeGrants(lifted, 3, 'Deny grant')} no longer refused.`,
        });
      }
    }
    return out;
  },
);

// ---------------------------------------------------------------------------------------
// (c') security-group broadening: new egress
// ---------------------------------------------------------------------------------------

/** CDK's rule for "no egress" (allowAllOutbound: false with no rule): ICMP type 252 code 86 to 255.255.255.255/32. */
function isNoEgressPlaceholder(egress: unknown): boolean {
  return !!egress && typeof egress === 'object' && (egress as Record<string, unknown>).CidrIp === '255.255.255.255/32';
}

function describeEgress(egress: Record<string, unknown>): string {
  const destination = egress.CidrIp ?? egress.CidrIpv6 ?? egress.DestinationSecurityGroupId ?? egress.DestinationPrefixListId;
  return describeIngress({ ...egress, CidrIp: undefined, CidrIpv6: undefined, SourceSecurityGroupId: destination }).replace(' from ', ' to ');
}

/** Egress rules a security group change adds; `all` when the group ends with none (AWS then allows all outbound). */
function newEgress(r: ResourceChange): Record<string, unknown>[] | 'all' {
  if (r.type === 'AWS::EC2::SecurityGroupEgress') {
    return !r.before || ingressKey(props(r.before)) !== ingressKey(props(r.after)) ? [props(r.after)] : [];
  }
  const after = asArray(props(r.after).SecurityGroupEgress);
  if (after.length === 0) return r.before && asArray(props(r.before).SecurityGroupEgress).length === 0 ? [] : 'all';
  const old = new Set(asArray(props(r.before).SecurityGroupEgress).map(ingressKey));
  return after.filter((x) => !old.has(ingressKey(x)) && !isNoEgressPlaceholder(x))
    .filter((x): x is Record<string, unknown> => !!x && typeof x === 'object');
}

export const securityGroupEgressRule = rule(
  'security-group-egress',
  'security',
  'New egress on a security group (inline SecurityGroupEgress or an AWS::EC2::SecurityGroupEgress resource), above all to 0.0.0.0/0 or ::/0, '
    + 'or a group left with no egress rule (AWS then allows all outbound traffic).',
  (diff) => {
    const out: Draft[] = [];
    for (const r of diff.resources) {
      if ((r.status !== 'added' && r.status !== 'changed') || (r.type !== 'AWS::EC2::SecurityGroup' && r.type !== 'AWS::EC2::SecurityGroupEgress')) continue;
      const rules = newEgress(r);
      if (rules === 'all') {
        out.push({ logicalId: r.logicalId, resourceType: r.type, wildcard: true, message: 'ALL OUTBOUND TRAFFIC: the group has no egress rule, so AWS allows all outbound traffic.' });
        continue;
      }
      for (const egress of rules) {
        const open = isWorldOpen(egress);
        out.push({ logicalId: r.logicalId, resourceType: r.type, wildcard: open, message: `${open ? 'OUT TO THE INTERNET: ' : 'New egress: '}${describeEgress(egress)}.` });
      }
    }
    return out;
  },
);

// ---------------------------------------------------------------------------------------
// (d) KMS key policy changes
// ---------------------------------------------------------------------------------------

export const kmsKeyPolicyRule = rule(
  'kms-key-policy',
  'security',
  'The key policy of an existing KMS key changes (new grants are listed, wildcards first).',
  (diff) => {
    const out: Draft[] = [];
    for (const r of diff.resources) {
      if (r.type !== 'AWS::KMS::Key' || r.status !== 'changed') continue;
      if (!r.propertyChanges.some((c) => c.name === 'KeyPolicy')) continue;
      const grants = addedGrants(allowGrants(props(r.before).KeyPolicy), allowGrants(props(r.after).KeyPolicy));
      out.push({
        logicalId: r.logicalId,
        resourceType: r.type,
        wildcard: grants.some((g) => g.wildcard),
        message: grants.length ? `Key policy broadened: ${describeGrants(grants)}.` : 'Key policy changed (no new Allow grants found; review the diff).',
      });
    }
    return out;
  },
);

// ---------------------------------------------------------------------------------------
// (e) database engine version: every change is flagged, a downgrade cannot deploy
// ---------------------------------------------------------------------------------------

/** Resource types whose `EngineVersion` is the version of a running database engine. */
const ENGINE_VERSIONED_TYPES = new Set(['AWS::RDS::DBCluster', 'AWS::RDS::DBInstance', 'AWS::RDS::GlobalCluster']);

/**
 * Compare two engine versions part by part (`16.10` is above `16.9`); a part that is not a
 * number compares as text. Negative when `a` is below `b`, 0 when equal, positive above.
 */
export function compareEngineVersions(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = Number(x);
    const ny = Number(y);
    const d = Number.isFinite(nx) && Number.isFinite(ny) ? nx - ny : x.localeCompare(y);
    if (d !== 0) return d;
  }
  return 0;
}

/** The id of the rule whose findings the policy always refuses. */
export const ENGINE_DOWNGRADE_RULE_ID = 'engine-version-downgrade';

function engineVersionChanges(diff: TemplateDiff): { r: ResourceChange; before: unknown; after: unknown }[] {
  return diff.resources
    .filter((r) => r.status === 'changed' && ENGINE_VERSIONED_TYPES.has(r.type))
    .flatMap((r) => r.propertyChanges.filter((c) => c.name === 'EngineVersion').map((c) => ({ r, before: c.before, after: c.after })));
}

const isDowngrade = (before: unknown, after: unknown) =>
  typeof before === 'string' && typeof after === 'string' && compareEngineVersions(after, before) < 0;

export const engineVersionChangeRule = rule(
  'engine-version-change',
  'version',
  'The engine version of a running database changes: CloudFormation upgrades it in place during the deploy.',
  (diff) => engineVersionChanges(diff).filter(({ before, after }) => !isDowngrade(before, after)).map(({ r, before, after }) => {
    const major = typeof before === 'string' && typeof after === 'string' && before.split('.')[0] !== after.split('.')[0];
    const what = before === undefined ? 'set' : after === undefined ? 'unset (the engine default applies)' : major ? 'MAJOR upgrade' : 'upgrade';
    return {
      logicalId: r.logicalId,
      resourceType: r.type,
      message: `EngineVersion ${fmt(before)} -> ${fmt(after)} (${what}). The database is upgraded in place during this deploy`
        + `${major ? ' (downtime; needs AllowMajorVersionUpgrade and a parameter group of the new family)' : ' (a short restart)'}; `
        + 'every region of a global database must move to the same version.',
    };
  }),
);

export const engineVersionDowngradeRule = rule(
  ENGINE_DOWNGRADE_RULE_ID,
  'version',
  'The engine version of a running database goes DOWN: CloudFormation cannot downgrade a database engine, so the deploy would fail.',
  (diff) => engineVersionChanges(diff).filter(({ before, after }) => isDowngrade(before, after)).map(({ r, before, after }) => ({
    logicalId: r.logicalId,
    resourceType: r.type,
    message: `DOWNGRADE EngineVersion ${fmt(before)} -> ${fmt(after)}: CloudFormation cannot downgrade a database engine, `
      + `so this deploy would fail. Pin ${fmt(before)} or a later version (src/synth/workload/database-engine.ts).`,
  })),
);

// ---------------------------------------------------------------------------------------
// (f) a listener rule whose weights ECS manages is rewritten
// ---------------------------------------------------------------------------------------

/** A forward action over two or more weighted target groups: what ECS's native blue/green switches. */
function isWeightedSwitch(res: ResourceChange['before']): boolean {
  return asArray(props(res).Actions).some((a) => {
    const groups = asArray((a as { ForwardConfig?: { TargetGroups?: unknown } })?.ForwardConfig?.TargetGroups);
    return groups.length >= 2;
  });
}

export const managedListenerRuleRule = rule(
  'ecs-managed-listener-rule',
  'traffic',
  'A listener rule that forwards to two weighted target groups (ECS switches its weights during progressive deployments) is changed or removed.',
  (diff) => diff.resources
    .filter((r) => r.type === 'AWS::ElasticLoadBalancingV2::ListenerRule' && (r.status === 'changed' || r.status === 'removed') && isWeightedSwitch(r.before))
    .map((r) => ({
      logicalId: r.logicalId,
      resourceType: r.type,
      message: r.status === 'removed'
        ? 'REMOVED: ECS switches traffic with this rule; without it the service cannot deploy progressively, and production loses its route.'
        : `REWRITTEN (${r.propertyChanges.map((c) => c.name).join(', ')}): CloudFormation writes the template's weights back, which after a switch points production at the target group ECS emptied. Deploy it between releases, and check the weights right after.`,
    })),
);

// ---------------------------------------------------------------------------------------
// (f') the token issuer: who may call the API
// ---------------------------------------------------------------------------------------

/** What each Cognito resource of the issuer means to the API's callers. */
const ISSUER_PARTS: Record<string, { readonly what: string; readonly removed: string }> = {
  'AWS::Cognito::UserPool': {
    what: 'the token issuer (user pool)',
    removed: 'no caller can get a token any more, and tokens already issued stop verifying once the service no longer finds the pool\'s keys',
  },
  'AWS::Cognito::UserPoolClient': {
    what: 'an API client (app client)',
    removed: 'its callers get no new token (issued ones work until they expire), and the transactions it created belong to its client_id, which no one else can read',
  },
  'AWS::Cognito::UserPoolResourceServer': {
    what: 'the API\'s resource server (its scopes)',
    removed: 'tokens carry none of the API\'s scopes any more, so the service refuses every call that needs one',
  },
  'AWS::Cognito::UserPoolDomain': {
    what: 'the token endpoint\'s domain',
    removed: 'the token endpoint disappears: no caller (the post-deploy checks included) can get a token',
  },
};

export const tokenIssuerRule = rule(
  'token-issuer-changed',
  'issuer',
  'The token issuer (Cognito user pool), an API client, the API\'s scopes or the token endpoint\'s domain is added to an existing issuer, changed or removed.',
  (diff) => {
    const parts = diff.resources.filter((r) => r.type in ISSUER_PARTS);
    // A stack deployed for the first time adds its whole issuer: nothing changes for anyone yet.
    const existing = parts.some((r) => r.status !== 'added');
    return parts
      .filter((r) => r.status === 'changed' || r.status === 'removed' || (r.status === 'added' && existing))
      .map((r) => {
        const part = ISSUER_PARTS[r.type];
        if (r.status === 'removed') return { logicalId: r.logicalId, resourceType: r.type, message: `REMOVED ${part.what}: ${part.removed}.` };
        if (r.status === 'added') {
          const scopes = asArray(props(r.after).AllowedOAuthScopes).map((v) => fmt(v)).join(' ');
          return { logicalId: r.logicalId, resourceType: r.type, message: `NEW ${part.what}${scopes ? `: may get tokens with ${scopes}` : ''}.` };
        }
        const what = r.propertyChanges.map((c) => `${c.name} ${fmt(c.before)} -> ${fmt(c.after)}`).join('; ');
        return { logicalId: r.logicalId, resourceType: r.type, message: `CHANGED ${part.what}: ${what}. Callers' tokens follow from their next token on.` };
      });
  },
);

// ---------------------------------------------------------------------------------------
// (g) the pipeline's step roles in this account, and the release gates of the ECS deployment
// ---------------------------------------------------------------------------------------

/** The roles the pipeline's steps assume in a stage account: `<stage id>-pipeline-<purpose>` (src/synth/workload/pipeline-access.ts). */
const STEP_ROLE = /-pipeline-(report|protect|bake|drift)$/;

/** Whether a role's inline policies allow anything on every resource (a Deny on `*` narrows, it is no wildcard grant). */
function allowsOnEveryResource(policies: unknown): boolean {
  return asArray(policies).some((p: any) => asArray(p?.PolicyDocument?.Statement)
    .some((st: any) => st?.Effect === 'Allow' && asArray(st.Resource).includes('*')));
}

export const pipelineStepRoleRule = rule(
  'pipeline-step-role',
  'gate',
  'A role the pipeline\'s change report, protection, bake or drift check assumes in this account is added, removed, or changes its trust or permissions.',
  (diff) => diff.resources
    .filter((r) => r.type === 'AWS::IAM::Role' && STEP_ROLE.test(String(props(r.after ?? r.before).RoleName ?? '')))
    .filter((r) => r.status === 'added' || r.status === 'removed'
      || (r.status === 'changed' && r.propertyChanges.some((c) => ['AssumeRolePolicyDocument', 'Policies', 'ManagedPolicyArns', 'PermissionsBoundary', 'RoleName'].includes(c.name))))
    .map((r) => {
      const name = String(props(r.after ?? r.before).RoleName);
      const what = r.status === 'changed' ? `changes ${r.propertyChanges.map((c) => c.name).join(', ')}` : r.status === 'added' ? 'is created' : 'is REMOVED';
      return {
        logicalId: r.logicalId,
        resourceType: r.type,
        message: `${name}, the role the pipeline's ${STEP_ROLE.exec(name)![1]} step assumes in this account, ${what}: check whom it trusts and what it may do.`,
        wildcard: r.status !== 'removed' && allowsOnEveryResource(props(r.after).Policies),
      };
    }),
);

/** What the ECS deployment gates of a service are, as comparable numbers (higher is stronger). */
function deploymentGates(res: ResourceChange['before']): Record<string, number> {
  const d = (props(res).DeploymentConfiguration ?? {}) as any;
  return {
    'alarm rollback': d.Alarms?.Enable && d.Alarms?.Rollback ? 1 : 0,
    'alarms watched': asArray(d.Alarms?.AlarmNames).length,
    'circuit breaker rollback': d.DeploymentCircuitBreaker?.Enable && d.DeploymentCircuitBreaker?.Rollback ? 1 : 0,
    'canary bake minutes': Number(d.CanaryConfiguration?.CanaryBakeTimeInMinutes ?? 0),
    'bake minutes': Number(d.BakeTimeInMinutes ?? 0),
    'pre-traffic hooks': asArray(d.LifecycleHooks).length,
  };
}

export const releaseGateRule = rule(
  'release-gate-weakened',
  'gate',
  'An ECS service\'s deployment watches fewer alarms, no longer rolls back on them or on its circuit breaker, bakes shorter, or loses its pre-traffic hook.',
  (diff) => diff.resources
    .filter((r) => r.type === 'AWS::ECS::Service' && r.status === 'changed')
    .flatMap((r) => {
      const before = deploymentGates(r.before);
      const after = deploymentGates(r.after);
      const weaker = Object.keys(before).filter((k) => after[k] < before[k]);
      return weaker.length === 0 ? [] : [{
        logicalId: r.logicalId,
        resourceType: r.type,
        message: `The release gates of this service weaken: ${weaker.map((k) => `${k} ${before[k]} -> ${after[k]}`).join('; ')}.`,
      }];
    }),
);

// ---------------------------------------------------------------------------------------
// (h) audit evidence loses a protection: Object Lock, replication, versioning, the trail
// ---------------------------------------------------------------------------------------

const isTrue = (v: unknown) => v === true || v === 'true';
const enabledReplicationRules = (p: Record<string, unknown>): Map<string, string> => {
  const rules = asArray((p.ReplicationConfiguration as { Rules?: unknown } | undefined)?.Rules) as Array<Record<string, any>>;
  return new Map(rules.filter((r) => r?.Status === 'Enabled').map((r) => [String(r.Id ?? stableJson(r.Destination)), stableJson(r.Destination?.Bucket)]));
};
const lockDays = (p: Record<string, unknown>): number | undefined => {
  type LockConfiguration = { Rule?: { DefaultRetention?: { Days?: unknown; Years?: unknown } } };
  const retention = (p.ObjectLockConfiguration as LockConfiguration | undefined)?.Rule?.DefaultRetention;
  if (!retention) return undefined;
  return retention.Years !== undefined ? Number(retention.Years) * 365 : Number(retention.Days);
};

/** What a bucket change takes away from its evidence: Object Lock, its retention, versioning, a replication rule. */
function bucketProtectionLosses(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const lost: string[] = [];
  if (isTrue(before.ObjectLockEnabled) && !isTrue(after.ObjectLockEnabled)) {
    lost.push('ObjectLockEnabled true -> unset: S3 never turns Object Lock off, so this deploy fails (or the bucket is being replaced by an unlocked one)');
  }
  const [daysBefore, daysAfter] = [lockDays(before), lockDays(after)];
  if (daysBefore !== undefined && (daysAfter === undefined || daysAfter < daysBefore)) {
    lost.push(`Object Lock default retention ${daysBefore} -> ${daysAfter ?? 'none'} day(s): new objects are locked for less time`);
  }
  const versioning = (p: Record<string, unknown>) => (p.VersioningConfiguration as { Status?: unknown } | undefined)?.Status;
  if (versioning(before) === 'Enabled' && versioning(after) !== 'Enabled') lost.push(`versioning Enabled -> ${fmt(versioning(after))}`);
  const [rulesBefore, rulesAfter] = [enabledReplicationRules(before), enabledReplicationRules(after)];
  for (const [id, destination] of rulesBefore) {
    if (rulesAfter.get(id) !== destination) lost.push(`replication rule ${id} (to ${destination}) removed or disabled: new objects stay in one region`);
  }
  return lost;
}

/** What a trail change takes away: logging, every region, log-file validation. */
function trailProtectionLosses(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const checks: Array<[string, string]> = [['IsLogging', 'the trail stops logging'], ['IsMultiRegionTrail', 'the trail no longer covers every region'],
    ['EnableLogFileValidation', 'log files are no longer signed, so a changed or deleted one goes unnoticed']];
  return checks.filter(([key]) => isTrue(before[key]) && !isTrue(after[key])).map(([key, what]) => `${key} true -> ${fmt(after[key])}: ${what}`);
}

/** Types whose removal stops audit evidence from being recorded or delivered. */
const AUDIT_PIPES: Readonly<Record<string, string>> = {
  'AWS::CloudTrail::Trail': 'the account\'s audit trail stops',
  'AWS::Logs::SubscriptionFilter': 'the log lines it ships (the transaction audit records) stop reaching their destination',
  'AWS::KinesisFirehose::DeliveryStream': 'whatever it delivers (the transaction audit records) stops reaching the audit bucket',
};

export const auditProtectionRule = rule(
  'audit-protection-removed',
  'stateful',
  'Audit evidence loses a protection: a bucket\'s Object Lock (or its retention), versioning or a replication rule; a trail\'s logging, multi-region coverage or log-file validation; or the trail, subscription or stream that records and ships it is removed.',
  (diff) => diff.resources.flatMap((r): Draft[] => {
    if (r.status === 'removed' && AUDIT_PIPES[r.type]) {
      return [{ logicalId: r.logicalId, resourceType: r.type, message: `REMOVED: ${AUDIT_PIPES[r.type]}.` }];
    }
    if (r.status !== 'changed') return [];
    const lost = r.type === 'AWS::S3::Bucket' ? bucketProtectionLosses(props(r.before), props(r.after))
      : r.type === 'AWS::CloudTrail::Trail' ? trailProtectionLosses(props(r.before), props(r.after)) : [];
    return lost.length ? [{ logicalId: r.logicalId, resourceType: r.type, message: `${lost.join('; ')}.` }] : [];
  }),
);

/** Every danger rule, in the order the report lists their findings. */
export const DANGER_RULES: readonly DangerRule[] = [
  statefulReplacementRule,
  statefulProtectionRule,
  auditProtectionRule,
  iamBroadeningRule,
  permissionsBoundaryRule,
  denyLiftedRule,
  securityGroupIngressRule,
  securityGroupEgressRule,
  kmsKeyPolicyRule,
  engineVersionDowngradeRule,
  engineVersionChangeRule,
  managedListenerRuleRule,
  tokenIssuerRule,
  pipelineStepRoleRule,
  releaseGateRule,
];

/** Run all rules; wildcard findings first within each rule. */
export function findDangers(diff: TemplateDiff, rules: readonly DangerRule[] = DANGER_RULES): DangerFinding[] {
  return rules.flatMap((r) => {
    const found = r.check(diff);
    return [...found.filter((f) => f.wildcard), ...found.filter((f) => !f.wildcard)];
  });
}
