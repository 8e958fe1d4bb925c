import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../support/repo-root';

/**
 * The shipped CODEOWNERS: the files that decide what reaches production have owners, so
 * "Require review from Code Owners" (README "Repository settings") means something.
 */
const lines = fs.readFileSync(path.join(REPO_ROOT, '.github', 'CODEOWNERS'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
const rules = lines.map((l) => l.trim().split(/\s+/)).map(([pattern, ...owners]) => ({ pattern, owners }));

describe('CODEOWNERS', () => {
  test('owns the pipeline, the bootstrap, the scripts, the projen definition and the workflows', () => {
    const patterns = rules.map((r) => r.pattern);
    for (const p of ['/src/synth/pipeline/', '/bootstrap/', '/scripts/', '/projenrc/', '/.projenrc.ts', '/.github/', '/src/terminal/execution-policy/', '/config/']) {
      expect(patterns).toContain(p);
    }
  });

  test('every pattern names an existing path and at least one owner', () => {
    for (const rule of rules) {
      expect({ pattern: rule.pattern, exists: fs.existsSync(path.join(REPO_ROOT, rule.pattern)) }).toEqual({ pattern: rule.pattern, exists: true });
      expect(rule.owners.length).toBeGreaterThan(0);
      for (const owner of rule.owners) expect(owner).toMatch(/^@[\w.-]+(\/[\w.-]+)?$/);
    }
  });

  test('the placeholder team is one string to replace, and the file says so', () => {
    expect(new Set(rules.flatMap((r) => r.owners))).toEqual(new Set(['@your-org/platform-team']));
    expect(fs.readFileSync(path.join(REPO_ROOT, '.github', 'CODEOWNERS'), 'utf8')).toMatch(/REPLACE @your-org\/platform-team/);
  });
});
