import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { REPO_ROOT } from '../support/repo-root';

/*
 * The layout of src/ says where code runs, and these tests keep it that way:
 *
 *   shared/     plain TypeScript used by more than one room (names, polling, versions, the CLI kit)
 *   config/     the delivery config: schema, loader, rules (read at synth and by the terminal CLIs)
 *   synth/      CDK code: runs inside `npx projen synth` (and the pipeline's synth step)
 *   codebuild/  CLIs bundled into cdk.out/.delivery-tools and run by the pipeline's CodeBuild actions
 *   lambda/     Lambda handlers bundled at synth and run in AWS
 *   terminal/   commands a person (or CI) runs: bootstrap, doctor, failover, policy, bench, ...
 *
 * A room may import only the rooms below it in this table (type-only imports count).
 */
const ALLOWED: Record<string, readonly string[]> = {
  shared: [],
  config: ['shared'],
  lambda: ['shared'],
  codebuild: ['shared', 'config'],
  // The hook construct bundles the Lambda handler and shares its timeout constants.
  synth: ['shared', 'config', 'lambda'],
  terminal: ['shared', 'config', 'synth', 'codebuild', 'lambda'],
  // src/main.ts, the synth entry point.
  main: ['shared', 'config', 'synth'],
};
/** Code that runs in CodeBuild or Lambda must not need the CDK at run time. */
const NO_CDK_ROOMS = ['codebuild', 'lambda', 'shared'];
const CDK_PACKAGES = /^(aws-cdk-lib|constructs|cdk-nag|@aws-cdk\/)/;
const MAX_FUNCTION_LINES = 120;
const MAX_TOP_LEVEL_MODULES = 3;

const SRC = path.join(REPO_ROOT, 'src');

interface SourceFile {
  /** Path relative to src/, with forward slashes. */
  readonly rel: string;
  readonly text: string;
  /** Relative imports resolved to paths relative to src/ (only those inside src/). */
  readonly localImports: string[];
  /** Package imports. */
  readonly packageImports: string[];
}

function listTs(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return listTs(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

function resolveLocal(fromFile: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

const FILES: SourceFile[] = listTs(SRC).map((full) => {
  const text = fs.readFileSync(full, 'utf8');
  const info = ts.preProcessFile(text, true, true);
  const localImports: string[] = [];
  const packageImports: string[] = [];
  for (const { fileName } of info.importedFiles) {
    if (fileName.startsWith('.')) {
      const target = resolveLocal(full, fileName);
      if (!target) throw new Error(`${path.relative(REPO_ROOT, full)} imports ${fileName}, which does not resolve to a file`);
      if (target.startsWith(SRC + path.sep)) localImports.push(path.relative(SRC, target).split(path.sep).join('/'));
    } else {
      packageImports.push(fileName);
    }
  }
  return { rel: path.relative(SRC, full).split(path.sep).join('/'), text, localImports, packageImports };
});
const BY_REL = new Map(FILES.map((f) => [f.rel, f]));

/** The room of a file: its first folder under src/ ("main" for src/main.ts). */
function roomOf(rel: string): string {
  const parts = rel.split('/');
  return parts.length === 1 ? parts[0].replace(/\.ts$/, '') : parts[0];
}

/** The folder of a file at the level the circle check uses: `<room>/<folder>`, or the room for its own top files. */
function folderOf(rel: string): string {
  const parts = rel.split('/');
  if (parts.length <= 2) return roomOf(rel);
  return `${parts[0]}/${parts[1]}`;
}

function circles(edges: Map<string, Set<string>>): string[][] {
  // Tarjan's strongly connected components; every component with more than one node is a circle.
  let index = 0;
  const stack: string[] = [];
  const onStack = new Set<string>();
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indexOf.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!indexOf.has(v)) visit(v);
  return found;
}

function folderGraph(files: readonly SourceFile[]): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const f of files) {
    const from = folderOf(f.rel);
    if (!edges.has(from)) edges.set(from, new Set());
    for (const target of f.localImports) {
      const to = folderOf(target);
      if (to !== from) edges.get(from)!.add(to);
    }
  }
  return edges;
}

