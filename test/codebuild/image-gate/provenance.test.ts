import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DIGEST } from './fixtures';
import { runGateCli } from '../../../src/codebuild/image-gate/gate-cli';
import {
  checkProvenance, parseProvenanceRecord, PROVENANCE_PREFIX, PROVENANCE_RUNBOOK, provenanceKey, provenanceRecord,
} from '../../../src/codebuild/image-gate/provenance';
import { InputError } from '../../../src/shared/cli/errors';

const REPOSITORY = 'cdk-delivery-pipeline/service';
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const OTHER = 'sha256:0000000000000000000000000000000000000000000000000000000000000bad';
const TAG = { repository: REPOSITORY, commit: COMMIT, digest: DIGEST };
const BUILD = 'cdk-delivery-pipeline-ImageGate:7d3c0e1a-0000-4000-8000-000000000000';
const AT = new Date('2026-11-25T10:00:00.000Z');

/** The record as the gate writes it, as text (what S3 returns). */
const recordText = (over: Record<string, unknown> = {}) => JSON.stringify({ ...provenanceRecord(TAG, BUILD, AT), ...over });

describe('provenance records', () => {
  test('the key is per repository and commit, under the prefix the bucket policy reserves to the gate', () => {
    expect(provenanceKey(REPOSITORY, COMMIT)).toBe(`image-provenance/${REPOSITORY}/${COMMIT}.json`);
    expect(provenanceKey(REPOSITORY, COMMIT).startsWith(PROVENANCE_PREFIX)).toBe(true);
  });

  test('a record names the repository, commit, digest, the build that promoted it and when', () => {
    expect(provenanceRecord(TAG, BUILD, AT)).toEqual({
      version: 1, repository: REPOSITORY, commit: COMMIT, digest: DIGEST, build: BUILD, recordedAt: '2026-11-25T10:00:00.000Z',
    });
    expect(parseProvenanceRecord(recordText(), 'r.json')).toEqual(provenanceRecord(TAG, BUILD, AT));
  });

  test('the tag may be reused only when the record names the digest the tag names now', () => {
    const record = parseProvenanceRecord(recordText(), 'r.json');
    expect(checkProvenance(record, TAG)).toEqual({ ok: true });
    const pushedFirst = checkProvenance(record, { ...TAG, digest: OTHER });
    expect(pushedFirst.ok).toBe(false);
    expect(!pushedFirst.ok && pushedFirst.reason).toBe(
      `${REPOSITORY}:${COMMIT} names ${OTHER}, which is not what the image gate promoted (build ${BUILD}, 2026-11-25T10:00:00.000Z): `
      + `digest ${DIGEST} in the record, ${OTHER} on the tag. Another principal may have pushed this tag; refusing to reuse it. `
      + `See ${PROVENANCE_RUNBOOK}.`,
    );
  });

  test.each([
    ['another commit', { commit: 'f'.repeat(40) }, /commit f{40} in the record, 0123456789abcdef/],
    ['another repository', { repository: 'other/service' }, /repository other\/service in the record, cdk-delivery-pipeline\/service on the tag/],
  ])('a record of %s does not vouch for this tag', (_name, over, reason) => {
    const verdict = checkProvenance(parseProvenanceRecord(recordText(over), 'r.json'), TAG);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toMatch(reason);
  });

  test.each([
    ['not JSON', '{"version":', /r\.json: not JSON/],
    ['another version', recordText({ version: 2 }), /version: must be 1/],
    ['a bad digest', recordText({ digest: 'sha256:abc' }), /digest: must be sha256:<64 hex>/],
    ['a short commit', recordText({ commit: 'abc123' }), /commit: must be a 40-hex commit id/],
    ['no build', JSON.stringify({ ...provenanceRecord(TAG, BUILD, AT), build: undefined }), /build: /],
    ['a bad date', recordText({ recordedAt: 'yesterday' }), /recordedAt: /],
    ['an unknown field', recordText({ trusted: true }), /Unrecognized key/],
    ['an array', '[]', /\(root\): /],
  ])('%s fails closed (InputError)', (_name, text, message) => {
    expect(() => parseProvenanceRecord(text, 'r.json')).toThrow(InputError);
    expect(() => parseProvenanceRecord(text, 'r.json')).toThrow(message);
  });
});

describe('gate-cli record and provenance', () => {
  let dir: string;
  beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'provenance-')); });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function cli(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runGateCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  }
  const tagFlags = (digest = DIGEST) => ['--repository', REPOSITORY, '--commit', COMMIT, '--digest', digest];
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  test('record prints a record that provenance then accepts for that digest, and refuses for another', async () => {
    const recorded = await cli(['record', ...tagFlags(), '--build', BUILD]);
    expect(recorded.code).toBe(0);
    const record = file('record.json', recorded.stdout);
    expect(JSON.parse(recorded.stdout)).toMatchObject({ version: 1, repository: REPOSITORY, commit: COMMIT, digest: DIGEST, build: BUILD });

    const same = await cli(['provenance', '--record', record, ...tagFlags()]);
    expect(same.stdout).toBe(`Provenance check passed: ${REPOSITORY}:${COMMIT} = ${DIGEST}, as the image gate promoted it.`);
    expect(same.code).toBe(0);

    const other = await cli(['provenance', '--record', record, ...tagFlags(OTHER)]);
    expect(other.stdout).toMatch(/not what the image gate promoted[\s\S]*RUNBOOKS\.md "The image gate refuses an existing tag"\.\nProvenance check FAILED\.$/);
    expect(other.code).toBe(1);
  });

  test.each([
    ['a missing record file', () => ['provenance', '--record', path.join(dir, 'absent.json'), ...tagFlags()], /cannot read provenance record/],
    ['a malformed record', () => ['provenance', '--record', file('bad.json', '{}'), ...tagFlags()], /not a provenance record/],
    ['no --record', () => ['provenance', ...tagFlags()], /--record is required/],
    ['a short commit', () => ['record', '--repository', REPOSITORY, '--commit', 'abc', '--digest', DIGEST, '--build', BUILD], /--commit must be a 40-hex commit id, got "abc"/],
    ['a bad digest', () => ['record', '--repository', REPOSITORY, '--commit', COMMIT, '--digest', 'latest', '--build', BUILD], /--digest must be sha256/],
    ['no --build', () => ['record', ...tagFlags()], /--build is required/],
    ['no --repository', () => ['record', '--commit', COMMIT, '--digest', DIGEST, '--build', BUILD], /--repository is required/],
  ])('exit 2 (fail closed): %s', async (_name, args, message) => {
    const r = await cli(args());
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });
});
