import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Transaction } from '../transactions/repository';

/**
 * The transaction audit record: one JSON line per accepted transaction (a 201, never a replay,
 * a conflict or a refusal), written to stdout beside the request logs. In a production stage a
 * CloudWatch Logs subscription filter selects exactly these lines (`auditType`) and Firehose
 * delivers them into the region's audit bucket (KMS, Object Lock, replicated to the other region:
 * root README "Audit trail and audit records").
 *
 * What a record holds, and what it never holds:
 * - the transaction id, amount (the canonical decimal string), currency, when it was created,
 *   the region that accepted it, when the record was written;
 * - the client that created it: the `client_id` of the access token the request was
 *   authenticated with (src/http/authentication.ts), the owner the row stores in `client_id`
 *   (for a Cognito client-credentials token, the app client's id). Never the token, nor any other
 *   of its claims;
 * - the SHA-256 (hex) of the Idempotency-Key, not the key: clients choose keys and may put an
 *   order or customer number in them; the hash still lets an auditor who holds a key find its
 *   record (`printf %s "$KEY" | sha256sum`);
 * - never the description (free text a client may fill with personal data), never card data
 *   (the API has none), never a credential (the access token included).
 */

/** The `auditType` of the record: the subscription filter's pattern names it (src/synth/audit/transaction-audit-delivery.ts). */
export const TRANSACTION_AUDIT_TYPE = 'transaction.accepted';
/** The record's format version: bumped when a field changes meaning. */
export const TRANSACTION_AUDIT_VERSION = 1;

/** One audit record. */
export interface TransactionAuditRecord {
  readonly auditType: typeof TRANSACTION_AUDIT_TYPE;
  readonly auditVersion: typeof TRANSACTION_AUDIT_VERSION;
  readonly transactionId: string;
  /** The authenticated client that created the transaction: its token's `client_id`. */
  readonly clientId: string;
  readonly amount: string;
  readonly currency: string;
  readonly idempotencyKeySha256: string;
  readonly createdAt: string;
  readonly region: string;
  readonly recordedAt: string;
}

/** Where records go: one call per accepted transaction; it must not throw. */
export interface AuditSink {
  write(record: TransactionAuditRecord): void;
}

/**
 * Records as JSON lines on stdout: the awslogs driver ships them with the rest of the task's
 * output. One write per line, far below the pipe's atomic write size, so lines never interleave
 * with the logger's.
 */
export const stdoutAuditSink: AuditSink = {
  write: (record) => {
    process.stdout.write(`${JSON.stringify(record)}\n`);
  },
};

/** SHA-256 of an idempotency key, hex. */
export function idempotencyKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * The record of a transaction this region accepted for `clientId` (the token's `client_id`, the
 * row's owner) under the client's `idempotencyKey`.
 */
export function transactionAuditRecord(
  transaction: Transaction, clientId: string, idempotencyKey: string, region: string, now = new Date(),
): TransactionAuditRecord {
  return {
    auditType: TRANSACTION_AUDIT_TYPE,
    auditVersion: TRANSACTION_AUDIT_VERSION,
    transactionId: transaction.id,
    clientId,
    amount: transaction.amount,
    currency: transaction.currency,
    idempotencyKeySha256: idempotencyKeyHash(idempotencyKey),
    createdAt: transaction.createdAt,
    region,
    recordedAt: now.toISOString(),
  };
}

/**
 * Hands a record to the sink (none: nothing to do). The transaction is already committed: a sink
 * that throws must not turn the 201 into a 500 (the client would retry and get a replay, and still
 * no record), so the failure is logged as an error with the transaction id, for an operator to
 * rebuild the record from the database (RUNBOOKS "Audit records").
 */
export function writeAuditRecord(sink: AuditSink | undefined, record: TransactionAuditRecord, log: FastifyBaseLogger): void {
  if (!sink) return;
  try {
    sink.write(record);
  } catch (err) {
    log.error({ err, transactionId: record.transactionId }, 'transaction audit record not written');
  }
}
