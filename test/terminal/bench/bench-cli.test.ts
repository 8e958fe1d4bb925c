import * as fs from 'fs';
import * as path from 'path';
import { cpuSecondsOfTimes, NAIVE_SYNTH_COMMAND } from '../../../src/terminal/bench/bench-cli';
import { CpuProfile, OTHER_PHASE, renderProfileSummary, summarizeProfile } from '../../../src/terminal/bench/cpu-profile';
import { REPO_ROOT } from '../../support/repo-root';

test('the CPU time of a measured command is its children\'s user + sys from bash `times`', () => {
  expect(cpuSecondsOfTimes('0m0.004s 0m0.002s\n0m4.120s 0m0.810s\n')).toBeCloseTo(4.93, 5);
  expect(cpuSecondsOfTimes('0m0.004s 0m0.002s\n1m2.500s 0m1.000s')).toBeCloseTo(63.5, 5);
  expect(() => cpuSecondsOfTimes('nothing')).toThrow(/cannot read the CPU time/);
});

test('the naive synth is the CDK CLI running the naive app through ts-node, transpile only', () => {
  expect(NAIVE_SYNTH_COMMAND).toMatch(/^npx cdk synth --app "npx ts-node --transpile-only src\/terminal\/bench\/naive-app\.ts"/);
  expect(fs.existsSync(path.join(REPO_ROOT, 'src', 'terminal', 'bench', 'naive-app.ts'))).toBe(true);
});

/** A profile whose samples sit in the given stacks (root first), 1 ms each. */
function profileOf(stacks: readonly (readonly [string, string][])[]): CpuProfile {
  const nodes: { id: number; callFrame: { functionName: string; url: string }; children: number[] }[] = [
    { id: 1, callFrame: { functionName: '(root)', url: '' }, children: [] },
  ];
  const samples = stacks.map((stack) => {
    let parent = nodes[0];
    for (const [functionName, url] of stack) {
      const node = { id: nodes.length + 1, callFrame: { functionName, url }, children: [] };
      nodes.push(node);
      parent.children.push(node.id);
      parent = node;
    }
    return parent.id;
  });
  return { nodes, samples, timeDeltas: samples.map(() => 1000) };
}

test('a sample counts for the first phase one of its frames belongs to, in phase order', () => {
  const lib = 'file:///x/node_modules/aws-cdk-lib/core/lib/stage.js';
  const nag = 'file:///x/node_modules/cdk-nag/lib/nag-pack.js';
  const summary = summarizeProfile(profileOf([
    [['main', 'main.js'], ['synth', lib], ['applyRule', nag]],
    [['main', 'main.js'], ['synth', lib], ['applyRule', nag], ['require', 'node:internal/modules/helpers']],
    [['main', 'main.js'], ['synth', lib], ['resolve', lib]],
    [['main', 'main.js'], ['ServiceStack', 'main.js']],
    [['(garbage collector)', '']],
  ]));
  expect(Object.fromEntries(summary.phases.map((p) => [p.name, p.ms]))).toEqual({
    'module loading (require, compile)': 1,
    'bundling (esbuild)': 0,
    'cdk-nag (four packs)': 1,
    'synthesis (App.synth: prepare, resolve, write)': 1,
    'garbage collection': 1,
    [OTHER_PHASE]: 1,
  });
  expect(summary.totalMs).toBe(5);
  expect(renderProfileSummary(summary).pop()).toMatch(/total \(sampled\) +5 ms$/);
});
