import { CfnResource, Stack, Stage } from 'aws-cdk-lib';
import { NagPackSuppression, NagSuppressions } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { GUARD_METADATA_KEY, GuardSuppressionMetadata } from './guard-metadata';
import { isFullSentence, MIN_REASON_WORDS } from '../../shared/full-sentence';

/*
 * The suppression mechanism: every cdk-nag and guard-rule exception of the project goes through
 * these functions. The exceptions themselves live beside the constructs they concern (each
 * folder's suppressions.ts exports one Suppressor), and the app passes them all to
 * ComplianceChecks (src/synth/project-suppressions.ts). Rules:
 * - fix the resource first; suppress only what is a conscious, explained trade-off;
 * - each suppression is scoped to ONE CloudFormation resource (never stack-wide, never
 *   applyToChildren), and IAM5 wildcard findings name the exact wildcard (`appliesTo`);
 * - the reason says why in a full sentence (>= 8 words, ending with a period): `rule()`
 *   refuses anything shorter, and the compliance tests check the synthesized metadata.
 * The report (cdk.out/compliance-report.md) lists every suppression with its reason.
 */

export const AWS = 'AwsSolutions';
export const NIST = 'NIST.800.53.R5';
export const HIPAA = 'HIPAA.Security';
export const PCI = 'PCI.DSS.321';
/** The three control-framework packs share rule names (e.g. S3BucketLoggingEnabled). */
export const FRAMEWORKS = [NIST, HIPAA, PCI];

/* The reason rule is shared with the config's written opt-outs (src/shared/full-sentence.ts). */
export { isFullSentence, MIN_REASON_WORDS } from '../../shared/full-sentence';

/**
 * The exceptions of one folder: called once for every construct of a scope (an App or a
 * Stage, in tree order) when ComplianceChecks is applied to it; it suppresses what it knows
 * about that construct (by class) and ignores the rest.
 */
export type Suppressor = (construct: IConstruct) => void;

/** One suppression of `ruleName` for each of `packs`, with one reason (and optional wildcard findings). */
export function rule(ruleName: string, packs: readonly string[], reason: string, appliesTo?: string[]): NagPackSuppression[] {
  if (!isFullSentence(reason)) {
    throw new Error(`Suppression of ${ruleName} needs a reason in a full sentence (>= ${MIN_REASON_WORDS} words, ending with a period): "${reason}"`);
  }
  return packs.map((pack) => ({ id: `${pack}-${ruleName}`, reason, ...(appliesTo ? { appliesTo } : {}) }));
}

/** Attach suppressions to the ONE CloudFormation resource behind `construct`. */
export function suppress(construct: IConstruct, ...suppressions: NagPackSuppression[][]): void {
  const l1 = construct instanceof CfnResource ? construct : construct.node.defaultChild;
  if (!(l1 instanceof CfnResource)) {
    throw new Error(`Suppression target ${construct.node.path} is not (and has no default) CloudFormation resource`);
  }
  NagSuppressions.addResourceSuppressions(l1, suppressions.flat(), false);
}

/** Suppress Control Tower guard rules (by rule name) on the ONE CloudFormation resource behind `construct`. */
export function guard(construct: IConstruct, ruleNames: readonly string[], reason: string): void {
  if (!isFullSentence(reason)) {
    throw new Error(`Guard suppression of ${ruleNames.join(', ')} needs a reason in a full sentence (>= ${MIN_REASON_WORDS} words, ending with a period): "${reason}"`);
  }
  const l1 = construct instanceof CfnResource ? construct : construct.node.defaultChild;
  if (!(l1 instanceof CfnResource)) {
    throw new Error(`Guard suppression target ${construct.node.path} is not (and has no default) CloudFormation resource`);
  }
  const existing = l1.getMetadata(GUARD_METADATA_KEY) as GuardSuppressionMetadata | undefined;
  const rules = [...new Set([...(existing?.SuppressedRules ?? []), ...ruleNames])];
  const reasons = { ...(existing?.Reasons ?? {}) };
  for (const r of ruleNames) reasons[r] = reason;
  l1.addMetadata(GUARD_METADATA_KEY, { SuppressedRules: rules, Reasons: reasons });
}

/** Every L1 resource of a CloudFormation type under `scope` (one Stage's or the App's own). */
export function resourcesOfType(scope: IConstruct, type: string): CfnResource[] {
  return scope.node.findAll().filter((c): c is CfnResource => c instanceof CfnResource && c.cfnResourceType === type);
}

export function child(scope: IConstruct, ...ids: string[]): IConstruct {
  let node = scope;
  for (const id of ids) {
    const next = node.node.tryFindChild(id);
    if (!next) throw new Error(`Suppression target ${node.node.path}/${id} not found (was it renamed? update the suppressions.ts beside that construct)`);
    node = next;
  }
  return node;
}

export function logicalId(construct: IConstruct): string {
  const l1 = construct instanceof CfnResource ? construct : construct.node.defaultChild as CfnResource;
  return Stack.of(l1).getLogicalId(l1);
}

/** Why CDK's grants stay inline (shared by every role exception). */
export const CDK_GRANT_INLINE = 'CDK grants write least-privilege statements scoped to named resources into the role\'s own '
  + 'inline DefaultPolicy; a customer-managed policy would hold the same statements and add a separately versioned object.';

/** No bucket of the project feeds an event consumer, and none holds records under legal hold. */
export function bucketWithoutEventsOrObjectLock(bucket: IConstruct): void {
  guard(bucket, ['s3_event_notifications_enabled_check'],
    'No process consumes events of this bucket, and its access is already audited by CloudTrail and access logs.');
  guard(bucket, ['s3_bucket_object_lock_enabled_check'],
    'Objects expire by lifecycle rule and stay recoverable through versioning, so Object Lock retention would block that expiry.');
}

/**
 * Apply the project's suppressions to what exists in `scope` (an App or a Stage): every
 * suppressor sees every construct, in tree order. Nested Stages are skipped: each Stage is
 * passed here on its own before it synthesizes.
 */
export function applySuppressions(scope: IConstruct, suppressors: readonly Suppressor[]): void {
  for (const c of constructsOf(scope)) {
    for (const suppressor of suppressors) suppressor(c);
  }
}

function constructsOf(scope: IConstruct): IConstruct[] {
  const out: IConstruct[] = [];
  const visit = (c: IConstruct) => {
    if (c !== scope && Stage.isStage(c)) return;
    out.push(c);
    c.node.children.forEach(visit);
  };
  visit(scope);
  return out;
}
