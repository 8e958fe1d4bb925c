/**
 * The shell commands the project's Markdown tells a reader to run, read the way bash would read
 * them: every ```bash / ```sh block (continuation lines joined, comments dropped, statements split
 * at `;`, `&&`, `||` and `|`, each `$(...)` a command of its own, `NAME=value` and `for NAME in`
 * remembered and substituted, a shell function's body run with the arguments it is called with)
 * and every inline code span of the prose that starts with a command (`aws ...`, `npx ...`).
 * test/docs/runbook-commands.test.ts checks what each one names against the sample.
 */

/** One command as a reader would run it. */
export interface DocCommand {
  /** The document, relative to the repository root (`RUNBOOKS.md`). */
  readonly doc: string;
  /** Line of the document the command starts on (1-based). */
  readonly line: number;
  /** The words after quote removal and variable substitution; `$NAME` stays for a value only known at run time. */
  readonly words: readonly string[];
  /** Environment assignments in front of the command (`AWS_PROFILE=prod npx ...`). */
  readonly env: Readonly<Record<string, string>>;
  /** The variable the command's output is assigned to (`SECRET=$(aws ...)`), if any. */
  readonly assignsTo?: string;
  /** An inline mention rather than a complete command (it elides options with `...` or shows usage brackets). */
  readonly partial: boolean;
  /** Directory the command runs in, relative to the repository root (`app` after `cd app &&`). */
  readonly cwd: string;
}

/** A shell variable: its values (several for a `for` loop), or undefined when only run time knows it. */
type Vars = Map<string, readonly string[] | undefined>;

/** The statements of a line of shell, split at top-level separators; each `$(...)` is replaced by a marker. */
interface Split {
  readonly statements: string[];
  /** The text inside each `$(...)`, by marker index. */
  readonly substitutions: string[];
}

const KEPT_SPACE = '\u0001';
const MARK = (i: number) => `\u0000${i}\u0000`;
const MARKED = /\u0000(\d+)\u0000/g;

/** Index of the `)` that closes the `$(` at `open` (quotes and nested parentheses skipped). */
function closingParen(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '\'' || c === '"') {
      quote = c;
    } else if (c === '(') {
      depth++;
    } else if (c === ')' && --depth === 0) {
      return i;
    }
  }
  throw new Error(`unbalanced $( in: ${text}`);
}

/** Split one logical line into statements; command substitutions become markers. */
function split(line: string, substitutions: string[] = []): Split {
  const statements: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== '\'' && c === '$' && line[i + 1] === '(') {
      const end = closingParen(line, i + 1);
      substitutions.push(line.slice(i + 2, end));
      current += MARK(substitutions.length - 1);
      i = end;
      continue;
    }
    if (quote) {
      if (c === quote) quote = undefined;
      current += c;
      continue;
    }
    if (c === '\'' || c === '"' || c === '`') {
      quote = c;
      current += c;
      continue;
    }
    if (c === '#' && (current === '' || /\s$/.test(current))) break;
    const two = line.slice(i, i + 2);
    if (two === '&&' || two === '||') {
      statements.push(current);
      current = '';
      i++;
    } else if (c === ';' || c === '|') {
      statements.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  statements.push(current);
  return { statements: statements.map((s) => s.trim()).filter((s) => s !== ''), substitutions };
}

