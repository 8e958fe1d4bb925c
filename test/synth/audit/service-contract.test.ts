import * as fs from 'fs';
import * as path from 'path';
import { idempotencyKeyHash, transactionAuditRecord, TRANSACTION_AUDIT_TYPE as APP_AUDIT_TYPE } from '../../../app/src/audit/transaction-audit';
import { DEFAULT_FLAGS, FLAGS_REFRESH_MS, KILL_SWITCH_FLAG as APP_KILL_SWITCH, KILL_SWITCH_RETRY_AFTER as APP_RETRY_AFTER } from '../../../app/src/flags/feature-flags';
import { KILL_SWITCH_FLAG, KILL_SWITCH_RETRY_AFTER, loadFeatureFlags } from '../../../src/config/feature-flags';
import { TRANSACTION_AUDIT_FILTER_PATTERN, TRANSACTION_AUDIT_TYPE } from '../../../src/synth/audit/transaction-audit-delivery';
import { APPCONFIG_AGENT_POLL_SECONDS } from '../../../src/synth/feature-flags/appconfig-agent';
import { REPO_ROOT } from '../../support/repo-root';

/**
 * What the service (app/) and the stacks (src/synth/) must agree on, checked on both sides' code:
 * the audit record line the service writes is what the subscription filter selects (and a request
 * log line is not); the flags the service reads are the ones config/feature-flags.json defines,
 * with the same defaults; the propagation bound the README states is the sum of the intervals.
 */

const readRepoFile = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');

/**
 * CloudWatch Logs' JSON filter `{ $.<field> = "<value>" }` applied to one log line, as the
 * service's awslogs driver ships it (the line is the event's message). Only this shape is
 * supported: the test fails if the pattern changes to another one.
 */
function matchesFilter(pattern: string, line: string): boolean {
  const shape = /^\{ \$\.([A-Za-z]+) = "([^"]+)" \}$/.exec(pattern);
  if (!shape) throw new Error(`unsupported pattern in this test: ${pattern}`);
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return false;
  }
  return typeof event === 'object' && event !== null && (event as Record<string, unknown>)[shape[1]] === shape[2];
}

describe('audit records: the service writes what the subscription filter selects', () => {
  const record = transactionAuditRecord(
    { id: '0b0d6c1e-5b53-4a43-9b8e-1f1c2f0b8a11', amount: '12.50', currency: 'EUR', description: 'coffee', createdAt: '2026-03-01T10:00:00.000Z' },
    '5ck2mkd1a3v8q6n0ejj4g0pbd2', 'order-4711', 'eu-central-1', new Date('2026-03-01T10:00:00.100Z'),
  );
  const pattern = TRANSACTION_AUDIT_FILTER_PATTERN.logPatternString;

  test('one name for the record type on both sides; the pattern is the JSON match on it', () => {
    expect(APP_AUDIT_TYPE).toBe(TRANSACTION_AUDIT_TYPE);
    expect(pattern).toBe('{ $.auditType = "transaction.accepted" }');
  });

  test('the record line matches; the service\'s request and error log lines, and a record nested in a log line, do not', () => {
    expect(matchesFilter(pattern, JSON.stringify(record))).toBe(true);
    const logLines = [
      { level: 30, time: 1, msg: 'request completed', clientId: record.clientId, method: 'POST', route: '/transactions', statusCode: 201, responseTimeMs: 4 },
      { level: 30, time: 1, msg: 'transaction created', clientId: record.clientId, transactionId: record.transactionId },
      { level: 50, time: 1, msg: 'transaction audit record not written', transactionId: record.transactionId },
      { level: 30, time: 1, msg: 'echo', record },
      { level: 30, time: 1, msg: 'feature flags applied', flags: DEFAULT_FLAGS },
    ];
    for (const line of logLines) expect(matchesFilter(pattern, JSON.stringify(line))).toBe(false);
    expect(matchesFilter(pattern, 'not json transaction.accepted')).toBe(false);
  });

  test('the record holds exactly the documented fields: the client id, the key only as its SHA-256, no description', () => {
    expect(Object.keys(record).sort()).toEqual([
      'amount', 'auditType', 'auditVersion', 'clientId', 'createdAt', 'currency', 'idempotencyKeySha256', 'recordedAt', 'region', 'transactionId',
    ]);
    expect(record.clientId).toBe('5ck2mkd1a3v8q6n0ejj4g0pbd2');
    expect(record.idempotencyKeySha256).toBe(idempotencyKeyHash('order-4711'));
    expect(JSON.stringify(record)).not.toMatch(/order-4711|coffee/);
  });
});

describe('feature flags: the service reads what the repository defines', () => {
  const document = loadFeatureFlags(REPO_ROOT);

  test('the kill switch and its attribute have one name on both sides and exist in config/feature-flags.json', () => {
    expect([APP_KILL_SWITCH, APP_RETRY_AFTER]).toEqual([KILL_SWITCH_FLAG, KILL_SWITCH_RETRY_AFTER]);
    expect(document.flags[KILL_SWITCH_FLAG]?.attributes?.[KILL_SWITCH_RETRY_AFTER]?.constraints).toMatchObject({ minimum: 1, maximum: 3600 });
  });

  test('the service\'s safe defaults (before the agent answers) are the values the repository deploys', () => {
    expect(document.values[KILL_SWITCH_FLAG]).toEqual({
      enabled: DEFAULT_FLAGS.killSwitch.enabled,
      [KILL_SWITCH_RETRY_AFTER]: DEFAULT_FLAGS.killSwitch.retryAfterSeconds,
    });
  });

  test('the bound the README states is the agent\'s poll plus the service\'s refresh plus one second (measured in app/test/feature-flags.test.ts)', () => {
    const boundSeconds = APPCONFIG_AGENT_POLL_SECONDS + FLAGS_REFRESH_MS / 1000 + 1;
    expect(boundSeconds).toBe(21);
    expect(readRepoFile('README.md')).toContain(`within ${boundSeconds} s`);
    expect(readRepoFile('RUNBOOKS.md')).toContain(`within ${boundSeconds} s`);
  });
});
