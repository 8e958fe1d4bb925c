import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'yaml';
import { REPO_ROOT } from '../support/repo-root';
import { sampleAssembly } from '../support/sample-assembly';

/**
 * Every pinned download is checked against an independent reference committed beside it
 * (the publisher's checksums, with their source and the date they were read), not against the
 * constant that produced it: a wrong checksum, version or asset name fails here instead of in
 * CodeBuild, and a right checksum for a wrong file cannot pass.
 */
const ROOT = REPO_ROOT;
const STEPS = path.join(ROOT, 'src', 'synth', 'pipeline', 'steps');

/** `<sha256>  <file>` lines of a checksums file (comments and blank lines skipped). */
function checksumLines(file: string): Map<string, string> {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  return new Map(lines.map((line) => {
    const m = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line);
    if (!m) throw new Error(`${file}: "${line}" is not a checksums.txt line (<sha256><two spaces><file>)`);
    return [m[2]!, m[1]!];
  }));
}

/** A download that a build spec verifies with sha256sum before using it. */
interface PinnedDownload {
  readonly project: string;
  readonly url: string;
  readonly sha256: string;
}

/** Every `curl -o FILE URL` followed by `echo "SHA  FILE" | sha256sum --check` of every CodeBuild project. */
function pinnedDownloadsOfPipeline(): PinnedDownload[] {
  const sample = sampleAssembly();
  const resources: Record<string, any> = sample.pipelineTemplate.toJSON().Resources;
  const found: PinnedDownload[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::CodeBuild::Project') continue;
    // Inline, or (when large) a buildspec-*.yaml file of the assembly that the template names.
    const buildSpec: string = resource.Properties.Source.BuildSpec;
    const spec = yaml.parse(buildSpec.startsWith('{') ? buildSpec : fs.readFileSync(path.join(sample.directory, buildSpec), 'utf8'));
    const commands: string[] = Object.values(spec.phases ?? {}).flatMap((phase: any) => phase.commands ?? []);
    for (const command of commands.filter((c) => c.includes('sha256sum'))) {
      const check = /^echo "([0-9a-f]{64}) {2}(\S+)" \| sha256sum --check --strict$/.exec(command);
      if (!check) throw new Error(`${id}: unexpected checksum command "${command}"`);
      const download = commands.find((c) => c.startsWith('curl ') && c.includes(` -o ${check[2]} `));
      if (!download) throw new Error(`${id}: "${check[2]}" is verified but never downloaded with curl -o`);
      found.push({ project: id, url: download.split(' ').pop()!, sha256: check[1]! });
    }
  }
  return found;
}

/** Every command every pipeline action runs: CodeBuild buildspecs (inline or a file of the assembly) and Commands actions. */
function everyPipelineCommand(): Array<{ where: string; commands: string[] }> {
  const sample = sampleAssembly();
  const resources: Record<string, any> = sample.pipelineTemplate.toJSON().Resources;
  const out: Array<{ where: string; commands: string[] }> = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::CodeBuild::Project') continue;
    const buildSpec: string = resource.Properties.Source.BuildSpec;
    const spec = yaml.parse(buildSpec.startsWith('{') ? buildSpec : fs.readFileSync(path.join(sample.directory, buildSpec), 'utf8'));
    out.push({ where: id, commands: Object.values(spec.phases ?? {}).flatMap((phase: any) => phase.commands ?? []) });
  }
  for (const action of sample.pipelineStages.flatMap((st) => st.Actions)) {
    if (action.ActionTypeId.Provider === 'Commands') out.push({ where: action.Name, commands: action.Commands });
  }
  return out;
}

/** Commands that fetch or install software. */
const INSTALLS = /\b(npm (i|install|add|ci)|npx (-y|--yes)|yarn|pnpm|pip3? install|apt(-get)? install|yum install|dnf install|curl|wget|go install|gem install)\b|^n /;

