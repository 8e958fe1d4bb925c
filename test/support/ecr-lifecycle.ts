/**
 * A small model of how ECR evaluates a lifecycle policy, to check what the synthesized policies
 * would delete. It follows the evaluation rules of the ECR user guide ("Lifecycle policy
 * evaluation rules"):
 * - rules apply in rulePriority order, lowest first;
 * - `tagPrefixList` / `tagPatternList` select an image when, for EACH listed prefix/pattern,
 *   ANY of the image's tags matches it (so one matching tag is enough, whatever other tags the
 *   image carries);
 * - `untagged` selects images without tags, `any` every image;
 * - `sinceImagePushed` expires selected images pushed more than countNumber days ago;
 *   `imageCountMoreThan` keeps the countNumber newest selected images and expires the rest;
 * - an image selected by a rule's tag criteria cannot be expired by a rule of lower priority.
 */

/** One image in a repository. */
export interface LifecycleImage {
  readonly id: string;
  readonly tags: readonly string[];
  /** Days since it was pushed (replicated, in a replica). */
  readonly pushedDaysAgo: number;
}

interface Rule {
  readonly rulePriority: number;
  readonly selection: {
    readonly tagStatus: 'tagged' | 'untagged' | 'any';
    readonly tagPrefixList?: readonly string[];
    readonly tagPatternList?: readonly string[];
    readonly countType: 'sinceImagePushed' | 'imageCountMoreThan';
    readonly countNumber: number;
  };
  readonly action: { readonly type: string };
}

const wildcard = (pattern: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

function selects(rule: Rule, image: LifecycleImage): boolean {
  const { tagStatus, tagPrefixList, tagPatternList } = rule.selection;
  if (tagStatus === 'untagged') return image.tags.length === 0;
  if (tagStatus === 'any') return true;
  if (image.tags.length === 0) return false;
  const prefixes = (tagPrefixList ?? []).every((p) => image.tags.some((t) => t.startsWith(p)));
  const patterns = (tagPatternList ?? []).every((p) => image.tags.some((t) => wildcard(p).test(t)));
  return prefixes && patterns;
}

/** The ids of the images a lifecycle policy (its JSON text) expires. */
export function expiredBy(policyText: string, images: readonly LifecycleImage[]): string[] {
  const rules = [...(JSON.parse(policyText) as { rules: Rule[] }).rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const claimed = new Set<string>();
  const expired = new Set<string>();
  for (const rule of rules) {
    const selected = images.filter((i) => !claimed.has(i.id) && selects(rule, i));
    selected.forEach((i) => claimed.add(i.id));
    const { countType, countNumber } = rule.selection;
    const doomed = countType === 'sinceImagePushed'
      ? selected.filter((i) => i.pushedDaysAgo > countNumber)
      : [...selected].sort((a, b) => a.pushedDaysAgo - b.pushedDaysAgo).slice(countNumber);
    if (rule.action.type === 'expire') doomed.forEach((i) => expired.add(i.id));
  }
  return images.filter((i) => expired.has(i.id)).map((i) => i.id);
}
