import * as fs from 'fs';
import { InputError } from './errors';

/**
 * Recorded AWS answers, replayed instead of calling AWS: what the `--from-file` option of the
 * CodeBuild CLIs reads (scripts/image-gate.sh passes ECR_SCAN_RECORDING through it; a saved scan
 * can be re-checked with it while debugging). The recordings the tests replay live under
 * test/fixtures/, with a README saying where they come from.
 */

/** One recorded call: the response, or the AWS error it raised (`name` is the AWS error code). */
export type RecordedCall = { readonly response: unknown } | { readonly error: { readonly name: string; readonly message?: string } };

/** The answer of one recorded call: its response, or its error thrown with the recorded `name`, as the AWS SDK v3 throws it. */
export function replayCall(call: RecordedCall): unknown {
  if ('error' in call) {
    const err = new Error(call.error.message ?? call.error.name);
    err.name = call.error.name;
    throw err;
  }
  return call.response;
}

/** Answers each call with the next recorded one; once they are used up the last one repeats (so "IN_PROGRESS forever" is one entry). */
export function replayInOrder(calls: readonly RecordedCall[]): () => Promise<unknown> {
  if (calls.length === 0) throw new Error('a replay needs at least one recorded call');
  let next = 0;
  return async () => replayCall(calls[Math.min(next++, calls.length - 1)]);
}

/** Whether `value` is a non-empty list of recorded calls (`{ "response": ... }` or `{ "error": { "name": ... } }`). */
export function isRecordedCalls(value: unknown): value is RecordedCall[] {
  return Array.isArray(value) && value.length > 0 && value.every((c) => typeof c === 'object' && c !== null && ('response' in c || 'error' in c));
}

/** The parsed JSON of a recording file; {@link InputError} when it cannot be read or is not JSON. */
export function readRecording(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read recorded ${what} ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`cannot read recorded ${what} ${file}: it is not JSON (${(e as Error).message})`);
  }
}