describe('no pipeline action installs an unpinned tool (issues 30.3, 33.2)', () => {
  const LOCK = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));

  test('every install is the lock file (npm ci), a lock-pinned and integrity-checked npm CLI, a checksum-verified download, or Node.js switched offline', () => {
    const seen: string[] = [];
    for (const { where, commands } of everyPipelineCommand()) {
      commands.forEach((command, i) => {
        if (!INSTALLS.test(command) || /^(test|echo) /.test(command)) return;
        if (command === 'npm ci') return seen.push('npm ci');
        const npm = /^npm install -g (@?[\w./-]+)@(\S+)$/.exec(command);
        if (npm) {
          const [, name, version] = npm;
          const locked = LOCK.packages[`node_modules/${name}`];
          expect({ where, name, version }).toEqual({ where, name, version: locked?.version });
          // The command before it checks the registry's integrity against the lock's.
          expect(commands[i - 1]).toBe(`test "$(npm view ${name}@${version} dist.integrity)" = "${locked.integrity}" `
            + `|| { echo "${name}@${version}: the registry's tarball integrity is not the one package-lock.json recorded"; exit 1; }`);
          return seen.push(`npm -g ${name}`);
        }
        if (/^curl -sSfL -o (\S+) https:\/\/\S+$/.test(command)) {
          const file = command.split(' ')[3];
          expect(commands[i + 1]).toMatch(new RegExp(`^echo "[0-9a-f]{64}  ${file.replace(/[/.]/g, '\\$&')}" \\| sha256sum --check --strict$`));
          return seen.push('curl + sha256');
        }
        if (/^n --offline "\$NODE_\d+_VERSION" > \/dev\/null && node -e /.test(command)) return seen.push('n --offline');
        throw new Error(`${where} runs an install that is neither pinned nor verified: ${command}`);
      });
    }
    // So this test cannot pass on nothing: each kind is there.
    expect([...new Set(seen)].sort()).toEqual(['curl + sha256', 'n --offline', 'npm -g aws-cdk', 'npm -g cdk-assets', 'npm ci']);
  });
});

