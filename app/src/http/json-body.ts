import type { FastifyError, FastifyInstance } from 'fastify';

/** Thrown for a JSON body that is not valid UTF-8; `field` is the property whose value holds the bad bytes. */
class InvalidUtf8Error extends Error implements Partial<FastifyError> {
  public readonly code = 'FST_ERR_INVALID_UTF8';
  public readonly statusCode = 400;

  constructor(public readonly field: string, offset: number) {
    super(`${field} is not valid UTF-8 (byte ${offset})`);
  }
}

/**
 * Replaces fastify's JSON parser (which decodes the body leniently, turning invalid UTF-8 into
 * U+FFFD) with one that refuses invalid UTF-8 with 400 naming the property, then parses with
 * fastify's own parser (prototype-poisoning protection included).
 */
export function registerStrictJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    const offset = firstInvalidUtf8Offset(bytes);
    if (offset !== undefined) {
      done(new InvalidUtf8Error(propertyAt(bytes, offset), offset), undefined);
      return;
    }
    void parseJson(request, bytes.toString('utf8'), done);
  });
}

/**
 * The offset of the first byte that breaks UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF, no truncated sequence), or undefined when `bytes` is valid.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i += 1;
      continue;
    }
    // Length of the sequence and the allowed range of its second byte (excludes overlongs and surrogates).
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {length = 2;} else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else {return i;}
    if (i + length > bytes.length) return i;
    if (bytes[i + 1] < low || bytes[i + 1] > high) return i;
    for (let k = 2; k < length; k++) {
      if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return i;
    }
    i += length;
  }
  return undefined;
}

/** The JSON property whose string value contains byte `offset` ("body" when it is not inside one). */
function propertyAt(bytes: Buffer, offset: number): string {
  const before = bytes.subarray(0, offset).toString('utf8');
  const match = /"((?:[^"\\]|\\.)*)"\s*:\s*"(?:[^"\\]|\\.)*$/.exec(before);
  return match ? match[1] : 'body';
}
