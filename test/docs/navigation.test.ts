import * as fs from 'fs';
import * as path from 'path';
import { githubSlug, headingsOf, linksOf, markedBlock, tocProblems } from '../support/markdown';
import { REPO_ROOT } from '../support/repo-root';

/*
 * The docs stay navigable: README.md, RUNBOOKS.md and app/README.md open with a table of contents
 * that lists every `##` section and links no missing anchor; every relative link in the project's
 * Markdown reaches a file, and a heading when it names one; the README's "Where the code lives"
 * table names every folder of src/ (two levels deep) and nothing that does not exist.
 */

const read = (rel: string) => fs.readFileSync(path.join(REPO_ROOT, rel), 'utf8');

/** The Markdown files a reader navigates: the three guides, docs/, and the fixtures' READMEs. */
function documents(): string[] {
  const under = (dir: string, keep: (name: string) => boolean): string[] =>
    fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((e) => {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) return under(rel, keep);
      return keep(e.name) ? [rel] : [];
    });
  return ['README.md', 'RUNBOOKS.md', 'app/README.md',
    ...under('docs', (n) => n.endsWith('.md')),
    ...under('test/fixtures', (n) => n === 'README.md')];
}

describe('the checks themselves', () => {
  test('GitHub anchor slugs', () => {
    expect(githubSlug('Releases: rolling, blue/green, canary, linear')).toBe('releases-rolling-bluegreen-canary-linear');
    expect(githubSlug('`npx projen failover`: a failover you can rehearse')).toBe('npx-projen-failover-a-failover-you-can-rehearse');
    expect(githubSlug('`GET /transactions/:id`')).toBe('get-transactionsid');
    expect(githubSlug('Bootstrap (once per account and region)')).toBe('bootstrap-once-per-account-and-region');
    expect(githubSlug('Supply-chain gates: build once, scan, promote the same digest')).toBe('supply-chain-gates-build-once-scan-promote-the-same-digest');
    expect(githubSlug('**Bold** and `snake_case`')).toBe('bold-and-snake_case');
    expect(headingsOf('## A\n```sh\n# not a heading\n```\n## A\n').map((h) => h.slug)).toEqual(['a', 'a-1']);
  });

  test('a table of contents that misses a section, links a missing anchor or runs out of order is reported', () => {
    const doc = (toc: string) => `# T\n<!-- toc:start -->\n${toc}\n<!-- toc:end -->\n## One\n## Two: 2\n### Sub\n`;
    expect(tocProblems(doc('- [One](#one)\n- [Two](#two-2): [Sub](#sub)'))).toEqual([]);
    expect(tocProblems(doc('- [One](#one)'))).toEqual(['"## Two: 2" is not in the table of contents (add [Two: 2](#two-2))']);
    expect(tocProblems(doc('- [One](#one)\n- [Two](#two-2)\n- [Gone](#gone)'))).toEqual(['the table of contents links #gone, which no heading has']);
    expect(tocProblems(doc('- [Two](#two-2)\n- [One](#one)'))).toEqual(['the table of contents is not in the order of the headings']);
    expect(tocProblems('## One\n')).toEqual(['no table of contents (<!-- toc:start --> ... <!-- toc:end -->)']);
  });

  test('links in code are not links', () => {
    expect(linksOf('[a](x.md) `[b](y.md)`\n```\n[c](z.md)\n```\n').map((l) => l.target)).toEqual(['x.md']);
  });
});

