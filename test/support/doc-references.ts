import { headingsOf } from './markdown';

/**
 * What the project's prose sends a reader to, besides commands: a section of a document by its
 * title (`RUNBOOKS.md "Regional failure"`, `see "Versions"`), a file of the repository
 * (`src/db/pool.ts`), and a symbol of such a file (`TrafficSwitchRole` in
 * `src/synth/progressive-deployment/traffic-switch-role.ts`). test/docs/runbook-commands.test.ts
 * checks each against the documents and the code.
 */

/** A reference to a section by its title. */
export interface SectionReference {
  /** Where the reference is written: a document or a source file. */
  readonly from: string;
  readonly line: number;
  /** The document it names, relative to the repository root. */
  readonly doc: string;
  /** The quoted title. */
  readonly title: string;
  /** `"title" under "section"`: the section the titled part is in. */
  readonly under?: string;
}

/** A path of the repository a document names. */
export interface PathMention {
  readonly from: string;
  readonly line: number;
  readonly path: string;
}

/** A symbol a document says a file holds. */
export interface SymbolPointer {
  readonly from: string;
  readonly line: number;
  readonly symbol: string;
  readonly path: string;
}

/** The line of `offset` in `text` (1-based). */
function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** The text with fenced code blocks blanked (lines kept, so line numbers stay right). */
function withoutFences(markdown: string): string {
  let fence: string | undefined;
  return markdown.split('\n').map((line) => {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (marker && (fence === undefined || fence === marker)) {
      fence = fence === undefined ? marker : undefined;
      return '';
    }
    return fence === undefined ? line : '';
  }).join('\n');
}

const DOC_NAMES: Record<string, string> = { 'README': 'README.md', 'RUNBOOKS': 'RUNBOOKS.md', 'app/README': 'app/README.md' };

/**
 * The section references of a text (a document, or a source file's comments): `README "X"`,
 * `RUNBOOKS.md "X"`, `app/README.md, "X"` anywhere; in a document also `see "X"`, `follow "X"`
 * and `described in "X"` (a section of that same document); either may add `under "Y"`.
 * A reference may wrap onto the next line.
 */
export function sectionReferences(text: string, from: string, ownDoc?: string): SectionReference[] {
  const out: SectionReference[] = [];
  const prose = ownDoc ? withoutFences(text) : text;
  // Between the words a source comment may wrap (`//`, ` * `).
  const gap = '(?:\\s|\\/\\/|\\*(?!\\*))+';
  const pattern = new RegExp(`(?:\\b(app\\/README|README|RUNBOOKS)(?:\\.md)?,?|\\b([Ss]ee|[Ff]ollow|described in))${gap}"([^"\\n]+)"(?:${gap}under${gap}"([^"\\n]+)")?`, 'g');
  for (const m of prose.matchAll(pattern)) {
    const doc = m[1] ? DOC_NAMES[m[1]] : ownDoc;
    if (!doc) continue;
    // A quoted link (`"[Drift detected](RUNBOOKS.md#drift-detected)"`): its text is the title (the navigation test checks the anchor).
    // In a source file's single-quoted string an apostrophe is escaped (`"The token issuer\'s region"`).
    const quoted = ownDoc ? m[3] : m[3].replace(/\\'/g, "'");
    const title = /^\[(.+)\]\([^)]*\)$/.exec(quoted)?.[1] ?? quoted;
    out.push({ from, line: lineOf(prose, m.index), doc, title, under: m[4] });
  }
  return out;
}

