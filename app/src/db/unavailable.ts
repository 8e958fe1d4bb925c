/**
 * Thrown by the repository when the database is unavailable, slow or refused the request for a
 * reason a retry can fix; the HTTP layer answers 503 with Retry-After.
 */
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`database unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * SQLSTATE classes and codes that mean "try again later": connection exception (08), invalid
 * authorization (28, e.g. a rotation the retry could not resolve), transaction rollback (40:
 * serialization failure, deadlock), insufficient resources (53), operator intervention (57:
 * statement timeout, shutdown, cannot connect now), lock timeout (55P03), idle-in-transaction
 * timeout (25P03).
 */
const RETRYABLE_SQLSTATE_CLASSES = ['08', '28', '40', '53', '57'];
const RETRYABLE_SQLSTATES = ['55P03', '25P03'];

/** Network errors of the socket to the database. */
const NETWORK_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'];

/** Messages of the pg driver's own timeouts and broken connections (they carry no code). */
const DRIVER_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /Connection terminated/i,
  /Query read timeout/i,
  /not queryable/i,
  /Client was closed/i,
];

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when `err` means the database cannot serve the request now, but may soon. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = codeOf(err);
  if (code !== undefined && NETWORK_CODES.includes(code)) return true;
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) {
    return RETRYABLE_SQLSTATES.includes(code) || RETRYABLE_SQLSTATE_CLASSES.includes(code.slice(0, 2));
  }
  const message = err instanceof Error ? err.message : '';
  return DRIVER_MESSAGES.some((pattern) => pattern.test(message));
}

/** True when PostgreSQL rejected the password (SQLSTATE 28P01 invalid_password). */
export function isAuthenticationFailure(err: unknown): boolean {
  return codeOf(err) === '28P01';
}

/** Runs `operation`, turning a database-unavailable failure into {@link DatabaseUnavailableError}. */
export async function unlessUnavailable<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throw isDatabaseUnavailable(err) ? new DatabaseUnavailableError(err) : err;
  }
}
