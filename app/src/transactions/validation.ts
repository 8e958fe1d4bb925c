import { CURRENCY_DECIMALS, isSupportedCurrency, parseAmount } from './money';

/** A validated request to create a transaction. */
export interface NewTransaction {
  readonly amountMinor: number;
  readonly currency: string;
  readonly description: string | null;
}

/** A client mistake, naming the offending field (a body property, a header or a path parameter). */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** Either the validated value or the first problem found. */
export type Validated<T> = { ok: true; value: T } | { ok: false; error: FieldError };

const ALLOWED_FIELDS = new Set(['amount', 'currency', 'description']);
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{8,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
// A UTF-16 surrogate that is not half of a pair: text that cannot be stored or encoded as UTF-8.
const LONE_SURROGATE = /\p{Surrogate}/u;

/** The longest description, in characters (Unicode code points, as PostgreSQL counts varchar). */
export const MAX_DESCRIPTION_CHARACTERS = 140;

/** The header that makes POST /transactions safe to retry. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

const fail = (field: string, message: string): { ok: false; error: FieldError } => ({ ok: false, error: { field, message } });

/**
 * Validates the JSON body of POST /transactions:
 * `{ amount: "12.34", currency: "USD", description?: string }`, nothing else.
 */
export function validateNewTransaction(body: unknown): Validated<NewTransaction> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail('body', 'must be a JSON object');
  }
  const record = body as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !ALLOWED_FIELDS.has(key));
  if (unknown !== undefined) return fail(unknown, 'is not a known field');

  const { amount, currency, description } = record;
  if (amount === undefined) return fail('amount', 'is required');
  if (typeof amount !== 'string') return fail('amount', 'must be a string like "12.34" (not a JSON number, to avoid rounding)');
  if (currency === undefined) return fail('currency', 'is required');
  if (typeof currency !== 'string' || !isSupportedCurrency(currency)) {
    return fail('currency', `must be one of ${Object.keys(CURRENCY_DECIMALS).join(', ')}`);
  }
  const parsed = parseAmount(amount, currency);
  if (!parsed.ok) return fail('amount', parsed.message);

  if (description !== undefined && description !== null) {
    if (typeof description !== 'string') return fail('description', 'must be a string');
    if (LONE_SURROGATE.test(description)) return fail('description', 'must be valid Unicode text (it contains a lone surrogate)');
    const characters = [...description].length;
    if (characters < 1 || characters > MAX_DESCRIPTION_CHARACTERS) {
      return fail('description', `must be 1 to ${MAX_DESCRIPTION_CHARACTERS} characters (got ${characters})`);
    }
    if (CONTROL_CHARS.test(description)) return fail('description', 'must not contain control characters');
  }
  return { ok: true, value: { amountMinor: parsed.minor, currency, description: (description as string | null | undefined) ?? null } };
}

/** What a valid idempotency key is, as error messages say it. */
export const IDEMPOTENCY_KEY_RULE = 'must be 8 to 128 characters of A-Z a-z 0-9 _ . : -';

/** The longest idempotency key (the router's path parameter limit follows it). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;

/** Validates the Idempotency-Key header: 8 to 128 characters of A-Z a-z 0-9 _ . : - (a UUID fits). */
export function validateIdempotencyKey(value: string | string[] | undefined): Validated<string> {
  if (value === undefined || value === '') return fail(IDEMPOTENCY_HEADER, 'header is required');
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) return fail(IDEMPOTENCY_HEADER, IDEMPOTENCY_KEY_RULE);
  return { ok: true, value };
}

/** Validates an idempotency key given as the path parameter `key`, by the same rule as the header. */
export function validateIdempotencyKeyParam(value: string): Validated<string> {
  return IDEMPOTENCY_KEY.test(value) ? { ok: true, value } : fail('key', IDEMPOTENCY_KEY_RULE);
}

/** Validates a transaction id (a UUID) from the path. */
export function validateTransactionId(value: string): Validated<string> {
  return UUID.test(value) ? { ok: true, value: value.toLowerCase() } : fail('id', 'must be a UUID');
}
