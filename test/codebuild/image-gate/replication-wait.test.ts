import * as fs from 'fs';
import * as path from 'path';
import { DIGEST, FIXTURES, fixture } from './fixtures';
import { runGateCli } from '../../../src/codebuild/image-gate/gate-cli';
import { EcrReplicationClient } from '../../../src/codebuild/image-gate/image-gate-clients';
import { ReplicationRecording } from '../../../src/codebuild/image-gate/recorded-image-gate-clients';
import { WaitForReplicationOptions, waitForReplication } from '../../../src/codebuild/image-gate/replication-wait';
import { InputError } from '../../../src/shared/cli/errors';
import { fakeClock } from '../../support/fake-clock';
import { recordedEcrReplicationClient } from '../../support/recorded-clients';
import { REPO_ROOT } from '../../support/repo-root';

const REPOSITORY = 'cdk-delivery-pipeline/service';
const COMMIT = '0123456789abcdef0123456789abcdef01234567';

/** A recorded replication fixture (test/fixtures/supply-chain/replication/<name>.json). */
const recording = (name: string): ReplicationRecording => JSON.parse(fixture(`replication/${name}.json`));
const replay = (name: string) => recordedEcrReplicationClient(recording(name));

/** A fake clock: sleep advances time instantly. */
function run(client: EcrReplicationClient, over: Partial<WaitForReplicationOptions> = {}) {
  const clock = fakeClock();
  const result = waitForReplication({
    client,
    repositoryName: REPOSITORY,
    imageDigest: DIGEST,
    imageTag: COMMIT,
    regions: ['us-east-2'],
    timeoutMs: 15 * 60_000,
    pollMs: 15_000,
    ...clock.options,
    ...over,
  });
  return { result, sleeps: clock.sleeps, log: clock.log, elapsed: clock.elapsed };
}

describe('waitForReplication', () => {
  test('no status yet, IN_PROGRESS, then COMPLETE: waits, then checks that the tag names the digest in the region', async () => {
    const client = replay('in-progress-then-complete');
    const { result, log, sleeps } = run(client);
    expect(await result).toEqual({ ok: true, reads: 4 });
    expect(sleeps).toEqual([15_000, 15_000, 15_000]);
    // Layers COMPLETE is not enough: the commit tag arrives by a later replication event.
    expect(log.join('\n')).toMatch(/us-east-2: no status yet[\s\S]*us-east-2: IN_PROGRESS[\s\S]*us-east-2: COMPLETE, but tag 0123456789abcdef0123456789abcdef01234567 not there yet/);
    expect(client.inputs.status[0]).toEqual({ repositoryName: REPOSITORY, imageId: { imageDigest: DIGEST } });
    expect(client.inputs.tags).toEqual([
      { region: 'us-east-2', repositoryName: REPOSITORY, imageTag: COMMIT },
      { region: 'us-east-2', repositoryName: REPOSITORY, imageTag: COMMIT },
    ]);
  });

  test('every region must be done; a region already verified is not read again', async () => {
    const client = replay('two-regions');
    const r = await run(client, { regions: ['us-east-2', 'eu-west-1'] }).result;
    expect(r).toEqual({ ok: true, reads: 2 });
    expect(client.inputs.tags.map((i) => i.region)).toEqual(['eu-west-1', 'us-east-2']);
  });

  test('FAILED fails closed at once, naming the region and the failure code', async () => {
    const { result, elapsed } = run(replay('failed'));
    const r = await result;
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/to us-east-2 FAILED \(KMS_ACCESS_DENIED\); failing closed/);
    expect(elapsed()).toBe(15_000);
  });

  test('a destination that never appears times out, naming it (the other region is done)', async () => {
    const r = await run(replay('missing-destination'), { regions: ['us-east-2', 'eu-west-1'], timeoutMs: 2 * 60_000 }).result;
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/timed out: not in every stage region within the 2 minute\(s\) timeout \(us-east-2: no status yet\); failing closed.*gates\.replicationTimeoutMinutes/);
  });

  test('IN_PROGRESS forever: times out exactly at the deadline, logging only state changes', async () => {
    const { result, elapsed, log, sleeps } = run(replay('in-progress-forever'), { timeoutMs: 50_000, pollMs: 20_000 });
    const r = await result;
    expect(r).toEqual(expect.objectContaining({ ok: false, reads: 4 }));
    expect(!r.ok && r.reason).toMatch(/50 second\(s\) timeout \(us-east-2: IN_PROGRESS\)/);
    expect(sleeps).toEqual([20_000, 20_000, 10_000]);
    expect(elapsed()).toBe(50_000);
    expect(log).toHaveLength(1);
  });

  test('throttling that outlived the SDK retries costs a poll, not the verdict', async () => {
    const { result, log } = run(replay('throttled-then-complete'));
    expect(await result).toEqual({ ok: true, reads: 4 });
    expect(log.filter((l) => /throttled \(ThrottlingException\)/.test(l))).toHaveLength(3);
  });

  test('throttling forever still ends at the timeout', async () => {
    const client = recordedEcrReplicationClient({ status: [{ error: { name: 'ThrottlingException', message: 'Rate exceeded' } }] });
    const r = await run(client, { timeoutMs: 60_000 }).result;
    expect(r.ok).toBe(false);
  });

  test('a tag that names another digest in the region fails closed at once', async () => {
    const r = await run(replay('tag-names-another-digest')).result;
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/In us-east-2, cdk-delivery-pipeline\/service:0123456789abcdef0123456789abcdef01234567 names sha256:9e0d.*not the gated sha256:4a1f/);
  });

  test('access denied is not swallowed', async () => {
    await expect(run(replay('access-denied')).result).rejects.toThrow(/not authorized to perform: ecr:DescribeImageReplicationStatus/);
  });

  test('a malformed response is a InputError', async () => {
    await expect(run(replay('malformed')).result).rejects.toThrow(InputError);
  });

  test('passes registryId and ignores statuses of another registry', async () => {
    const client = recordedEcrReplicationClient({
      status: [{ response: { replicationStatuses: [{ region: 'us-east-2', registryId: '999999999999', status: 'COMPLETE' }] } }],
    });
    const r = await run(client, { registryId: '111111111111', timeoutMs: 30_000 }).result;
    expect(r.ok).toBe(false);
    expect(client.inputs.status[0].registryId).toBe('111111111111');
    expect(client.inputs.tags).toEqual([]);
  });
});

