/**
 * Whether git can have a branch of this name: the rules of `git check-ref-format --branch`
 * (see `git help check-ref-format`), so a typo in `source.branch` is refused at synth instead of
 * leaving a pipeline that never starts.
 *
 * @returns the broken rule as a sentence, or undefined for a valid name
 */
export function branchNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name === '@') return 'is "@", which git reserves';
  if (name === 'HEAD') return 'is "HEAD", which git reserves';
  if (name.startsWith('-')) return 'starts with "-"';
  // eslint-disable-next-line no-control-regex
  const bad = /[\x00-\x20\x7f~^:?*[\\]/.exec(name);
  if (bad) return `contains ${bad[0] === ' ' ? 'a space' : bad[0].charCodeAt(0) < 0x20 || bad[0] === '\x7f' ? 'a control character' : `"${bad[0]}"`}`;
  if (name.includes('..')) return 'contains ".."';
  if (name.includes('@{')) return 'contains "@{"';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'starts or ends with "/" or contains "//"';
  if (name.endsWith('.')) return 'ends with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return `has a part starting with "." ("${part}")`;
    if (part.endsWith('.lock')) return `has a part ending with ".lock" ("${part}")`;
  }
  return undefined;
}