/** Shell words of a statement: quotes removed, `$NAME` / `${NAME}` substituted where known (one word list per value combination). */
function words(statement: string, vars: Vars): string[][] {
  const raw: Array<{ text: string; expand: boolean }[]> = [];
  let word: { text: string; expand: boolean }[] | undefined;
  let quote: string | undefined;
  let part = '';
  const flush = (expand: boolean) => {
    if (part !== '') (word ??= []).push({ text: part, expand });
    part = '';
  };
  for (const c of statement) {
    if (quote) {
      if (c === quote) {
        flush(quote === '"');
        quote = undefined;
        word ??= [];
      } else {
        part += c;
      }
    } else if (c === '\'' || c === '"') {
      flush(true);
      quote = c;
      word ??= [];
    } else if (/\s/.test(c)) {
      flush(true);
      if (word) raw.push(word);
      word = undefined;
    } else {
      part += c;
    }
  }
  flush(true);
  if (word) raw.push(word);
  // One word list per combination of the values of the variables used: a `for` loop's variable
  // has one value at a time, the same in every word of the statement.
  const NAME = /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g;
  const used = [...new Set(raw.flatMap((w) => w.filter((p) => p.expand).flatMap((p) => [...p.text.matchAll(NAME)].map((m) => m[1]))))]
    .filter((name) => vars.get(name) !== undefined);
  let bindings: Array<Record<string, string>> = [{}];
  for (const name of used) bindings = bindings.flatMap((b) => vars.get(name)!.map((v) => ({ ...b, [name]: v })));
  return bindings.map((b) => raw.map((w) => w.map((p) => (p.expand ? p.text.replace(NAME, (all, name: string) => b[name] ?? all) : p.text)).join('')));
}

/** What one block (or one inline span) holds, read statement by statement. */
class ShellReader {
  private readonly vars: Vars = new Map();
  private readonly functions = new Map<string, string>();
  public readonly commands: DocCommand[] = [];

  constructor(private readonly doc: string, private readonly partial: boolean) {}

  /** Read one logical line (continuations already joined). */
  public line(raw: string, line: number, cwd = '', assignsTo?: string): string {
    // A placeholder is one word even when it has spaces (`<execution id>`).
    const text = raw.replace(/<[^<>\n]*>/g, (p) => p.replace(/ /g, KEPT_SPACE));
    const fn = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(\)\s*\{([\s\S]*)\}\s*;?\s*$/.exec(text);
    if (fn) {
      this.functions.set(fn[1], fn[2].trim().replace(/;\s*$/, ''));
      return cwd;
    }
    const { statements, substitutions } = split(text);
    let dir = cwd;
    for (const statement of statements) dir = this.statement(statement, substitutions, line, dir, assignsTo);
    return dir;
  }

  private statement(statement: string, substitutions: readonly string[], line: number, cwd: string, assignsTo?: string): string {
    // `for NAME in a b c` (its `do` follows after `;`), `do cmd`, `done`.
    const loop = /^for\s+([A-Za-z_]\w*)\s+in\s+(.+)$/.exec(statement);
    if (loop) {
      this.vars.set(loop[1], loop[2].trim().split(/\s+/));
      return cwd;
    }
    if (statement === 'done' || statement === 'do') return cwd;
    const body = statement.replace(/^do\s+/, '');
    // NAME=$(...) or NAME=value, alone or in front of a command.
    const env: Record<string, string> = {};
    let rest = body;
    for (let m = /^([A-Za-z_]\w*)=(\S*)\s*/.exec(rest); m; m = /^([A-Za-z_]\w*)=(\S*)\s*/.exec(rest)) {
      const sub = /^\u0000(\d+)\u0000$/.exec(m[2]) ?? /^"\u0000(\d+)\u0000"$/.exec(m[2]);
      if (sub) {
        this.line(substitutions[Number(sub[1])], line, cwd, m[1]);
        this.vars.set(m[1], undefined);
      } else {
        env[m[1]] = m[2].replace(/^['"]|['"]$/g, '');
      }
      rest = rest.slice(m[0].length);
    }
    if (rest === '') {
      for (const [name, value] of Object.entries(env)) this.vars.set(name, [value]);
      return cwd;
    }
    // The commands inside $(...) run first; a call of a shell function runs its body.
    let text = rest;
    for (const m of rest.matchAll(MARKED)) this.line(substitutions[Number(m[1])], line, cwd);
    text = text.replace(MARKED, '$RUNTIME');
    for (const combo of words(text, this.vars)) {
      const fn = this.functions.get(combo[0]);
      if (fn !== undefined) {
        const args = combo.slice(1);
        this.line(fn.replace(/\$(\d)/g, (_, n: string) => args[Number(n) - 1] ?? ''), line, cwd, assignsTo);
        continue;
      }
      if (combo[0] === 'cd' && combo.length === 2) return combo[1].replace(/\/$/, '');
      const restored = combo.map((w) => w.split(KEPT_SPACE).join(' '));
      this.commands.push({ doc: this.doc, line, words: restored, env, assignsTo, partial: this.partial || restored.some((w) => w === '...' || /^\[.*\]?$/.test(w)), cwd });
    }
    return cwd;
  }
}

/** The fenced blocks of a document in a shell language, with the line each starts on. */
function shellBlocks(markdown: string): Array<{ line: number; lines: string[] }> {
  const out: Array<{ line: number; lines: string[] }> = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```|~~~)\s*(\S*)/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.trim().startsWith(open[2]));
    if (['bash', 'sh', 'shell'].includes(open[3])) out.push({ line: i + 2, lines: lines.slice(i + 1, end) });
    i = end;
  }
  return out;
}

/** The prose lines of a document (outside fences), with their line numbers. */
function proseLines(markdown: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((text, i) => {
    const marker = /^\s*(```|~~~)/.exec(text)?.[1];
    if (marker && (fence === undefined || fence === marker)) {
      fence = fence === undefined ? marker : undefined;
      return;
    }
    if (fence === undefined) out.push({ line: i + 1, text });
  });
  return out;
}

