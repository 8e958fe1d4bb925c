import { DIGEST, ecrCalls } from './fixtures';
import { WaitForEcrScanOptions, waitForEcrScan } from '../../../src/codebuild/image-gate/ecr-wait';
import { EcrScanClient } from '../../../src/codebuild/image-gate/image-gate-clients';
import { InputError } from '../../../src/shared/cli/errors';
import { fakeClock } from '../../support/fake-clock';
import { recordedEcrScanClient } from '../../support/recorded-clients';

/** A fake clock: sleep advances time instantly, so a 15-minute wait takes microseconds. */
function run(client: EcrScanClient, over: Partial<WaitForEcrScanOptions> = {}) {
  const clock = fakeClock();
  const result = waitForEcrScan({
    client,
    repositoryName: 'app',
    imageDigest: DIGEST,
    timeoutMs: 15 * 60_000,
    pollMs: 15_000,
    ...clock.options,
    ...over,
  });
  return { result, sleeps: clock.sleeps, log: clock.log, elapsed: clock.elapsed };
}

const replay = (name: string) => recordedEcrScanClient(ecrCalls(name));

describe('waitForEcrScan', () => {
  test('IN_PROGRESS is waited on, then COMPLETE findings are returned', async () => {
    const client = replay('scan-in-progress-then-complete');
    const { result, sleeps } = run(client);
    const r = await result;
    expect(r).toEqual(expect.objectContaining({ ok: true, status: 'COMPLETE', reads: 3, severityCounts: { HIGH: 1 } }));
    expect(r.ok && r.findings.map((f) => f.id)).toEqual(['CVE-2023-31484']);
    expect(sleeps).toEqual([15_000, 15_000]);
    expect(client.inputs[0]).toEqual({ repositoryName: 'app', imageId: { imageDigest: DIGEST } });
  });

  test('ScanNotFoundException (scan not registered yet) is waited on', async () => {
    const r = await run(replay('scan-not-found-then-complete')).result;
    expect(r).toEqual(expect.objectContaining({ ok: true, reads: 2 }));
    expect(r.ok && r.findings.map((f) => [f.id, f.severity])).toEqual([['CVE-2011-3374', 'LOW']]);
  });

  test('the COMPLETE-before-findings race: never decides on missing or incomplete findings', async () => {
    const { result, log } = run(replay('scan-complete-before-findings'));
    const r = await result;
    expect(r).toEqual(expect.objectContaining({ ok: true, reads: 3 }));
    expect(r.ok && r.findings.map((f) => f.severity)).toEqual(['CRITICAL', 'MEDIUM']);
    expect(log.join('\n')).toMatch(/findings not populated yet[\s\S]*findings incomplete \(CRITICAL 0\/1, MEDIUM 0\/1\)/);
  });

  test('COMPLETE with counts but an empty list stays unresolved, even when repeated, and times out', async () => {
    const stuck = (ecrCalls('scan-complete-before-findings')[1]);
    const r = await run(recordedEcrScanClient([stuck])).result;
    expect(r).toEqual(expect.objectContaining({ ok: false }));
    expect(!r.ok && r.reason).toMatch(/timed out.*15 minute\(s\).*findings incomplete/);
  });

  test('COMPLETE with no findings and no counts is confirmed by a second identical read', async () => {
    const client = replay('scan-clean');
    const r = await run(client).result;
    expect(r).toEqual(expect.objectContaining({ ok: true, reads: 2, findings: [] }));
  });

  test('findings that match findingSeverityCounts exactly are accepted on the first read', async () => {
    const complete = ecrCalls('scan-in-progress-then-complete')[2];
    const r = await run(recordedEcrScanClient([complete])).result;
    expect(r).toEqual(expect.objectContaining({ ok: true, reads: 1 }));
  });

  test('paginates with nextToken and evaluates every page', async () => {
    const client = replay('scan-paginated');
    const r = await run(client).result;
    expect(r.ok && r.findings.map((f) => f.id)).toEqual(['CVE-2011-3374', 'CVE-2022-0563', 'CVE-2023-45853']);
    expect(client.inputs.map((i) => i.nextToken)).toEqual([undefined, 'eyJsYXN0RXZhbHVhdGVkS2V5IjoiQ1ZFLTIwMjItMDU2MyJ9']);
  });

  test('enhanced scanning status ACTIVE is a finished scan', async () => {
    const r = await run(replay('scan-enhanced')).result;
    expect(r).toEqual(expect.objectContaining({ ok: true, status: 'ACTIVE' }));
  });

  test.each([
    ['scan-failed', /ended with status FAILED \(Scan failed due to an internal error/],
    ['scan-unsupported-image', /ended with status UNSUPPORTED_IMAGE/],
  ])('%s fails closed at once, naming the status', async (name, reason) => {
    const { result, elapsed } = run(replay(name));
    const r = await result;
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(reason);
    expect(elapsed()).toBeLessThan(60_000);
  });

  test('a scan that never completes times out, fails closed and names the timeout', async () => {
    const { result, elapsed, log } = run(replay('scan-in-progress-forever'), { timeoutMs: 5 * 60_000, pollMs: 20_000 });
    const r = await result;
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/timed out: no usable result within the 5 minute\(s\) timeout \(last state: IN_PROGRESS\); failing closed/);
    expect(elapsed()).toBe(5 * 60_000);
    expect(log).toHaveLength(1); // progress is logged when the state changes, not on every poll
  });

  test('the last sleep is cut to the deadline and a final read happens at it', async () => {
    const { result, sleeps } = run(replay('scan-in-progress-forever'), { timeoutMs: 50_000, pollMs: 20_000 });
    expect((await result).reads).toBe(4);
    expect(sleeps).toEqual([20_000, 20_000, 10_000]);
  });

  test('other AWS errors are not swallowed', async () => {
    const client = recordedEcrScanClient([{ error: { name: 'AccessDeniedException', message: 'not authorized to perform: ecr:DescribeImageScanFindings' } }]);
    await expect(run(client).result).rejects.toThrow(/not authorized/);
  });

  test('a malformed response is a InputError', async () => {
    await expect(run(replay('scan-malformed')).result).rejects.toThrow(InputError);
  });

  test('passes registryId when given', async () => {
    const client = replay('scan-enhanced');
    await run(client, { registryId: '111111111111' }).result;
    expect(client.inputs[0].registryId).toBe('111111111111');
  });
});
