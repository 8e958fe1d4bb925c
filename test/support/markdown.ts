/**
 * Reading the project's Markdown the way GitHub renders it, for the tests that keep the docs
 * navigable: headings and their anchors, links, a table of contents, a block between markers.
 */

/** A heading of a Markdown document (outside code blocks). */
export interface Heading {
  /** 1 for `#`, 2 for `##`, ... */
  readonly level: number;
  /** The heading's text as written, without the leading `#`s. */
  readonly text: string;
  /** GitHub's anchor for it (`#` + slug), with `-1`, `-2`... on repeated texts. */
  readonly slug: string;
}

/** A Markdown link `[text](target)` (outside code blocks and inline code). */
export interface MarkdownLink {
  /** The link text. */
  readonly text: string;
  /** The target as written: a URL, `path`, `path#anchor` or `#anchor`. */
  readonly target: string;
}

/** The lines of a document that are not inside a fenced code block (``` or ~~~). */
function proseLines(markdown: string): string[] {
  let fence: string | undefined;
  const out: string[] = [];
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (marker && (fence === undefined || fence === marker)) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence === undefined) out.push(line);
  }
  return out;
}

/**
 * GitHub's anchor slug of a heading (github-slugger's rule on the rendered text): the text as
 * rendered (inline code, emphasis and link syntax removed), lower-cased, every character that
 * is not a letter, digit, `_`, space or `-` dropped, and each space turned into `-`.
 */
export function githubSlug(heading: string): string {
  const rendered = heading.split(/(`[^`]*`)/).map((part) => (part.startsWith('`')
    ? part.slice(1, -1)
    : part
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\*\*(.+?)\*\*|\*(.+?)\*/g, '$1$2')
      .replace(/(^|[^\p{L}\p{N}])__?(.+?)__?(?=[^\p{L}\p{N}]|$)/gu, '$1$2'))).join('').trim();
  return rendered.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every heading of a document, in order, with the anchor GitHub gives it. */
export function headingsOf(markdown: string): Heading[] {
  const seen = new Map<string, number>();
  const out: Heading[] = [];
  for (const line of proseLines(markdown)) {
    const match = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (!match) continue;
    const base = githubSlug(match[2]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.push({ level: match[1].length, text: match[2], slug: count === 0 ? base : `${base}-${count}` });
  }
  return out;
}

/** Every link of a document, in order (images included, inline code and code blocks not). */
export function linksOf(markdown: string): MarkdownLink[] {
  const out: MarkdownLink[] = [];
  for (const line of proseLines(markdown)) {
    const prose = line.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push({ text: m[1], target: m[2] });
  }
  return out;
}

/** The text between `<!-- <name>:start -->` and `<!-- <name>:end -->`, or undefined without both. */
export function markedBlock(markdown: string, name: string): string | undefined {
  const start = markdown.indexOf(`<!-- ${name}:start -->`);
  const end = markdown.indexOf(`<!-- ${name}:end -->`);
  if (start < 0 || end < start) return undefined;
  return markdown.slice(start + `<!-- ${name}:start -->`.length, end);
}

/**
 * What is wrong with a document's table of contents (the block between `<!-- toc:start -->` and
 * `<!-- toc:end -->`), one line per problem: no TOC, a `##` heading it does not link, a link to an
 * anchor no heading has, links out of the document's order.
 */
export function tocProblems(markdown: string): string[] {
  const toc = markedBlock(markdown, 'toc');
  if (toc === undefined) return ['no table of contents (<!-- toc:start --> ... <!-- toc:end -->)'];
  const headings = headingsOf(markdown);
  const anchors = linksOf(toc).filter((l) => l.target.startsWith('#')).map((l) => l.target.slice(1));
  const problems: string[] = [];
  for (const h of headings.filter((x) => x.level === 2)) {
    if (!anchors.includes(h.slug)) problems.push(`"## ${h.text}" is not in the table of contents (add [${h.text}](#${h.slug}))`);
  }
  for (const anchor of anchors) {
    if (!headings.some((h) => h.slug === anchor)) problems.push(`the table of contents links #${anchor}, which no heading has`);
  }
  const order = anchors.map((a) => headings.findIndex((h) => h.slug === a)).filter((i) => i >= 0);
  if (order.some((index, i) => i > 0 && index < order[i - 1])) problems.push('the table of contents is not in the order of the headings');
  return problems;
}
