import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { provenanceRecord } from '../../../src/codebuild/image-gate/provenance';
import { provenanceKey } from '../../../src/shared/image-provenance';
import { bundleCli } from '../../support/bundle-cli';
import { runLikeCodeBuild } from '../../support/codebuild-shell';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly } from '../../support/sample-assembly';

/**
 * scripts/image-gate.sh runs only in CodeBuild (docker, trivy, aws). Here the three tools are
 * replaced by recording stubs that replay the recorded Trivy reports and ECR responses under
 * test/fixtures/supply-chain, while the real gate CLI decides. What is checked is the order
 * that keeps invariant 2: nothing is pushed before Trivy passes, and the deployable tag is
 * given only to the digest that passed both gates.
 */
const root = REPO_ROOT;
const fixtures = path.join(root, 'test', 'fixtures', 'supply-chain');
const DIGEST = 'sha256:4a1f3c9b7e2d5f8a6c0b9e3d7f1a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a';
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const REPOSITORY = 'cdk-delivery-pipeline/service';
/** Another digest: what a principal other than the gate might have pushed under the commit tag. */
const OTHER_DIGEST = 'sha256:0000000000000000000000000000000000000000000000000000000000000bad';

let gateCli: string;
beforeAll(() => { gateCli = bundleCli('src/codebuild/image-gate/gate-cli.ts'); });

interface Run {
  readonly status: number | null;
  readonly calls: string[];
  readonly output: string;
  readonly workdir: string;
  /** The buildspec's exported variables, when run through it (`throughBuildspec`). */
  readonly exported?: Readonly<Record<string, string>>;
}

/** The ImageGate CodeBuild project of the synthesized sample pipeline: build commands, exported variables, literal env. */
function imageGateBuildspec(): { commands: string[]; exportedVariables: string[]; env: Record<string, string> } {
  const { pipelineStages, pipelineTemplate } = sampleAssembly();
  const action = pipelineStages.flatMap((s) => s.Actions).find((a: any) => a.Name === 'ImageGate');
  const project = pipelineTemplate.toJSON().Resources[action.Configuration.ProjectName.Ref];
  const spec = JSON.parse(project.Properties.Source.BuildSpec);
  const env = Object.fromEntries(project.Properties.Environment.EnvironmentVariables
    .filter((v: any) => typeof v.Value === 'string').map((v: any) => [v.Name, v.Value]));
  return { commands: spec.phases.build.commands, exportedVariables: spec.env['exported-variables'], env };
}

/**
 * Run the gate with stubs; `alreadyDeployable` seeds what the registry already holds. By default
 * the script alone; with `throughBuildspec`, the ImageGate buildspec's build commands in one
 * shell like CodeBuild (the script from scripts/, the project's literal environment), reading
 * its exported variables afterwards.
 */
function runGate(opts: {
  trivyImage: string;
  ecr: string;
  alreadyDeployable?: boolean;
  throughBuildspec?: boolean;
  replication?: string;
  /** With alreadyDeployable, the gate's provenance record of the commit: of that digest (default), of another, or none. */
  recorded?: 'same digest' | 'other digest' | 'none';
}): Run {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'image-gate-'));
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  const log = path.join(work, 'calls.log');
  const state = path.join(work, 'promoted');
  // The S3 object of the commit's provenance record (one object: the stub ignores bucket and key).
  const records = path.join(work, 'provenance-object.json');
  if (opts.alreadyDeployable) fs.writeFileSync(state, DIGEST);
  const recorded = opts.recorded ?? (opts.alreadyDeployable ? 'same digest' : 'none');
  if (recorded !== 'none') {
    const digest = recorded === 'same digest' ? DIGEST : OTHER_DIGEST;
    fs.writeFileSync(records, JSON.stringify(provenanceRecord({ repository: REPOSITORY, commit: COMMIT, digest }, 'earlier-build')));
  }
  const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\necho "${name} $*" >> "${log}"\n${body}\n`, { mode: 0o755 });
  const outputOf = 'out=""; prev=""; for a in "$@"; do [ "$prev" = "--output" ] && out="$a"; prev="$a"; done';
  // `docker login --password-stdin` reads the password; a stub that does not would SIGPIPE the aws stub.
  stub('docker', '[ "$1" = login ] && cat > /dev/null; exit 0');
  stub('trivy', `${outputOf}