describe.each(['README.md', 'RUNBOOKS.md', 'app/README.md'])('%s', (doc) => {
  test('opens with a table of contents of its sections, before the first of them', () => {
    const text = read(doc);
    expect(tocProblems(text)).toEqual([]);
    expect(text.indexOf('<!-- toc:start -->')).toBeLessThan(text.search(/^## /m));
  });
});

test('every relative link in the docs reaches a file, and a heading of it when it names one', () => {
  const docs = documents();
  expect(docs).toEqual(expect.arrayContaining(['docs/config-rules.md', 'docs/performance.md', 'docs/mutation-testing.md']));
  const broken: string[] = [];
  for (const doc of docs) {
    for (const { target } of linksOf(read(doc))) {
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
      const [file, anchor] = target.split('#');
      const rel = file === '' ? doc : path.posix.normalize(path.posix.join(path.posix.dirname(doc), file));
      if (!fs.existsSync(path.join(REPO_ROOT, rel))) {
        broken.push(`${doc}: ${target} (no ${rel})`);
      } else if (anchor !== undefined && rel.endsWith('.md') && !headingsOf(read(rel)).some((h) => h.slug === anchor)) {
        broken.push(`${doc}: ${target} (no heading of ${rel} has the anchor #${anchor})`);
      }
    }
  }
  expect(broken).toEqual([]);
});

test('the README links every page of docs/', () => {
  const linked = linksOf(read('README.md')).map((l) => l.target.split('#')[0]);
  const pages = fs.readdirSync(path.join(REPO_ROOT, 'docs')).filter((n) => n.endsWith('.md')).map((n) => `docs/${n}`);
  expect(pages.filter((p) => !linked.includes(p))).toEqual([]);
});

describe('the README\'s "Where the code lives" table', () => {
  const section = /^## Where the code lives\n([\s\S]*?)^## /m.exec(read('README.md'))?.[1] ?? '';
  /** The path in the first cell of every row. */
  const named = section.split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => /^\| `([^`]+)`/.exec(line)![1]);

  test('names every folder of src/, two levels deep', () => {
    const folders = fs.readdirSync(path.join(REPO_ROOT, 'src'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .flatMap((room) => [`src/${room.name}/`, ...fs.readdirSync(path.join(REPO_ROOT, 'src', room.name), { withFileTypes: true })
        .filter((e) => e.isDirectory()).map((e) => `src/${room.name}/${e.name}/`)]);
    expect(folders.length).toBeGreaterThan(20);
    expect(folders.filter((f) => !named.includes(f))).toEqual([]);
  });

  test('names nothing that does not exist', () => {
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter((p) => !fs.existsSync(path.join(REPO_ROOT, p)))).toEqual([]);
  });

  test('states what each room may import, as test/structure/layout.test.ts allows it', () => {
    const layout = read('test/structure/layout.test.ts');
    const allowed = /const ALLOWED[^=]*= \{([\s\S]*?)\n\};/.exec(layout)![1];
    const imports = (room: string) => /\[([^\]]*)\]/.exec(new RegExp(`^\\s+${room}: (\\[[^\\]]*\\])`, 'm').exec(allowed)![1])![1]
      .split(',').map((s) => s.trim().replace(/'/g, '')).filter((s) => s !== '');
    const rows = new Map(section.split('\n').filter((l) => l.startsWith('| `')).map((l) => {
      const cells = l.split('|').slice(1, -1).map((c) => c.trim());
      return [/`([^`]+)`/.exec(cells[0])![1], cells[3]];
    }));
    for (const room of ['shared', 'config', 'lambda', 'codebuild', 'synth']) {
      const cell = rows.get(`src/${room}/`)!;
      const stated = cell.startsWith('nothing') ? [] : cell.split(',').map((s) => s.trim());
      expect({ room, stated: stated.sort() }).toEqual({ room, stated: imports(room).sort() });
    }
    expect(rows.get('src/main.ts')!.split(',').map((s) => s.trim()).sort()).toEqual(imports('main').sort());
    expect({ terminal: rows.get('src/terminal/')! }).toEqual({ terminal: 'everything above' });
    expect(imports('terminal').sort()).toEqual(['codebuild', 'config', 'lambda', 'shared', 'synth']);
  });
});

test('markedBlock reads between its markers only', () => {
  expect(markedBlock('a<!-- x:start -->b<!-- x:end -->c', 'x')).toBe('b');
  expect(markedBlock('a<!-- x:start -->b', 'x')).toBeUndefined();
});
