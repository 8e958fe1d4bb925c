import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputError } from '../../../src/shared/cli/errors';
import { isRecordedCalls, readRecording, replayCall, replayInOrder } from '../../../src/shared/cli/recorded-calls';

describe('recorded calls', () => {
  test('a response is returned; an error is thrown with its AWS error code as name, as the SDK throws it', () => {
    expect(replayCall({ response: { a: 1 } })).toEqual({ a: 1 });
    expect(() => replayCall({ error: { name: 'ThrottlingException', message: 'Rate exceeded' } })).toThrow(expect.objectContaining({ name: 'ThrottlingException', message: 'Rate exceeded' }));
    expect(() => replayCall({ error: { name: 'AccessDenied' } })).toThrow(expect.objectContaining({ name: 'AccessDenied', message: 'AccessDenied' }));
  });

  test('in order, the last one repeating', async () => {
    const next = replayInOrder([{ response: 1 }, { error: { name: 'Throttling' } }, { response: 3 }]);
    expect(await next()).toBe(1);
    await expect(next()).rejects.toThrow(expect.objectContaining({ name: 'Throttling' }));
    expect([await next(), await next()]).toEqual([3, 3]);
    expect(() => replayInOrder([])).toThrow('at least one recorded call');
  });

  test('the shape of a list of recorded calls', () => {
    expect(isRecordedCalls([{ response: {} }, { error: { name: 'X' } }])).toBe(true);
    expect(isRecordedCalls([])).toBe(false);
    expect(isRecordedCalls([{ answer: {} }])).toBe(false);
    expect(isRecordedCalls([null])).toBe(false);
    expect(isRecordedCalls({ response: {} })).toBe(false);
  });

  test('a recording file: its JSON, or an InputError naming the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recording-'));
    fs.writeFileSync(path.join(dir, 'ok.json'), '{"calls":[]}');
    fs.writeFileSync(path.join(dir, 'bad.json'), '{"calls":');
    expect(readRecording(path.join(dir, 'ok.json'), 'responses')).toEqual({ calls: [] });
    expect(() => readRecording(path.join(dir, 'bad.json'), 'ECR responses')).toThrow(InputError);
    expect(() => readRecording(path.join(dir, 'bad.json'), 'ECR responses')).toThrow(`cannot read recorded ECR responses ${path.join(dir, 'bad.json')}: it is not JSON`);
    expect(() => readRecording(path.join(dir, 'missing.json'), 'responses')).toThrow(/cannot read recorded responses .*missing\.json: ENOENT/);
  });
});
