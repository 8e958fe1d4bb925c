import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { Finding, FindingKind } from './finding';
import { issuePath } from './issue-path';
import { InputError } from '../../shared/cli/errors';

/**
 * The allowlist is Trivy's own `.trivyignore.yaml` format, so the same file documents every
 * exception for humans, for Trivy and for this gate. Our rules on top of Trivy's:
 * every entry needs a non-empty `statement` and an `expired_at` date (YYYY-MM-DD), and
 * `purls` is not supported (an entry would otherwise suppress more than it says).
 *
 * Expiry follows Trivy: an entry stops applying at the start (UTC) of its `expired_at` day,
 * so on 2025-06-30 an entry with `expired_at: 2025-06-30` is expired.
 */

const SECTIONS = ['vulnerabilities', 'secrets', 'misconfigurations', 'licenses'] as const;
/** A top-level list of `.trivyignore.yaml`. */
export type AllowlistSection = typeof SECTIONS[number];

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A YYYY-MM-DD string that names a real calendar day. */
export function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

const entrySchema = z.strictObject({
  id: z.string({ error: 'is required: the finding id to allow (e.g. CVE-2024-1234, DS002, aws-access-key-id)' }).trim().min(1, { error: 'must not be empty' }),
  paths: z.array(z.string().min(1)).optional(),
  purls: z.unknown().optional(),
  statement: z.string({ error: 'is required: say why this finding is acceptable and who decided' }).trim().min(1, { error: 'must not be empty: say why this finding is acceptable and who decided' }),
  expired_at: z.string({ error: 'is required: a YYYY-MM-DD date after which the exception must be reviewed' })
    .refine(isCalendarDate, { error: 'must be a YYYY-MM-DD calendar date' }),
});

const sectionSchema = z.array(z.unknown(), { error: 'must be a list of entries' }).nullish();

const fileSchema = z.strictObject(
  Object.fromEntries(SECTIONS.map((s) => [s, sectionSchema])) as Record<AllowlistSection, typeof sectionSchema>,
  {
    error: (issue) => (issue.code === 'unrecognized_keys'
      ? `unknown top-level key(s) ${issue.keys.join(', ')}; allowed: ${SECTIONS.join(', ')}`
      : `must be a mapping of ${SECTIONS.join(', ')} lists`),
  },
);

/** One validated exception. */
export interface AllowlistEntry {
  readonly section: AllowlistSection;
  /** Position in its section, for messages: `vulnerabilities[0]`. */
  readonly index: number;
  readonly id: string;
  readonly paths: readonly string[];
  readonly statement: string;
  /** YYYY-MM-DD; the entry applies on days strictly before this one. */
  readonly expiredAt: string;
}

/** A validated allowlist. */
export interface Allowlist {
  readonly source: string;
  readonly entries: readonly AllowlistEntry[];
}

/** An allowlist with no entries: every finding at a failing severity blocks. */
export const EMPTY_ALLOWLIST: Allowlist = { source: '(none)', entries: [] };

/** `vulnerabilities[0] (CVE-2024-1234)` */
export function entryName(e: AllowlistEntry): string {
  return `${e.section}[${e.index}] (${e.id})`;
}

/**
 * Parse and validate the text of a `.trivyignore.yaml`. An empty file or empty lists is a
 * valid, empty allowlist. Throws InputError naming every bad entry and field.
 */
export function parseAllowlist(text: string, source = '.trivyignore.yaml'): Allowlist {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new InputError(`${source} is not valid YAML: ${(e as Error).message}`);
  }
  const file = fileSchema.safeParse(raw ?? {});
  if (!file.success) {
    throw new InputError(`${source} is not a valid ignore file:\n${file.error.issues.map((i) => `  - ${issuePath(i.path)}: ${i.message}`).join('\n')}`);
  }
  const problems: string[] = [];
  const entries: AllowlistEntry[] = [];
  for (const section of SECTIONS) {
    (file.data[section] ?? []).forEach((rawEntry, index) => {
      const label = `${section}[${index}]${idOf(rawEntry)}`;
      const e = entrySchema.safeParse(rawEntry);
      if (!e.success) {
        problems.push(...e.error.issues.map((i) => `  - ${label}${i.path.length ? `.${issuePath(i.path)}` : ''}: ${i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.join(', ')}; allowed: id, paths, statement, expired_at` : i.message}`));
        return;
      }
      if (e.data.purls !== undefined) {
        problems.push(`  - ${label}.purls: not supported by the gate; narrow the entry with paths instead`);
        return;
      }
      entries.push({ section, index, id: e.data.id, paths: e.data.paths ?? [], statement: e.data.statement, expiredAt: e.data.expired_at });
    });
  }
  if (problems.length > 0) {
    throw new InputError(`${source} has entries the gate cannot accept (every entry needs id, statement and expired_at):\n${problems.join('\n')}`);
  }
  return { source, entries };
}

function idOf(raw: unknown): string {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id ? ` (${id})` : '';
}

/** True when the entry no longer applies on `today` (YYYY-MM-DD): today >= expired_at. */
export function isExpired(entry: AllowlistEntry, today: string): boolean {
  return today >= entry.expiredAt;
}

const SECTION_OF: Record<FindingKind, AllowlistSection> = {
  vulnerability: 'vulnerabilities',
  secret: 'secrets',
  misconfiguration: 'misconfigurations',
};

/**
 * True when `entry` names `finding`: same section, id equal to the finding's id or an alias,
 * and (when the entry has `paths`) the finding's path matches one of them. A finding without
 * a path (ECR) never matches a path-restricted entry.
 */
export function entryMatches(entry: AllowlistEntry, finding: Finding): boolean {
  if (entry.section !== SECTION_OF[finding.kind]) return false;
  if (entry.id !== finding.id && !finding.aliases.includes(entry.id)) return false;
  if (entry.paths.length === 0) return true;
  const p = finding.path?.replace(/^\//, '');
  return p !== undefined && entry.paths.some((g) => globToRegExp(g.replace(/^\//, '')).test(p));
}

/** Trivy-style path glob: `**` crosses directories, `*` and `?` do not. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}
