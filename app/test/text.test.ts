import { randomUUID } from 'node:crypto';
import { countTransactions } from './support/database';
import { readJson, useServiceWithDatabase } from './support/service';
import { firstInvalidUtf8Offset } from '../src/http/json-body';

const running = useServiceWithDatabase();
const key = (): string => `text-${randomUUID()}`;

/** POSTs raw bytes as application/json. */
function postBytes(body: Buffer): Promise<Response> {
  return running.api.fetch('/transactions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key() },
    body,
  });
}

describe('description length is counted in characters (code points), as PostgreSQL counts varchar', () => {
  test('140 emoji (280 UTF-16 units) are accepted and stored unchanged', async () => {
    const description = '💶'.repeat(140);
    const res = await running.api.post({ amount: '1.00', currency: 'EUR', description }, key());
    expect(res.status).toBe(201);
    const created = await readJson(res);
    expect(created.description).toBe(description);
    expect((await readJson(await running.api.get(`/transactions/${created.id}`))).description).toBe(description);
  });

  test('141 emoji are refused with 400 naming description', async () => {
    const res = await running.api.post({ amount: '1.00', currency: 'EUR', description: '💶'.repeat(141) }, key());
    expect(res.status).toBe(400);
    expect(await readJson(res)).toEqual({ error: 'validation', field: 'description', message: 'description must be 1 to 140 characters (got 141)' });
  });
});

describe('invalid text is refused with 400 naming the field, never replaced with U+FFFD', () => {
  test.each([
    ['a lone high surrogate', '"abc\\ud800"'],
    ['a lone low surrogate', '"\\udc00abc"'],
    ['surrogates in the wrong order', '"\\udc00\\ud800"'],
  ])('%s in a JSON escape', async (_name, literal) => {
    const before = await countTransactions(running.pool);
    const res = await postBytes(Buffer.from(`{"amount":"1.00","currency":"USD","description":${literal}}`));
    expect(res.status).toBe(400);
    expect(await readJson(res)).toEqual({ error: 'validation', field: 'description', message: expect.stringMatching(/^description must be valid Unicode text/) });
    expect(await countTransactions(running.pool)).toBe(before);
  });

  test.each([
    ['a stray continuation byte', [0x80]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['an encoded surrogate (CESU-8)', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a Latin-1 byte', [0xe9]],
  ])('%s in the raw body', async (_name, bytes) => {
    const before = await countTransactions(running.pool);
    const body = Buffer.concat([Buffer.from('{"amount":"1.00","currency":"USD","description":"caf'), Buffer.from(bytes), Buffer.from('"}')]);
    const res = await postBytes(body);
    expect(res.status).toBe(400);
    expect(await readJson(res)).toEqual({ error: 'validation', field: 'description', message: 'description must be valid UTF-8' });
    expect(await countTransactions(running.pool)).toBe(before);
  });

  test('invalid UTF-8 outside a string value names the body', async () => {
    const res = await postBytes(Buffer.concat([Buffer.from('{"amount":"1.00",'), Buffer.from([0xff]), Buffer.from('"currency":"USD"}')]));
    expect(res.status).toBe(400);
    expect((await readJson(res)).field).toBe('body');
  });

  test('valid multi-byte text, including an encoded U+FFFD, is accepted unchanged', async () => {
    const description = 'café ☕ 𝄞 \ufffd';
    const res = await postBytes(Buffer.from(JSON.stringify({ amount: '1.00', currency: 'USD', description }), 'utf8'));
    expect(res.status).toBe(201);
    expect((await readJson(res)).description).toBe(description);
  });
});

test('firstInvalidUtf8Offset agrees with a fatal TextDecoder on every 1- and 2-byte sequence', () => {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const valid = (bytes: Uint8Array): boolean => {
    try {
      decoder.decode(bytes);
      return true;
    } catch {
      return false;
    }
  };
  const disagreements: number[][] = [];
  for (let a = 0; a < 256; a++) {
    for (let b = 0; b < 256; b++) {
      const bytes = Uint8Array.of(a, b);
      if ((firstInvalidUtf8Offset(bytes) === undefined) !== valid(bytes)) disagreements.push([a, b]);
    }
  }
  expect(disagreements).toEqual([]);
  for (const bytes of [[0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x92, 0xb6], [0xed, 0x9f, 0xbf], [0xef, 0xbf, 0xbd]]) {
    expect(firstInvalidUtf8Offset(Uint8Array.from(bytes))).toBeUndefined();
  }
});