/** The rendered text of a heading or of a bold run-in title (`**3. Retained ... re-create.**`), for comparing with a quoted title. */
function plain(text: string): string {
  return text.replace(/`/g, '').replace(/\*\*/g, '').replace(/^\d+\.\s+/, '').replace(/[.:]\s*$/, '').trim().toLowerCase();
}

/**
 * Whether `title` names a section of `markdown`: a heading that starts with it (a reference may
 * shorten "Bake between prod regions, and rollback on failure" to its start); with `under`, a
 * heading or a bold run-in paragraph title inside the section `under` names.
 */
export function resolvesTo(markdown: string, title: string, under?: string): boolean {
  const headings = headingsOf(markdown);
  const wanted = plain(title);
  if (!under) return headings.some((h) => plain(h.text).startsWith(wanted));
  const index = headings.findIndex((h) => plain(h.text).startsWith(plain(under)));
  if (index < 0) return false;
  const level = headings[index].level;
  // Lines of code blocks (a `# comment` in a shell block) are no headings.
  const lines = withoutFences(markdown).split('\n');
  const start = lines.findIndex((l) => /^#{1,6}\s/.test(l) && plain(l.replace(/^#+\s+/, '')) === plain(headings[index].text));
  const end = lines.findIndex((l, i) => i > start && new RegExp(`^#{1,${level}}\\s`).test(l));
  const section = lines.slice(start + 1, end < 0 ? undefined : end);
  return section.some((l) => {
    const heading = /^#{1,6}\s+(.*)$/.exec(l)?.[1];
    const runIn = /^\*\*(.+?)\*\*/.exec(l)?.[1];
    return [heading, runIn].some((t) => t !== undefined && plain(t).startsWith(wanted));
  });
}

/** Roots a repository path mentioned in prose starts with. */
const PATH = /(?<![\w./-])((?:src|test|app\/src|app\/test|app\/tools|tools|scripts|bootstrap|versions|projenrc|integ|docs)\/[\w./<>*-]*[\w/*>]|\.projenrc\.ts)/g;

/** The repository paths a document names (in code spans or plain prose; `<x>` and `*` are wildcards). */
export function pathMentions(markdown: string, from: string): PathMention[] {
  const prose = withoutFences(markdown);
  return [...prose.matchAll(PATH)].map((m) => ({ from, line: lineOf(prose, m.index), path: m[1].replace(/[.]$/, '') }));
}

/** An identifier as code names it: `Name`, `name`, `NAME_X`, `Class.member`. */
const IDENT = '[A-Za-z_$][\\w$]*(?:\\.[A-Za-z_$][\\w$]*)?';
const FILE = '(?:src|app\\/src|app\\/tools|tools|test|projenrc)\\/[\\w./-]+\\.ts';

/**
 * The symbols a document places in a file, in the forms the docs use:
 * "`Sym` in `file`", "`file` (`Sym`)", "(`file`, `Sym` and `Sym2`)", "`Sym` (`file`)"
 * (code spans or plain text for the file).
 */
export function symbolPointers(markdown: string, from: string): SymbolPointer[] {
  const prose = withoutFences(markdown).replace(/\n(?!\n)/g, ' ');
  const out: SymbolPointer[] = [];
  const add = (symbols: string, file: string, offset: number) => {
    for (const s of symbols.matchAll(new RegExp(`\`(${IDENT})\``, 'g'))) out.push({ from, line: lineOf(withoutFences(markdown), offset), symbol: s[1], path: file });
  };
  const sym = `\`${IDENT}\``;
  const list = `${sym}(?:(?:,\\s*|\\s+and\\s+)${sym})*`;
  const file = `\`?(${FILE})\`?`;
  for (const m of prose.matchAll(new RegExp(`(${list})\\s+in\\s+${file}`, 'g'))) add(m[1], m[2], m.index);
  for (const m of prose.matchAll(new RegExp(`${file}\\s*(?:\\(|,\\s*)(${list})`, 'g'))) add(m[2], m[1], m.index);
  for (const m of prose.matchAll(new RegExp(`(${list})\\s+\\(${file}`, 'g'))) add(m[1], m[2], m.index);
  return out;
}

/** Whether a TypeScript source declares `symbol` (for `Class.member`: the class, and the member in it). */
export function declares(source: string, symbol: string): boolean {
  const [name, member] = symbol.split('.');
  const declared = new RegExp(`\\b(?:class|function|const|let|var|interface|type|enum)\\s+${name.replace(/\$/g, '\\$')}\\b`).test(source);
  if (!member) return declared;
  return declared && new RegExp(`\\b${member}\\s*[(:=<]|\\b(?:get|set|readonly|static|public|private)\\s+${member}\\b`).test(source);
}

/** A stack output a document names in prose (`the `AlarmNames` output`, `` `ClusterName`/`ServiceName` outputs ``). */
export interface OutputMention {
  readonly from: string;
  readonly line: number;
  /** The key as written; with `prefix`, written `EdgeLoadBalancerUrl…` (CDK appends a hash to a nested construct's output key). */
  readonly key: string;
  readonly prefix: boolean;
}

/** The output keys a document's prose names: code spans right before the word "output(s)". */
export function outputMentions(markdown: string, from: string): OutputMention[] {
  const prose = withoutFences(markdown);
  const out: OutputMention[] = [];
  const key = '`[A-Za-z][\\w]*…?`';
  for (const m of prose.matchAll(new RegExp(`(${key}(?:\\s*(?:/|,|and|or)\\s*${key})*)\\s+outputs?\\b`, 'g'))) {
    for (const k of m[1].matchAll(/`([A-Za-z]\w*)(…?)`/g)) out.push({ from, line: lineOf(prose, m.index), key: k[1], prefix: k[2] === '…' });
  }
  return out;
}
