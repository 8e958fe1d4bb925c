import type { CheckResult } from './doctor';
import { Where } from './doctor-clients';
import { AuditConfig } from '../../config/audit';
import { DeliveryConfig } from '../../config/schema';
import { errorText, isAssumeRoleDenied } from '../../shared/aws-errors';
import { lookupRoleArn } from '../../shared/aws-names';

/**
 * `doctor --aws` with `audit.trail: "organization"`: in every environment account and region,
 * an AWS Organizations trail must be visible, log every region, validate its log files and be
 * logging; otherwise the check fails (doctor exits 1), because the config says the accounts
 * rely on it.
 *
 * What AWS documents (CloudTrail API reference, the botocore `cloudtrail` model):
 * - DescribeTrails "Retrieves settings for one or more trails associated with the current Region
 *   for your account"; `includeShadowTrails` defaults to true, and a shadow trail is "the
 *   replication of an organization trail in member accounts": a member account sees the org
 *   trail (IsOrganizationTrail true), with IsMultiRegionTrail, LogFileValidationEnabled,
 *   HomeRegion and its TrailARN (which names the management account);
 * - GetTrailStatus: "If the trail is an organization trail and you are a member account in the
 *   organization in Organizations, you must provide the full ARN of that trail, and not just the
 *   name." It answers IsLogging. Whether a member account may read it is not stated: a refusal
 *   is a warning here (the trail's settings were checked), not a pass.
 * Reached through each account's CDK lookup role (ReadOnlyAccess allows both calls), like the
 * other checks.
 */

/** A trail as DescribeTrails answers it (the fields the check reads). */
export interface TrailDescription {
  readonly Name?: string;
  readonly TrailARN?: string;
  readonly HomeRegion?: string;
  readonly IsMultiRegionTrail?: boolean;
  readonly IsOrganizationTrail?: boolean;
  readonly LogFileValidationEnabled?: boolean;
  readonly S3BucketName?: string;
}

/** The two CloudTrail calls of the check. */
export interface CloudTrailApi {
  describeTrails(input: { includeShadowTrails: boolean }): Promise<{ trailList?: readonly TrailDescription[] }>;
  /** `Name` must be the full ARN for an organization trail seen from a member account. */
  getTrailStatus(input: { Name: string }): Promise<{ IsLogging?: boolean; LatestDeliveryError?: string }>;
}

const CHECK = 'audit-trail';

/** Every account and region the environments deploy to, each once, in config order. */
export function trailCheckTargets(config: Pick<DeliveryConfig, 'environments'>): Where[] {
  const seen = new Set<string>();
  const out: Where[] = [];
  for (const env of config.environments) {
    for (const region of env.regions) {
      const key = `${env.account}/${region}`;
      if (!seen.has(key)) out.push({ account: env.account, region });
      seen.add(key);
    }
  }
  return out;
}

/** The offline description of the audit trail, for the doctor's plan. */
export function describeAuditTrail(config: Pick<DeliveryConfig, 'environments'> & { audit: AuditConfig }): string {
  if (config.audit.trail === 'organization') {
    return `Audit trail: an AWS Organizations trail (audit.trail "organization"); doctor --aws checks that one covers ${trailCheckTargets(config).map((w) => `${w.account}/${w.region}`).join(', ')}`;
  }
  const prod = config.environments.filter((e) => e.production).map((e) => `${e.name} (${e.account}, in ${e.primaryRegion ?? e.regions[0]})`);
  return `Audit trail: deployed by the project (audit.trail "project"): a multi-region trail with log-file validation in ${prod.join(', ') || 'no environment (none is production)'}`;
}

const orgTrailFix = (w: Where) => 'in the management account, create or fix the organization trail (multi-region, log-file validation on, logging): '
  + 'aws cloudtrail create-trail --name org-trail --s3-bucket-name <log archive bucket> --is-organization-trail --is-multi-region-trail --enable-log-file-validation && aws cloudtrail start-logging --name org-trail; '
  + `or let this project deploy a trail into each production account: set "audit": { "trail": "project" } in the config (account ${w.account})`;

