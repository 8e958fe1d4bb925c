/** Metadata key cfn-guard reads (`guard.SuppressedRules`); our guard task also reads `guard.Reasons`. */
export const GUARD_METADATA_KEY = 'guard';

/** The guard suppressions on one template resource, as written to its Metadata. */
export interface GuardSuppressionMetadata {
  /** Guard rule names (e.g. `s3_bucket_logging_enabled_check`) not to report on this resource. */
  readonly SuppressedRules: string[];
  /** Why, per rule name: a full sentence each. */
  readonly Reasons: Record<string, string>;
}