case "$1" in
  image) cp "${path.join(fixtures, 'trivy', opts.trivyImage)}" "$out" ;;
  config) cp "${path.join(fixtures, 'trivy', 'clean.json')}" "$out" ;;
  convert) echo '{}' > "$out" ;;
esac`);
  stub('aws', `case "$2" in
  get-login-password) echo secret ;;
  describe-images)
    case "$*" in
      *imageTag=candidate-*) grep -q "docker push" "${log}" && echo "${DIGEST}" || exit 254 ;;
      *) [ -f "${state}" ] && cat "${state}" || exit 254 ;;
    esac ;;
  batch-get-image) case "$*" in *MediaType*) echo application/vnd.oci.image.manifest.v1+json ;; *) echo '{"schemaVersion":2}' ;; esac ;;
  put-image) echo "${DIGEST}" > "${state}" ;;
  batch-delete-image) echo 0 ;;
  get-object) [ -f "${records}" ] && cp "${records}" "\${@: -1}" || { echo 'An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist.' >&2; exit 254; } ;;
  put-object) body=""; prev=""; for a in "$@"; do [ "$prev" = "--body" ] && body="$a"; prev="$a"; done; cp "$body" "${records}" ;;
esac`);
  fs.copyFileSync(path.join(root, '.trivyignore.yaml'), path.join(work, '.trivyignore.yaml'));
  const env = {
    PATH: `${bin}:${process.env.PATH}`,
    REPOSITORY_URI: `111111111111.dkr.ecr.us-east-1.amazonaws.com/${REPOSITORY}`,
    REPOSITORY_NAME: REPOSITORY,
    COMMIT_ID: COMMIT,
    PROVENANCE_BUCKET: 'change-reports-bucket',
    // Through the buildspec, the project's own literal value applies.
    ...(opts.throughBuildspec ? {} : { PROVENANCE_PREFIX: `image-provenance/${REPOSITORY}/` }),
    CODEBUILD_BUILD_ID: 'cdk-delivery-pipeline-ImageGate:this-build',
    AWS_REGION: 'us-east-1',
    CODEBUILD_BUILD_NUMBER: '7',
    GATE_CLI: gateCli,
    // The ~80 starts of the 2 MB gate CLI in this file reuse V8's compiled code (globalSetup's
    // cache directory; the same code runs, only the parsing is skipped).
    ...(process.env.NODE_COMPILE_CACHE ? { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE } : {}),
    ECR_SCAN_RECORDING: path.join(fixtures, 'ecr', opts.ecr),
    // The replication wait replays its recording (test/fixtures/supply-chain/replication).
    REPLICATION_RECORDING: path.join(fixtures, 'replication', opts.replication ?? 'in-progress-then-complete.json'),
    ...(opts.replication ? { REPLICATION_REGIONS: 'us-east-2', REPLICATION_TIMEOUT_MINUTES: '0.01' } : {}),
  };
  const callsOf = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);
  if (opts.throughBuildspec) {
    fs.mkdirSync(path.join(work, 'scripts'));
    fs.copyFileSync(path.join(root, 'scripts', 'image-gate.sh'), path.join(work, 'scripts', 'image-gate.sh'));
    const spec = imageGateBuildspec();
    const build = runLikeCodeBuild(spec.commands, { cwd: work, env: { ...spec.env, ...env }, exportedVariables: spec.exportedVariables });
    return { status: build.status, calls: callsOf(), output: build.output, workdir: work, exported: build.exported };
  }
  const run = spawnSync('bash', [path.join(root, 'scripts', 'image-gate.sh')], { cwd: work, encoding: 'utf8', env });
  return { status: run.status, calls: callsOf(), output: run.stdout + run.stderr, workdir: work };
}

/** The provenance record the run left in the (stubbed) bucket, if any. */
const storedRecord = (run: Run) => {
  const file = path.join(run.workdir, 'provenance-object.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
};

const indexOf = (calls: string[], pattern: RegExp) => calls.findIndex((c) => pattern.test(c));

describe('scripts/image-gate.sh', () => {
  test('clean image: Trivy before push, ECR scan of the pushed digest, then the commit tag on that digest', () => {
    const run = runGate({ trivyImage: 'clean.json', ecr: 'scan-clean.json' });
    expect(run.output).toContain('Image gates passed');
    expect(run.status).toBe(0);
    const build = indexOf(run.calls, /^docker build .*COMMIT_SHA=/);
    const trivy = indexOf(run.calls, /^trivy image /);
    const push = indexOf(run.calls, /^docker push .*:candidate-/);
    const promote = indexOf(run.calls, new RegExp(`^aws ecr put-image .*--image-tag ${COMMIT}`));
    expect(build).toBeGreaterThanOrEqual(0);
    expect(build).toBeLessThan(trivy);
    expect(trivy).toBeLessThan(push);
    expect(push).toBeLessThan(promote);
    // ...and the promoted image loses its candidate tag, or the candidate expiry would take it.
    const untag = indexOf(run.calls, /^aws ecr batch-delete-image .*imageTag=candidate-/);
    expect(untag).toBeGreaterThan(promote);
    const record = JSON.parse(fs.readFileSync(path.join(run.workdir, 'gate-reports', 'image.json'), 'utf8'));
    expect(record).toMatchObject({ commit: COMMIT, digest: DIGEST, deployableTag: COMMIT, candidateTag: `candidate-${COMMIT}-7` });
  });

  test('the gate records the digest it promotes before the commit tag names it, under the commit\'s key', () => {
    const run = runGate({ trivyImage: 'clean.json', ecr: 'scan-clean.json' });
    expect(run.status).toBe(0);
    const put = indexOf(run.calls, new RegExp(`^aws s3api put-object --bucket change-reports-bucket --key ${provenanceKey(REPOSITORY, COMMIT)} `));
    const promote = indexOf(run.calls, new RegExp(`^aws ecr put-image .*--image-tag ${COMMIT}`));
    expect(put).toBeGreaterThan(indexOf(run.calls, /^docker push/));
    expect(put).toBeLessThan(promote);
    expect(storedRecord(run)).toMatchObject({ version: 1, repository: REPOSITORY, commit: COMMIT, digest: DIGEST, build: 'cdk-delivery-pipeline-ImageGate:this-build' });
    // A fresh build reads no record: there is no tag to reuse.
    expect(indexOf(run.calls, /^aws s3api get-object/)).toBe(-1);
  });

  test('a tag that the gate has no record of (pushed by another principal) is refused before any scan', () => {
    const run = runGate({ trivyImage: 'clean.json', ecr: 'scan-clean.json', alreadyDeployable: true, recorded: 'none' });
    expect(run.status).not.toBe(0);
    expect(run.output).toContain(`No provenance record s3://change-reports-bucket/${provenanceKey(REPOSITORY, COMMIT)} for ${REPOSITORY}:${COMMIT} (= ${DIGEST})`);
    expect(run.output).toContain('RUNBOOKS.md "The image gate refuses an existing tag"');
    for (const never of [/^trivy image/, /^docker build/, /^aws ecr put-image/, /^aws s3api put-object/]) expect(indexOf(run.calls, never)).toBe(-1);
    expect(fs.existsSync(path.join(run.workdir, 'gate-reports', 'image-digest.txt'))).toBe(false);
  });

  test('a tag that names another digest than the gate recorded is refused before any scan', () => {
    const run = runGate({ trivyImage: 'clean.json', ecr: 'scan-clean.json', alreadyDeployable: true, recorded: 'other digest' });
    expect(run.status).toBe(1);
    expect(run.output).toMatch(new RegExp(`names ${DIGEST}, which is not what the image gate promoted[\\s\\S]*Provenance check FAILED`));
    expect(indexOf(run.calls, /^trivy image/)).toBe(-1);
    // The record is evidence: the gate never overwrites it on a refusal.
    expect(storedRecord(run).digest).toBe(OTHER_DIGEST);
  });

  test('a CRITICAL from Trivy fails before anything is pushed or tagged', () => {
    const run = runGate({ trivyImage: 'critical.json', ecr: 'scan-clean.json' });
    expect(run.output).toMatch(/CRITICAL/);
    expect(run.status).not.toBe(0);
    expect(indexOf(run.calls, /^docker push/)).toBe(-1);
    expect(indexOf(run.calls, /^aws ecr put-image/)).toBe(-1);
  });

  test('an ECR finding above the threshold fails after push but before the commit tag', () => {
    const run = runGate({ trivyImage: 'clean.json', ecr: 'scan-paginated.json' });
    expect(run.output).toMatch(/CRITICAL/);
    expect(run.status).not.toBe(0);
    expect(indexOf(run.calls, /^docker push/)).toBeGreaterThanOrEqual(0);
    expect(indexOf(run.calls, /^aws ecr put-image/)).toBe(-1);
  });

  test('a re-run for a commit that already passed checks the tag\'s provenance, re-checks that digest and builds nothing', () => {
    const run = runGate({ trivyImage: 'clean.json', ecr: 'scan-clean.json', alreadyDeployable: true });
    expect(run.status).toBe(0);
    expect(run.output).toContain(`Provenance check passed: ${REPOSITORY}:${COMMIT} = ${DIGEST}`);
    expect(indexOf(run.calls, /^docker build/)).toBe(-1);
    const read = indexOf(run.calls, new RegExp(`^aws s3api get-object --bucket change-reports-bucket --key ${provenanceKey(REPOSITORY, COMMIT)} `));
    expect(read).toBeGreaterThanOrEqual(0);
    expect(read).toBeLessThan(indexOf(run.calls, new RegExp(`^trivy image .*@${DIGEST}`)));
    expect(indexOf(run.calls, /^aws s3api put-object/)).toBe(-1);
  });

  test('with replication regions, the gate passes only once the digest is in every region under the commit tag', () => {
    const run = runGate({ trivyImage: 'clean.json', ecr: 'scan-clean.json', replication: 'in-progress-then-complete.json' });
    expect(run.status).toBe(0);
    expect(run.output).toMatch(/us-east-2: IN_PROGRESS[\s\S]*Replication gate passed[\s\S]*Image gates passed/);
  });

  test('a failed replication fails the gate after the promotion, and records no digest', () => {
    const run = runGate({ trivyImage: 'clean.json', ecr: 'scan-clean.json', replication: 'failed.json' });
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/FAILED \(KMS_ACCESS_DENIED\)/);
    expect(indexOf(run.calls, /^aws ecr put-image/)).toBeGreaterThanOrEqual(0);
    expect(fs.existsSync(path.join(run.workdir, 'gate-reports', 'image-digest.txt'))).toBe(false);
  });

  test('a re-run for a commit that already passed waits for its replicas too', () => {
    const run = runGate({ trivyImage: 'clean.json', ecr: 'scan-clean.json', alreadyDeployable: true, replication: 'in-progress-forever.json' });
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/timed out: not in every stage region/);
  });

  test('a re-run whose digest now has a CRITICAL fails', () => {
    const run = runGate({ trivyImage: 'critical.json', ecr: 'scan-clean.json', alreadyDeployable: true });
    expect(run.status).not.toBe(0);
  });

  describe('the hand-off to CodeBuild: the ImageGate buildspec run like CodeBuild runs it', () => {
    test('exports IMAGE_DIGEST = the digest the commit tag was given', () => {
      const run = runGate({ trivyImage: 'clean.json', ecr: 'scan-clean.json', throughBuildspec: true });
      expect(run.status).toBe(0);
      // The sample's buildspec waits for us-east-2 (the recording answers for it).
      expect(run.output).toMatch(/Replication gate passed: .* in us-east-2\./);
      expect(run.calls).toContain(`aws ecr put-image --repository-name cdk-delivery-pipeline/service --image-tag ${COMMIT} --image-manifest {"schemaVersion":2} --image-manifest-media-type application/vnd.oci.image.manifest.v1+json`);
      expect(run.exported).toEqual({ IMAGE_DIGEST: DIGEST });
    });

    test('a re-run for a commit that already passed reads its record under the project\'s prefix and exports that digest', () => {
      const run = runGate({ trivyImage: 'clean.json', ecr: 'scan-clean.json', alreadyDeployable: true, throughBuildspec: true });
      expect(run.status).toBe(0);
      expect(indexOf(run.calls, new RegExp(`^aws s3api get-object .*--key ${provenanceKey(REPOSITORY, COMMIT)} `))).toBeGreaterThanOrEqual(0);
      expect(run.exported).toEqual({ IMAGE_DIGEST: DIGEST });
    });

    test('a refused tag fails the build and exports no digest', () => {
      const run = runGate({ trivyImage: 'clean.json', ecr: 'scan-clean.json', alreadyDeployable: true, recorded: 'other digest', throughBuildspec: true });
      expect(run.status).not.toBe(0);
      expect(run.exported?.IMAGE_DIGEST ?? '').toBe('');
    });

    test('a failed gate fails the build and exports no digest', () => {
      const run = runGate({ trivyImage: 'critical.json', ecr: 'scan-clean.json', throughBuildspec: true });
      expect(run.status).not.toBe(0);
      expect(run.exported?.IMAGE_DIGEST ?? '').toBe('');
    });
  });
});