/** The check in one account and region. */
export async function checkOrganizationTrail(
  where: Where, cloudTrail: CloudTrailApi, context: { caller: string; pipelineAccount: string },
): Promise<CheckResult> {
  const base = { check: CHECK, where: `${where.account}/${where.region}` };
  let trails: readonly TrailDescription[];
  try {
    trails = (await cloudTrail.describeTrails({ includeShadowTrails: true })).trailList ?? [];
  } catch (err) {
    if (isAssumeRoleDenied(err)) {
      return {
        ...base,
        status: 'fail',
        message: `cannot assume ${lookupRoleArn(where.account, where.region)} from account ${context.caller} (${errorText(err)})`,
        fix: `run doctor with credentials of the pipeline account ${context.pipelineAccount}, after npx projen bootstrap (--trust-for-lookup)`,
      };
    }
    return { ...base, status: 'fail', message: `cannot list the trails (${errorText(err)})`, fix: 'check the credentials, then re-run: npx projen doctor --aws' };
  }
  const org = trails.filter((t) => t.IsOrganizationTrail === true);
  if (org.length === 0) {
    const others = trails.length ? ` (visible: ${trails.map((t) => t.Name ?? t.TrailARN).join(', ')}, none an organization trail)` : '';
    return { ...base, status: 'fail', message: `no organization trail covers this account and region${others}`, fix: orgTrailFix(where) };
  }
  const good = org.filter((t) => t.IsMultiRegionTrail === true && t.LogFileValidationEnabled === true);
  if (good.length === 0) {
    const why = org.map((t) => `${t.TrailARN ?? t.Name}: ${[
      t.IsMultiRegionTrail === true ? undefined : 'not multi-region',
      t.LogFileValidationEnabled === true ? undefined : 'log-file validation off',
    ].filter(Boolean).join(', ')}`);
    return { ...base, status: 'fail', message: `the organization trail does not qualify: ${why.join('; ')}`, fix: orgTrailFix(where) };
  }
  const trail = good[0];
  const arn = trail.TrailARN ?? trail.Name ?? '';
  const name = `${arn} (home ${trail.HomeRegion ?? 'unknown'}, bucket ${trail.S3BucketName ?? 'unknown'})`;
  try {
    const status = await cloudTrail.getTrailStatus({ Name: arn });
    if (status.IsLogging !== true) {
      return { ...base, status: 'fail', message: `organization trail ${name} is not logging`, fix: `in the management account: aws cloudtrail start-logging --name ${arn} --region ${trail.HomeRegion ?? where.region}` };
    }
    const delivery = status.LatestDeliveryError ? `; latest delivery error: ${status.LatestDeliveryError}` : '';
    return { ...base, status: delivery ? 'warn' : 'ok', message: `organization trail ${name}: multi-region, log-file validation on, logging${delivery}` };
  } catch (err) {
    return {
      ...base,
      status: 'warn',
      message: `organization trail ${name}: multi-region, log-file validation on; its logging status cannot be read from this account (${errorText(err)})`,
      fix: `confirm in the management account: aws cloudtrail get-trail-status --name ${arn} --region ${trail.HomeRegion ?? where.region}`,
    };
  }
}

/** Every account and region of the config, when it relies on an organization trail (none otherwise). */
export async function checkAuditTrails(
  config: Pick<DeliveryConfig, 'environments' | 'pipeline'> & { audit: AuditConfig },
  cloudTrail: (where: Where) => CloudTrailApi,
  caller: string,
): Promise<CheckResult[]> {
  if (config.audit.trail !== 'organization') return [];
  const context = { caller, pipelineAccount: config.pipeline.account };
  return Promise.all(trailCheckTargets(config).map((where) => checkOrganizationTrail(where, cloudTrail(where), context)));
}