/** A command word an inline code span must start with to count as a command. */
const COMMAND_START = /^(?:[A-Z_][A-Z0-9_]*=\S+\s+)*(aws|npx|cdk|curl|dig|git|cd)\s/;

/**
 * Every command of a Markdown document: its shell blocks, then its inline code spans that start
 * with a command (a span may wrap onto the next line of the paragraph).
 */
export function docCommands(markdown: string, doc: string): DocCommand[] {
  const out: DocCommand[] = [];
  for (const block of shellBlocks(markdown)) {
    const reader = new ShellReader(doc, false);
    let cwd = '';
    let pending = '';
    let start = block.line;
    block.lines.forEach((text, i) => {
      if (pending === '') start = block.line + i;
      if (/\\\s*$/.test(text)) {
        pending += `${text.replace(/\\\s*$/, '')} `;
        return;
      }
      const line = pending + text;
      pending = '';
      // A block's `cd` holds for the rest of that line only (`cd app && npx jest ...`).
      reader.line(line, start, cwd);
      cwd = '';
    });
    out.push(...reader.commands);
  }
  const prose = proseLines(markdown);
  const paragraphText = prose.map((p) => p.text).join('\n');
  const lineAt = (offset: number) => prose[paragraphText.slice(0, offset).split('\n').length - 1].line;
  for (const m of paragraphText.matchAll(/`([^`]+)`/g)) {
    const span = m[1].replace(/\s*\n\s*/g, ' ');
    if (!COMMAND_START.test(span)) continue;
    // Usage syntax (`[--run]`, `--planned\|--unplanned`) or elided options (`...`): a mention, not a complete command.
    const reader = new ShellReader(doc, /\s\[[-<]|\\\||\.\.\./.test(span));
    reader.line(span.replace(/\\\|/g, ' '), lineAt(m.index));
    out.push(...reader.commands);
  }
  return out;
}

/** The options of a command (`--name value` or `--name=value`; a flag without a value maps to ''), by name without the dashes. */
export function optionsOf(command: DocCommand): Map<string, string[]> {
  const options = new Map<string, string[]>();
  const w = command.words;
  for (let i = 0; i < w.length; i++) {
    const m = /^--([A-Za-z0-9][\w-]*)(?:=(.*))?$/.exec(w[i].replace(/^\[|\]$/g, ''));
    if (!m) continue;
    let value = m[2];
    if (value === undefined) value = i + 1 < w.length && !w[i + 1].startsWith('--') ? w[++i] : '';
    options.set(m[1], [...options.get(m[1]) ?? [], value]);
  }
  return options;
}
