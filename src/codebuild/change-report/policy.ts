import { ENGINE_DOWNGRADE_RULE_ID } from './danger';
import { ChangeReport, allDangers } from './render';
import { DEFAULT_OVERRIDE_MARKER } from '../../config/override-marker';

export interface RefusalPolicy {
  /** Refuse a report with any stateful replacement, deletion or removed retention protection. */
  readonly blockStatefulReplacement: boolean;
  /** The commit message of the change being promoted. */
  readonly commitMessage?: string;
  /** A commit message containing this (exactly, case-sensitive) overrides the refusal. */
  readonly overrideMarker?: string;
}

export interface PolicyVerdict {
  readonly refused: boolean;
  /** Whether the override marker let a blocking report through. */
  readonly overridden: boolean;
  /** One human sentence for the log and the report. */
  readonly reason: string;
}

/**
 * Decide whether the change may go on to the approval. A database engine downgrade is always
 * refused (it cannot deploy). Conditional replacements
 * ("may replace") count: the refusal errs on the side of the data, and the marker exists
 * for the cases a human has checked.
 */
export function evaluatePolicy(report: ChangeReport, policy: RefusalPolicy): PolicyVerdict {
  // A database engine downgrade cannot deploy at all (CloudFormation cannot downgrade an
  // engine): refused whatever the policy and the commit message say.
  const downgrades = allDangers(report).filter((d) => d.finding.ruleId === ENGINE_DOWNGRADE_RULE_ID);
  if (downgrades.length) {
    const where = downgrades.map((d) => `${d.stack.target.stackName}/${d.finding.logicalId}`).join(', ');
    return {
      refused: true,
      overridden: false,
      reason: `REFUSED: database engine version below the deployed one (${where}); CloudFormation cannot downgrade an engine. `
        + 'Pin the deployed version or a later one (src/synth/workload/database-engine.ts); no commit marker overrides this.',
    };
  }
  const stateful = allDangers(report).filter((d) => d.finding.category === 'stateful');
  const marker = policy.overrideMarker ?? DEFAULT_OVERRIDE_MARKER;
  if (!policy.blockStatefulReplacement) {
    return { refused: false, overridden: false, reason: 'blockStatefulReplacement is off: the report is informational.' };
  }
  if (!stateful.length) {
    return { refused: false, overridden: false, reason: 'No stateful replacement or deletion.' };
  }
  const where = stateful.map((d) => `${d.stack.target.stackName}/${d.finding.logicalId}`).join(', ');
  if (marker && (policy.commitMessage ?? '').includes(marker)) {
    return { refused: false, overridden: true, reason: `${stateful.length} stateful finding(s) (${where}) allowed by "${marker}" in the commit message.` };
  }
  return {
    refused: true,
    overridden: false,
    reason: `REFUSED: ${stateful.length} stateful replacement/deletion finding(s) (${where}). `
      + `If this is intended and the data is safe, push a commit whose message contains "${marker}".`,
  };
}
