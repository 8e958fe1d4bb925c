import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { variantAssembly } from '../../../src/terminal/execution-policy/variants';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly } from '../../support/sample-assembly';
import { DEV_AND_PROD, sampleConfig, sampleConfigWith } from '../../support/test-app';

/** The variants the policy and rollback checks read: synthesized once per test command, or per caller. */
const variant = { name: 'dev and prod', config: sampleConfigWith(DEV_AND_PROD) };
const templatesOf = (dir: string) => new CloudAssembly(dir).nestedAssemblies
  .flatMap((n) => n.nestedAssembly.stacks.map((s) => [s.hierarchicalId, s.template] as const));

const previous = process.env.VARIANT_ASSEMBLIES;
afterEach(() => {
  if (previous === undefined) delete process.env.VARIANT_ASSEMBLIES;
  else process.env.VARIANT_ASSEMBLIES = previous;
});

test('with $VARIANT_ASSEMBLIES, a (variant, commit) is synthesized once and kept for the next reader', () => {
  const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'variants-'));
  process.env.VARIANT_ASSEMBLIES = shared;
  try {
    const first = variantAssembly(variant, REPO_ROOT, '1111111111111111111111111111111111111111');
    expect(first.directory).toBe(path.join(shared, 'dev-and-prod-1111111111111111111111111111111111111111'));
    const manifest = path.join(first.directory, 'manifest.json');
    const writtenAt = fs.statSync(manifest).mtimeMs;
    first.release();
    const second = variantAssembly(variant, REPO_ROOT, '1111111111111111111111111111111111111111');
    expect(second.directory).toBe(first.directory);
    expect(fs.statSync(manifest).mtimeMs).toBe(writtenAt);
    // Nothing else was left beside it (no staging directory).
    expect(fs.readdirSync(shared)).toEqual([path.basename(first.directory)]);
    // The prod stage as the pipeline deploys it, the commit in its image tag.
    const stacks = templatesOf(first.directory);
    expect(stacks.map(([id]) => id)).toEqual(expect.arrayContaining(['DeliveryPipeline/prod-us-east-2/Service']));
    const service = Template.fromJSON(stacks.find(([id]) => id === 'DeliveryPipeline/prod-us-east-2/Service')![1]);
    expect(JSON.stringify(service.findResources('AWS::ECS::TaskDefinition'))).toContain(':1111111111111111111111111111111111111111');
  } finally {
    fs.rmSync(shared, { recursive: true, force: true });
  }
}, 60_000);

test('without it, the caller gets its own assembly, removed on release: the templates the checked synth wrote (the packs add nothing to them)', () => {
  delete process.env.VARIANT_ASSEMBLIES;
  const sample = sampleAssembly();
  const own = variantAssembly({ name: 'the sample', config: sampleConfig() }, REPO_ROOT, sample.commit);
  try {
    const templates = (dir: string) => (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
      .filter((f) => f.endsWith('.template.json')).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]);
    const expected = templates(sample.directory);
    expect(expected.length).toBeGreaterThanOrEqual(18);
    expect(templates(own.directory)).toEqual(expected);
  } finally {
    own.release();
  }
  expect(fs.existsSync(own.directory)).toBe(false);
}, 60_000);