describe('src/ layout', () => {
  test('every file lives in a known room, and at most 3 modules sit at the top of src/', () => {
    const rooms = new Set(FILES.map((f) => roomOf(f.rel)));
    expect([...rooms].filter((r) => !(r in ALLOWED)).sort()).toEqual([]);
    const topLevel = FILES.filter((f) => !f.rel.includes('/')).map((f) => f.rel);
    expect(topLevel.length).toBeLessThanOrEqual(MAX_TOP_LEVEL_MODULES);
  });

  test('each room imports only the rooms it may (type-only imports count)', () => {
    const violations = FILES.flatMap((f) => f.localImports
      .filter((target) => roomOf(target) !== roomOf(f.rel) && !ALLOWED[roomOf(f.rel)].includes(roomOf(target)))
      .map((target) => `${f.rel} -> ${target}`));
    expect(violations).toEqual([]);
  });

  test('no folder-level import circle', () => {
    expect(circles(folderGraph(FILES))).toEqual([]);
  });

  test('code that runs in CodeBuild or Lambda (and shared code) never loads the CDK, not even through what it imports', () => {
    const violations: string[] = [];
    for (const f of FILES.filter((file) => NO_CDK_ROOMS.includes(roomOf(file.rel)))) {
      const seen = new Set<string>();
      const pending = [f.rel];
      while (pending.length) {
        const rel = pending.pop()!;
        if (seen.has(rel)) continue;
        seen.add(rel);
        const file = BY_REL.get(rel)!;
        for (const pkg of file.packageImports) if (CDK_PACKAGES.test(pkg)) violations.push(`${f.rel} loads ${pkg} (through ${rel})`);
        pending.push(...file.localImports);
      }
    }
    expect(violations).toEqual([]);
  });

  test(`no function, method or constructor in src/ is longer than ${MAX_FUNCTION_LINES} lines`, () => {
    const long: string[] = [];
    for (const f of FILES) {
      const source = ts.createSourceFile(f.rel, f.text, ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body) {
          const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
          const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
          const lines = end - start + 1;
          if (lines > MAX_FUNCTION_LINES) long.push(`${f.rel}:${start + 1} ${functionName(node)} (${lines} lines)`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(long).toEqual([]);
  });
});

describe('the checks themselves', () => {
  test('the circle finder finds a circle through three folders and none in a chain', () => {
    const graph = (pairs: [string, string][]) => {
      const edges = new Map<string, Set<string>>();
      for (const [a, b] of pairs) {
        if (!edges.has(a)) edges.set(a, new Set());
        if (!edges.has(b)) edges.set(b, new Set());
        edges.get(a)!.add(b);
      }
      return edges;
    };
    expect(circles(graph([['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'd']]))).toEqual([['a', 'b', 'c']]);
    expect(circles(graph([['a', 'b'], ['b', 'c'], ['a', 'c']]))).toEqual([]);
  });

  test('the folder graph counts type-only imports', () => {
    const files: SourceFile[] = [
      { rel: 'synth/a/x.ts', text: '', localImports: ['synth/b/y.ts'], packageImports: [] },
      { rel: 'synth/b/y.ts', text: '', localImports: ['synth/a/x.ts'], packageImports: [] },
    ];
    expect(circles(folderGraph(files))).toEqual([['synth/a', 'synth/b']]);
    const info = ts.preProcessFile("import type { X } from '../a/x';\nexport * from './z';", true, true);
    expect(info.importedFiles.map((i) => i.fileName)).toEqual(['../a/x', './z']);
  });
});

function functionName(node: ts.Node): string {
  if (ts.isConstructorDeclaration(node)) return `constructor of ${(node.parent as ts.ClassDeclaration).name?.text ?? 'a class'}`;
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name && ts.isIdentifier(named.name)) return named.name.text;
  if (ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name)) return node.parent.name.text;
  return 'an anonymous function';
}
