import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TransactionRepository } from './repository';
import {
  IDEMPOTENCY_HEADER, validateIdempotencyKey, validateIdempotencyKeyParam, validateNewTransaction, validateTransactionId,
} from './validation';
import { AuditSink, transactionAuditRecord, writeAuditRecord } from '../audit/transaction-audit';
import type { FeatureFlags } from '../flags/feature-flags';
import { refuseWhenKilled } from '../flags/kill-switch';
import { BY_IDEMPOTENCY_KEY_PATH, validationError } from '../http/errors';
import type { ServiceRegion } from '../region';

/** What the create route consults besides the database: the kill switch, and where audit records go. */
export interface TransactionRouteOptions {
  /** The feature flags (the kill switch of new transactions). @default none: never refused */
  readonly featureFlags?: FeatureFlags;
  /** Where a record of each accepted transaction goes. @default none: no records */
  readonly audit?: AuditSink;
}

/**
 * POST /transactions (idempotent create), GET /transactions/:id and
 * GET /transactions/by-idempotency-key/:key.
 *
 * POST answers 201 with the new transaction, 200 with the original one when the
 * Idempotency-Key was already used for the same request (header `Idempotent-Replayed: true`),
 * 422 when the key was used for a different request, 400 naming the field for invalid input, and
 * 503 `read_only_region` when this region's database only reads (checked after validation, so a
 * client mistake is a 400 in every region), and 503 `feature_disabled` before anything else the
 * route does while the kill switch is on (src/flags/). Each 201 writes one audit record (src/audit/).
 *
 * Every route needs an access token (src/http/authentication.ts): POST the write scope, the GETs
 * the read scope. A transaction belongs to the client that created it: the GETs answer 404 for
 * another client's transaction, exactly as for one that does not exist, and idempotency keys are
 * per client (another client's use of the same key is invisible).
 */
export function registerTransactionRoutes(
  app: FastifyInstance, repository: TransactionRepository, region: ServiceRegion, options: TransactionRouteOptions = {},
): void {
  app.post('/transactions', { config: { access: 'write' } }, async (request, reply) => {
    if (refuseWhenKilled(options.featureFlags, reply)) return reply;
    const key = validateIdempotencyKey(request.headers[IDEMPOTENCY_HEADER.toLowerCase()]);
    if (!key.ok) return reply.status(400).send(validationError(key.error.field, key.error.message));
    const input = validateNewTransaction(request.body);
    if (!input.ok) return reply.status(400).send(validationError(input.error.field, input.error.message));
    await region.assertWritable();

    const owner = ownerOf(request);
    const outcome = await repository.createIdempotent(owner, key.value, input.value);
    switch (outcome.kind) {
      case 'created':
        // Who created which transaction (the log line carries clientId), and the audit record.
        request.log.info({ transactionId: outcome.transaction.id }, 'transaction created');
        writeAuditRecord(options.audit, transactionAuditRecord(outcome.transaction, owner, key.value, region.config.serviceRegion), request.log);
        return reply.status(201).header('Location', `/transactions/${outcome.transaction.id}`).send(outcome.transaction);
      case 'replayed':
        return reply.status(200).header('Idempotent-Replayed', 'true').send(outcome.transaction);
      case 'conflict':
        return reply.status(422).send({
          error: 'idempotency_key_reused',
          field: IDEMPOTENCY_HEADER,
          message: `${IDEMPOTENCY_HEADER} was already used for a different request`,
        });
    }
  });

  app.get<{ Params: { id: string } }>('/transactions/:id', { config: { access: 'read' } }, async (request, reply) => {
    const id = validateTransactionId(request.params.id);
    if (!id.ok) return reply.status(400).send(validationError(id.error.field, id.error.message));
    const transaction = await repository.findById(ownerOf(request), id.value);
    if (!transaction) return reply.status(404).send({ error: 'not_found', field: 'id', message: `transaction ${id.value} does not exist` });
    return transaction;
  });

  // A static segment: the router prefers it to /transactions/:id for this path.
  app.get<{ Params: { key: string } }>(`${BY_IDEMPOTENCY_KEY_PATH}:key`, { config: { access: 'read' } }, async (request, reply) => {
    const key = validateIdempotencyKeyParam(request.params.key);
    if (!key.ok) return reply.status(400).send(validationError(key.error.field, key.error.message));
    const transaction = await repository.findByIdempotencyKey(ownerOf(request), key.value);
    if (!transaction) return reply.status(404).send({ error: 'not_found', field: 'key', message: `no transaction has idempotency key ${key.value}` });
    return transaction;
  });
}

/** The client the request was authenticated as: the owner of what it creates and reads. */
function ownerOf(request: FastifyRequest): string {
  if (!request.client) throw new Error(`${request.method} ${request.routeOptions.url} ran without an authenticated client`);
  return request.client.clientId;
}
