/**
 * The one rule for a written justification (a cdk-nag or guard suppression reason, a config
 * opt-out such as `allowPlainHttp.reason`): a full sentence, so a reviewer reads why.
 */

/** Minimum words of a reason. */
export const MIN_REASON_WORDS = 8;

/** Whether a reason is a full sentence: at least MIN_REASON_WORDS words, ending with a period. */
export function isFullSentence(reason: string): boolean {
  return reason.trim().split(/\s+/).length >= MIN_REASON_WORDS && /\.$/.test(reason.trim());
}