describe('pinned downloads match their independent references', () => {
  test('every checksum a pipeline build verifies is the published one for that release asset', () => {
    const downloads = pinnedDownloadsOfPipeline();
    // The image gate's Trivy at least (so this test cannot pass on nothing); any other pinned
    // download needs a reference of its own, found by the same rule.
    expect(downloads.map((d) => d.url)).toContainEqual(expect.stringMatching(/\/aquasecurity\/trivy\/releases\/download\//));
    for (const download of downloads) {
      const m = /^https:\/\/github\.com\/[\w.-]+\/([\w.-]+)\/releases\/download\/v([\w.-]+)\/([\w.-]+)$/.exec(download.url);
      if (!m) throw new Error(`${download.project}: ${download.url} is not a GitHub release asset URL`);
      const [, name, version, asset] = m;
      const reference = path.join(STEPS, `${name}_${version}_checksums.txt`);
      if (!fs.existsSync(reference)) {
        throw new Error(`${download.project} downloads ${name} ${version} but ${path.relative(ROOT, reference)} does not exist: `
          + `commit that release's published checksums.txt line for ${asset} (with its source and the date read) before bumping the pin`);
      }
      const published = checksumLines(reference);
      expect({ asset, listed: published.has(asset!) }).toEqual({ asset, listed: true });
      expect({ asset, sha256: download.sha256 }).toEqual({ asset, sha256: published.get(asset!) });
    }
  });

  test('only the pinned Trivy release has a reference (a bump replaces it, nothing stale stays)', () => {
    const pinnedVersions = pinnedDownloadsOfPipeline().map((d) => /\/download\/v([\w.-]+)\//.exec(d.url)![1]);
    const references = fs.readdirSync(STEPS).filter((f) => /^trivy_.*_checksums\.txt$/.test(f));
    expect(references).toEqual(pinnedVersions.map((v) => `trivy_${v}_checksums.txt`));
  });

  test('every file app/Dockerfile downloads is checked against the sha256 committed for its URL (fails closed on a new file)', () => {
    const reference = new Map(fs.readFileSync(path.join(__dirname, 'download-checksums.txt'), 'utf8').split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => {
        const m = /^([0-9a-f]{64}) {2}(https:\/\/\S+)$/.exec(l);
        if (!m) throw new Error(`download-checksums.txt: "${l}" is not "<sha256>  <url>"`);
        return [m[2]!, m[1]!] as const;
      }));
    const lines = fs.readFileSync(path.join(ROOT, 'app', 'Dockerfile'), 'utf8').split('\n').filter((l) => !l.trimStart().startsWith('#'));
    const adds = lines.map((l, i) => ({ m: /^ADD (https:\/\/\S+) (\S+)$/.exec(l), i })).filter((a) => a.m);
    expect(adds.length).toBeGreaterThan(0);
    for (const { m, i } of adds) {
      const [, url, dest] = m!;
      const check = /^RUN echo "([0-9a-f]{64}) {2}(\S+)" \| sha256sum --check --strict/.exec(lines[i + 1] ?? '');
      if (!check) throw new Error(`app/Dockerfile downloads ${url} but the next line does not verify its sha256 (RUN echo "<sha256>  <file>" | sha256sum --check --strict)`);
      expect(dest.endsWith(check[2]!)).toBe(true);
      expect({ url, sha256: check[1] }).toEqual({ url, sha256: reference.get(url) });
    }
  });

  test('every digest-pinned image of app/Dockerfile is the witnessed digest of that tag', () => {
    const reference = path.join(__dirname, 'base-image-digests.txt');
    const witnessed = new Map(fs.readFileSync(reference, 'utf8').split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => l.split(' ') as [string, string]));
    const dockerfile = fs.readFileSync(path.join(ROOT, 'app', 'Dockerfile'), 'utf8')
      .split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n');
    const pins = [...dockerfile.matchAll(/([\w.\/-]+:[\w.-]+)@(sha256:[0-9a-f]{64})/g)].map((m) => ({ image: m[1]!, digest: m[2]! }));
    expect(pins.length).toBeGreaterThan(0);
    for (const pin of pins) {
      if (!witnessed.has(pin.image)) {
        throw new Error(`app/Dockerfile pins ${pin.image} but test/pinned-downloads/base-image-digests.txt has no line for it: `
          + 'add "<image>:<tag> sha256:<index digest>" with its source and the date read');
      }
      expect({ image: pin.image, digest: pin.digest }).toEqual({ image: pin.image, digest: witnessed.get(pin.image) });
    }
  });

  test('every digest-pinned sidecar image of the task definitions is the witnessed digest of that tag', () => {
    const witnessed = new Map(fs.readFileSync(path.join(__dirname, 'base-image-digests.txt'), 'utf8').split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => l.split(' ') as [string, string]));
    const images = new Set<string>();
    for (const stage of sampleAssembly().stages) {
      for (const stack of Object.values(stage.stacks)) {
        for (const r of Object.values<any>(stack.template.Resources ?? {})) {
          if (r.Type !== 'AWS::ECS::TaskDefinition') continue;
          for (const c of r.Properties.ContainerDefinitions) if (typeof c.Image === 'string') images.add(c.Image);
        }
      }
    }
    expect([...images]).toHaveLength(1);
    for (const image of images) {
      const m = /^([\w.\/-]+:[\w.-]+)@(sha256:[0-9a-f]{64})$/.exec(image);
      // A sidecar is pulled by digest, never by a moving tag alone.
      expect({ image, pinned: m !== null }).toEqual({ image, pinned: true });
      expect({ image: m![1], digest: m![2] }).toEqual({ image: m![1], digest: witnessed.get(m![1]) });
    }
  });
});
