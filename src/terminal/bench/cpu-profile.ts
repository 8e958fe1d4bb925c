/**
 * A V8 CPU profile (`node --cpu-prof`, a `.cpuprofile` file) summarized by what the synth spends
 * its time on. Each sample goes to the first phase, in PHASES order, that one of the frames on
 * its stack belongs to: a require() inside a cdk-nag rule counts as module loading, a nag rule
 * inside `App.synth()` as cdk-nag. What is left is construction (the constructors of the
 * stacks) and anything else.
 */

/** The parts of a `.cpuprofile` read here. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  /** Microseconds since the previous sample. */
  readonly timeDeltas: readonly number[];
}

/** A phase and the frames that belong to it. */
interface Phase {
  readonly name: string;
  readonly matches: (frame: { functionName: string; url: string }) => boolean;
}

/** The phases, in the order a sample is tested against them. */
export const PHASES: readonly Phase[] = [
  {
    name: 'module loading (require, compile)',
    matches: (f) => /^(Module\._load|Module\.require|require|wrapSafe|compileFunctionForCJSLoader|compileForInternalLoader)$/.test(f.functionName),
  },
  { name: 'bundling (esbuild)', matches: (f) => /\/esbuild\//.test(f.url) },
  { name: 'cdk-nag (four packs)', matches: (f) => /\/cdk-nag\//.test(f.url) },
  { name: 'synthesis (App.synth: prepare, resolve, write)', matches: (f) => /^(synth|synthesize)$/.test(f.functionName) && /aws-cdk-lib/.test(f.url) },
  { name: 'garbage collection', matches: (f) => f.functionName === '(garbage collector)' },
];

/** The remainder. */
export const OTHER_PHASE = 'construction and the rest';

/** Milliseconds per phase (PHASES order, then the remainder), and the total. */
export interface ProfileSummary {
  readonly totalMs: number;
  readonly phases: readonly { readonly name: string; readonly ms: number }[];
}

/** Summarize a profile by phase. */
export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const ms = new Map<string, number>([...PHASES.map((p) => [p.name, 0] as [string, number]), [OTHER_PHASE, 0]]);
  for (const [id, time] of selfMs) {
    const stack: { functionName: string; url: string }[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.push(byId.get(cur)!.callFrame);
    const phase = PHASES.find((p) => stack.some((frame) => p.matches(frame)))?.name ?? OTHER_PHASE;
    ms.set(phase, ms.get(phase)! + time);
  }
  const totalMs = [...ms.values()].reduce((a, b) => a + b, 0);
  return { totalMs, phases: [...ms].map(([name, value]) => ({ name, ms: value })) };
}

/** One line per phase: milliseconds and share. */
export function renderProfileSummary(summary: ProfileSummary): string[] {
  return [
    ...summary.phases.map((p) => `  ${p.name.padEnd(50)} ${p.ms.toFixed(0).padStart(6)} ms  ${(100 * p.ms / (summary.totalMs || 1)).toFixed(0).padStart(3)}%`),
    `  ${'total (sampled)'.padEnd(50)} ${summary.totalMs.toFixed(0).padStart(6)} ms`,
  ];
}
