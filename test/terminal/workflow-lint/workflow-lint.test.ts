import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lintWorkflows, policyProblems } from '../../../src/terminal/workflow-lint/workflow-lint';
import { REPO_ROOT } from '../../support/repo-root';

const root = REPO_ROOT;
const GOOD_SHA = '11bd71901bbe5b1630ceea73d27597364c9af683';

function dirWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('workflow lint', () => {
  test('every generated workflow passes actionlint, the schema and our policy', async () => {
    const { files, problems } = await lintWorkflows(path.join(root, '.github', 'workflows'));
    expect(files.map((f) => path.basename(f)).sort()).toEqual(['build.yml', 'integ-deploy.yml', 'pull-request-lint.yml', 'upgrade.yml']);
    expect(problems).toEqual([]);
  });

  test('actionlint catches a broken expression and a bad runner key', async () => {
    const dir = dirWith({
      'bad.yml': `on: push
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@${GOOD_SHA}
      - run: echo "\${{ github.event.pull_request.title }"
      - run: echo \${{ matrix.nope }}
`,
    });
    const { problems } = await lintWorkflows(dir);
    expect(problems.filter((p) => p.source === 'actionlint').length).toBeGreaterThanOrEqual(1);
  });

  test('the schema rejects an unknown job key', async () => {
    const dir = dirWith({
      'schema.yml': `on: push
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    stepz:
      - run: echo hi
`,
    });
    const { problems } = await lintWorkflows(dir);
    expect(problems.filter((p) => p.source === 'schema').map((p) => p.message)).toEqual([expect.stringMatching(/\/jobs\/test/)]);
  });

  test('unpinned actions and missing permissions are refused', () => {
    const problems = policyProblems('x.yml', 'on: push\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n      - uses: ./local\n');
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/"actions\/checkout@v4" is not pinned to a full commit SHA/),
      expect.stringMatching(/no top-level "permissions:"/),
    ]);
    expect(policyProblems('y.yml', `permissions:\n  contents: read\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@${GOOD_SHA} # v4.2.2\n`)).toEqual([]);
  });
});