test('the runbook section every failure message names exists', async () => {
  const reasons = await Promise.all(['failed', 'in-progress-forever', 'tag-names-another-digest']
    .map(async (name) => { const r = await run(replay(name), { timeoutMs: 30_000 }).result; return r.ok ? '' : r.reason; }));
  const runbooks = fs.readFileSync(path.join(REPO_ROOT, 'RUNBOOKS.md'), 'utf8');
  for (const reason of reasons) {
    const [, title] = /RUNBOOKS\.md "([^"]+)"/.exec(reason) ?? [];
    expect(runbooks).toContain(`## ${title}\n`);
  }
});

describe('gate-cli replication', () => {
  async function cli(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runGateCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  }
  const args = (name: string, ...more: string[]) => ['replication', '--repository', REPOSITORY, '--digest', DIGEST, '--tag', COMMIT,
    '--region', 'us-east-1', '--destinations', 'us-east-2', '--from-file', path.join(FIXTURES, 'replication', `${name}.json`),
    '--poll-seconds', '0', '--timeout-minutes', '1', ...more];

  test('0 when every region holds the digest under the tag', async () => {
    const r = await cli(args('in-progress-then-complete'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Replication gate passed: cdk-delivery-pipeline\/service:0123456789abcdef0123456789abcdef01234567 = sha256:4a1f.* in us-east-2\.$/);
  });

  test('1 on FAILED', async () => {
    const r = await cli(args('failed'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAILED \(KMS_ACCESS_DENIED\)[\s\S]*Replication gate FAILED\./);
  });

  test('2 (fail closed) when AWS denies the call', async () => {
    const r = await cli(args('access-denied'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/AccessDeniedException[\s\S]*Failing closed \(exit 2\)/);
  });

  test.each([
    [['--destinations', 'us-east-1'], /--destinations must not include the source region us-east-1/],
    [['--destinations', 'US-EAST-2'], /not a region: "US-EAST-2"/],
    [['--digest', 'sha256:abc'], /--digest must be sha256:<64 hex>/],
    [['--fail-on', 'HIGH'], /gate-cli replication: unknown argument "--fail-on"/],
  ])('2 on bad input %p', async (more, message) => {
    const base = args('in-progress-then-complete');
    // Later flags replace earlier ones of the same name (one() refuses repeats): rebuild without them.
    const names = new Set(more.filter((m) => m.startsWith('--')));
    const kept: string[] = [];
    for (let i = 0; i < base.length; i++) {
      if (names.has(base[i])) { i++; continue; }
      kept.push(base[i]);
    }
    const r = await cli([...kept, ...more]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  test('2 on a recording that is not one', async () => {
    const r = await cli(['replication', '--repository', REPOSITORY, '--digest', DIGEST, '--tag', COMMIT, '--region', 'us-east-1',
      '--destinations', 'us-east-2', '--from-file', path.join(FIXTURES, 'ecr', 'scan-clean.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expected \{ "status": \[/);
  });
});
