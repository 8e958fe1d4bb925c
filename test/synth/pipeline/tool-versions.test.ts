import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'yaml';
import { lockedPackage } from '../../../src/shared/versions/npm-lock';
import { lockedToolVersions } from '../../../src/synth/pipeline/tool-versions';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly } from '../../support/sample-assembly';

/** The repository's lock, read independently of the code under test. */
const LOCK = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8'));
const lockVersion = (name: string): string => LOCK.packages[`node_modules/${name}`].version;

/** Every command of every buildspec of the pipeline (inline, or a buildspec file of the assembly). */
function pipelineBuildSpecCommands(): Array<{ project: string; command: string }> {
  const sample = sampleAssembly();
  const out: Array<{ project: string; command: string }> = [];
  for (const [id, r] of Object.entries(sample.pipelineTemplate.toJSON().Resources as Record<string, any>)) {
    if (r.Type !== 'AWS::CodeBuild::Project') continue;
    const text: string = r.Properties.Source.BuildSpec;
    const spec = yaml.parse(text.startsWith('{') ? text : fs.readFileSync(path.join(sample.directory, text), 'utf8'));
    for (const phase of Object.values<any>(spec.phases ?? {})) for (const command of phase.commands ?? []) out.push({ project: id, command });
  }
  return out;
}

describe('the CLIs the pipeline installs are the lock file\'s exact versions', () => {
  test('the self-mutation action installs aws-cdk and the asset action cdk-assets, each at the version package-lock.json resolves', () => {
    const installs = pipelineBuildSpecCommands().filter((c) => /^npm install -g /.test(c.command)).map((c) => c.command);
    expect(installs).toContain(`npm install -g aws-cdk@${lockVersion('aws-cdk')}`);
    expect(installs).toContain(`npm install -g cdk-assets@${lockVersion('cdk-assets')}`);
    // Never CDK's defaults ("2" and "latest"), nor any other range.
    for (const install of installs) expect(install).toMatch(/^npm install -g [@\w/.-]+@\d+\.\d+\.\d+$/);
    expect(installs.join('\n')).not.toMatch(/@(latest|2)$/m);
  });

  test('both are self-contained in the lock (no dependencies npm would resolve anew)', () => {
    for (const name of ['aws-cdk', 'cdk-assets']) expect(lockedPackage(LOCK, name).dependencies).toEqual([]);
    const integrity = (name: string): string => LOCK.packages[`node_modules/${name}`].integrity;
    expect(lockedToolVersions(REPO_ROOT)).toEqual({
      awsCdk: { name: 'aws-cdk', version: lockVersion('aws-cdk'), integrity: integrity('aws-cdk') },
      cdkAssets: { name: 'cdk-assets', version: lockVersion('cdk-assets'), integrity: integrity('cdk-assets') },
    });
  });
});

describe('reading a lock file', () => {
  const lock = (entries: Record<string, unknown>) => ({ lockfileVersion: 3, packages: { '': {}, ...entries } });
  const good = { version: '1.2.3', integrity: 'sha512-abc' };

  test('an exact version with its integrity', () => {
    expect(lockedPackage(lock({ 'node_modules/x': good }), 'x')).toEqual({ name: 'x', version: '1.2.3', integrity: 'sha512-abc', dependencies: [] });
  });

  test('bad locks fail with the package and the fix', () => {
    expect(() => lockedPackage({ lockfileVersion: 1, dependencies: {} }, 'x')).toThrow(/no "packages" section .*npm 7/);
    expect(() => lockedPackage(lock({}), 'cdk-assets')).toThrow(/does not resolve cdk-assets: add it to devDeps in \.projenrc\.ts/);
    expect(() => lockedPackage(lock({ 'node_modules/x': { ...good, version: 'latest' } }), 'x')).toThrow(/version "latest", not an exact release/);
    expect(() => lockedPackage(lock({ 'node_modules/x': { version: '1.2.3' } }), 'x')).toThrow(/no sha512 integrity/);
  });

  test('a pinned CLI that gained dependencies fails the synth instead of installing them unpinned', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lock-'));
    fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lock({
      'node_modules/aws-cdk': good,
      'node_modules/cdk-assets': { ...good, dependencies: { 'left-pad': '^1' } },
    })));
    expect(() => lockedToolVersions(dir)).toThrow(/cdk-assets@1\.2\.3 has dependencies \(left-pad\)/);
    expect(() => lockedToolVersions(path.join(dir, 'nowhere'))).toThrow(/package-lock\.json not found/);
  });
});
