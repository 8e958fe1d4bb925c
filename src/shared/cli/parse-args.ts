import { parseArgs } from 'util';
import { UsageError } from './errors';

/**
 * One way to read a command line, on node:util parseArgs, with one wording for what is wrong:
 *
 * - `unknown argument "--x"` followed by the options the command takes;
 * - `--x needs a value: --x <hint>` (also when the next word is another `--option`);
 * - `--x takes no value` (a switch given as `--x=...`);
 * - `--x given more than once: give it once`;
 * - `--x is required: --x <hint>` ({@link requireOption}).
 *
 * Values are written `--x value` or `--x=value`; a value may start with a single dash (`-1`).
 * A lone `--` is skipped: `npx projen <task> -- --flag` hands it through, and it separates nothing here.
 */

/** One option a command takes. */
export interface OptionSpec {
  /** `string`: takes a value; `boolean`: a switch. */
  readonly type: 'string' | 'boolean';
  /** May be given more than once; its values are collected in order. @default false */
  readonly multiple?: boolean;
  /** What the value looks like, for the messages: `<region>`, `path/to/delivery.json`. @default VALUE */
  readonly hint?: string;
  /**
   * The words after the value, up to the next `--option`, belong to it, joined by spaces:
   * projen hands `-- ...` to a shell unquoted, so `--source "registry schemas, us-east-1"`
   * arrives as several words. @default false
   */
  readonly words?: boolean;
}

/** Options named by a pattern, e.g. `--profile-<account>=<name>`. */
export interface PatternOption {
  /** The names it matches, without the dashes: `/^profile-\d{12}$/`. */
  readonly pattern: RegExp;
  /** How the usage shows it: `--profile-<12-digit account>=<aws profile>`. */
  readonly shown: string;
}

/** The options a command takes, by name without the dashes. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** What a command line may hold. */
export interface ArgsSpec<O extends OptionSpecs> {
  readonly options: O;
  /** How many positional arguments the command takes at most. @default 0 */
  readonly positionals?: number;
  /** Options named by a pattern instead of a fixed name; each takes a value written with `=`. @default - none */
  readonly patterns?: readonly PatternOption[];
}

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean' ? boolean : S extends { readonly multiple: true } ? string[] : string;

/** The values given, by option name; an option not given is absent. */
export type OptionValues<O extends OptionSpecs> = { readonly [K in keyof O]?: ValueOf<O[K]> };

/** A parsed command line. */
export interface ParsedArgs<O extends OptionSpecs> {
  readonly values: OptionValues<O>;
  readonly positionals: readonly string[];
  /** The options matched by {@link ArgsSpec.patterns}, by name without the dashes. */
  readonly patterned: Readonly<Record<string, string>>;
}

/** Parse `argv` (without node and the script); throws {@link UsageError} naming the flag and the fix. */
export function parseCliArgs<const O extends OptionSpecs>(argv: readonly string[], spec: ArgsSpec<O>): ParsedArgs<O> {
  const { tokens } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: Object.fromEntries(Object.entries(spec.options).map(([name, o]) => [name, { type: o.type }])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, string | string[] | boolean> = {};
  const patterned: Record<string, string> = {};
  const positionals: string[] = [];
  const unknown = (arg: string) => new UsageError(`unknown argument ${JSON.stringify(arg)}; ${takes(spec)}`);
  let words: string | undefined;
  for (const token of tokens) {
    if (token.kind === 'positional') {
      if (words !== undefined) {
        values[words] = `${String(values[words])} ${token.value}`;
      } else {
        if (positionals.length >= (spec.positionals ?? 0)) throw unknown(token.value);
        positionals.push(token.value);
      }
      continue;
    }
    if (token.kind !== 'option') continue;
    words = undefined;
    const { name, rawName, value, inlineValue } = token;
    const option = Object.prototype.hasOwnProperty.call(spec.options, name) && rawName.startsWith('--') ? spec.options[name] : undefined;
    if (!option) {
      if (rawName.startsWith('--') && inlineValue && value !== undefined && spec.patterns?.some((p) => p.pattern.test(name))) {
        patterned[name] = value;
        continue;
      }
      throw unknown(inlineValue ? `${rawName}=${value}` : rawName);
    }
    if (option.type === 'boolean') {
      if (inlineValue) throw new UsageError(`${rawName} takes no value (got ${JSON.stringify(`${rawName}=${value}`)}): give it alone`);
      values[name] = true;
      continue;
    }
    if (value === undefined || (!inlineValue && value.startsWith('--'))) {
      throw new UsageError(`${rawName} needs a value: ${rawName} ${option.hint ?? 'VALUE'}`);
    }
    if (option.multiple) {
      values[name] = [...(values[name] as string[] | undefined) ?? [], value];
    } else {
      if (values[name] !== undefined) throw new UsageError(`${rawName} given more than once: give it once`);
      values[name] = value;
    }
    if (option.words && !inlineValue) words = name;
  }
  return { values: values as OptionValues<O>, positionals, patterned };
}

/**
 * The value of a required option; throws {@link UsageError} `--name is required` when it is
 * missing or empty.
 */
export function requireOption(value: string | undefined, name: string, hint = 'VALUE'): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required: --${name} ${hint}`);
  return value;
}

/** `the options are --a, --b VALUE, ...` for the unknown-argument message. */
function takes(spec: ArgsSpec<OptionSpecs>): string {
  const names = Object.entries(spec.options).map(([name, o]) => (o.type === 'string' ? `--${name} ${o.hint ?? 'VALUE'}` : `--${name}`));
  const all = [...names, ...(spec.patterns ?? []).map((p) => p.shown)];
  return all.length ? `the options are ${all.join(', ')}` : 'it takes no options';
}
