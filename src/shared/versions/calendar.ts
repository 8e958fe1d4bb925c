import * as fs from 'fs';
import * as path from 'path';

/**
 * The version calendar: every version the project pins, with its end of support and where
 * that date was read (versions/calendar.json). test/shared/versions/calendar.test.ts fails when a
 * synthesized template (or the repository) uses a pin the calendar does not list;
 * `npx projen doctor` reports each pin's remaining support, warns WARN_DAYS before the date and
 * fails after it.
 */

/** The calendar file, relative to the repository root. */
export const CALENDAR_FILE = path.join('versions', 'calendar.json');

/** Days before the end of support from which doctor warns. */
export const WARN_DAYS = 90;

/** What kind of thing a pin is (the test collects each kind from where it is used). */
export const PIN_KINDS = [
  'database-engine', 'lambda-runtime', 'codebuild-image', 'codebuild-runtime', 'nodejs', 'trivy', 'container-base-image', 'sidecar-image',
] as const;
export type PinKind = typeof PIN_KINDS[number];

/** One row of the calendar. */
export interface CalendarPin {
  /** What kind of pin. */
  readonly kind: PinKind;
  /** The pin exactly as used: `aurora-postgresql 16.8`, `nodejs24.x`, `aws/codebuild/standard:8.0`, `nodejs 24`, ... */
  readonly pin: string;
  /** Where the project uses it (for the reader). */
  readonly usedIn: string;
  /** Last day of support, `YYYY-MM-DD` (for a pin without a vendor date: the review date, said in `source`). */
  readonly endOfSupport: string;
  /** Where the date was read (document, URL, what it says). */
  readonly source: string;
  /** When it was read, `YYYY-MM-DD`. */
  readonly readOn: string;
}

/** A calendar file that cannot be used: names the entry and field, and the fix. */
export class CalendarError extends Error {}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (v: unknown): v is string => typeof v === 'string' && DATE.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`))
  && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);

/** Parse and check the calendar text; every problem is listed with its field. */
export function parseCalendar(text: string, file = CALENDAR_FILE): CalendarPin[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new CalendarError(`${file}: not valid JSON (${(e as Error).message}).`);
  }
  const pins = (data as { pins?: unknown })?.pins;
  if (!Array.isArray(pins)) throw new CalendarError(`${file}: "pins" must be a list of pins.`);
  const problems: string[] = [];
  const seen = new Set<string>();
  pins.forEach((p: Record<string, unknown>, i) => {
    const at = `pins[${i}]`;
    if (!PIN_KINDS.includes(p?.kind as PinKind)) problems.push(`${at}.kind: "${String(p?.kind)}" is not one of ${PIN_KINDS.join(', ')}`);
    for (const field of ['pin', 'usedIn', 'source'] as const) {
      if (typeof p?.[field] !== 'string' || !(p[field] as string).trim()) problems.push(`${at}.${field}: must be a non-empty text`);
    }
    for (const field of ['endOfSupport', 'readOn'] as const) {
      if (!validDate(p?.[field])) problems.push(`${at}.${field}: "${String(p?.[field])}" is not a date written YYYY-MM-DD`);
    }
    const key = `${String(p?.kind)} ${String(p?.pin)}`;
    if (seen.has(key)) problems.push(`${at}: ${key} is listed twice`);
    seen.add(key);
  });
  if (problems.length) {
    throw new CalendarError(`${file} has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}\nFix the fields above and run again.`);
  }
  return pins as CalendarPin[];
}

/** Read the calendar of the repository at `rootDir`. */
export function loadCalendar(rootDir: string): CalendarPin[] {
  const file = path.join(rootDir, CALENDAR_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CalendarError(`${CALENDAR_FILE}: cannot read ${file} (${(e as Error).message}).`);
  }
  return parseCalendar(text, CALENDAR_FILE);
}

/** A pin in use somewhere (collected by src/shared/versions/pins-in-use.ts). */
export interface UsedPin {
  readonly kind: PinKind;
  readonly pin: string;
  /** Where it was found, e.g. `prod-us-east-1/...Platform/DataCluster9E8A15F8`. */
  readonly where: string;
}

/** Used pins the calendar does not list (one entry per pin, naming every place it is used). */
export function unlistedPins(calendar: readonly CalendarPin[], used: readonly UsedPin[]): string[] {
  const listed = new Set(calendar.map((p) => `${p.kind} ${p.pin}`));
  const missing = new Map<string, string[]>();
  for (const u of used) {
    const key = `${u.kind} ${u.pin}`;
    if (!listed.has(key)) missing.set(key, [...(missing.get(key) ?? []), u.where]);
  }
  const places = (where: string[]) => (where.length > 3 ? `${where.slice(0, 3).join(', ')} and ${where.length - 3} more` : where.join(', '));
  return [...missing].map(([key, where]) => `${key} (used in ${places(where)}): add it to ${CALENDAR_FILE} with its end of support, source and read date`);
}

/** Calendar entries nothing uses any more (a stale row claims a date nobody depends on). */
export function unusedPins(calendar: readonly CalendarPin[], used: readonly UsedPin[]): string[] {
  const inUse = new Set(used.map((u) => `${u.kind} ${u.pin}`));
  return calendar.filter((p) => !inUse.has(`${p.kind} ${p.pin}`)).map((p) => `${p.kind} ${p.pin}: no longer used; remove it from ${CALENDAR_FILE}`);
}

/** The support status of one pin on a given day. */
export interface PinStatus {
  readonly pin: CalendarPin;
  readonly status: 'ok' | 'warn' | 'fail';
  /** Whole days from `now` to the end of support (negative once it has passed). */
  readonly daysLeft: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Each pin's status on `now`: `fail` after its end-of-support day, `warn` within `warnDays` of
 * it (the last day itself included), `ok` otherwise. Dates are whole UTC days.
 */
export function calendarStatus(calendar: readonly CalendarPin[], now: Date, warnDays = WARN_DAYS): PinStatus[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return calendar.map((pin) => {
    const daysLeft = Math.round((Date.parse(`${pin.endOfSupport}T00:00:00Z`) - today) / DAY_MS);
    return { pin, daysLeft, status: daysLeft < 0 ? 'fail' : daysLeft <= warnDays ? 'warn' : 'ok' };
  });
}

/** One line per pin for doctor, e.g. `WARN nodejs 24: end of support 2028-04-30, in 30 days (...)`. */
export function formatPinStatus(s: PinStatus): string {
  const { pin } = s;
  const name = `${pin.kind} ${pin.pin}`;
  if (s.status === 'fail') {
    return `FAIL ${name}: end of support ${pin.endOfSupport} passed ${-s.daysLeft} day(s) ago`
      + `\n       fix: move ${pin.usedIn} to a supported version, then update ${CALENDAR_FILE}`;
  }
  if (s.status === 'warn') {
    return `WARN ${name}: end of support ${pin.endOfSupport}, in ${s.daysLeft} day(s)`
      + `\n       fix: plan the move of ${pin.usedIn} now, then update ${CALENDAR_FILE}`;
  }
  return `OK   ${name}: supported until ${pin.endOfSupport} (${s.daysLeft} days)`;
}
