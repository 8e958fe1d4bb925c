import type { z } from 'zod';

/*
 * How the cross-field rules read the raw config. They run in the same pass as the field rules
 * (so one run names every mistake), but a rule uses a field only when that field passed its own
 * rule. A field that failed is reported by its own rule, once; a cross-field rule whose inputs
 * include it is skipped instead of guessing (e.g. `"production": "true"` is one line, not also
 * "has no production environment").
 */

/** A JSON object (not a list, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The value `raw` has after parsing with `schema` (its default when absent), or undefined when it
 * fails the schema. For a field without a default, undefined also means "absent": check that with
 * `raw === undefined` where it matters.
 */
export function valid<T>(schema: z.ZodType<T>, raw: unknown): T | undefined {
  const result = schema.safeParse(raw);
  return result.success ? result.data : undefined;
}

/** A boolean field that defaults to false (`production`, `requireApproval`, ...): its value, or undefined when it is not a boolean. */
export function flag(raw: unknown): boolean | undefined {
  if (raw === undefined) return false;
  return typeof raw === 'boolean' ? raw : undefined;
}
