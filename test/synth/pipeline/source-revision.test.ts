import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runLikeCodeBuild } from '../../support/codebuild-shell';
import { sampleAssembly } from '../../support/sample-assembly';

/**
 * Issue 33, point 5: a run started with a source-revision override deploys only a commit that
 * is on `main`. The synth action's first commands (as synthesized) run like CodeBuild in real git
 * clones: of a commit on main, of one on another branch, of a clone without the main ref.
 */
describe('the synth builds only a commit reachable from main', () => {
  let installCommands: string[];
  let sourceConfiguration: any;
  beforeAll(() => {
    const sample = sampleAssembly();
    const [project] = Object.values<any>(sample.pipeline.template.Resources)
      .filter((r) => r.Type === 'AWS::CodeBuild::Project' && r.Properties.Source.BuildSpec.includes('npx projen build'));
    installCommands = JSON.parse(project.Properties.Source.BuildSpec).phases.install.commands;
    sourceConfiguration = sample.pipelineStages[0].Actions[0].Configuration;
  });

  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } }).trim();

  /** A repository with two commits on main and one on `feature`; returns the commit ids. */
  function origin(): { dir: string; main: string; feature: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'origin-'));
    git(dir, 'init', '--quiet', '--initial-branch=main');
    fs.writeFileSync(path.join(dir, 'a.txt'), '1');
    git(dir, 'add', '.');
    git(dir, 'commit', '--quiet', '-m', 'one');
    fs.writeFileSync(path.join(dir, 'a.txt'), '2');
    git(dir, 'commit', '--quiet', '-am', 'two');
    const main = git(dir, 'rev-parse', 'HEAD');
    git(dir, 'checkout', '--quiet', '-b', 'feature');
    fs.writeFileSync(path.join(dir, 'b.txt'), 'x');
    git(dir, 'add', '.');
    git(dir, 'commit', '--quiet', '-m', 'unreviewed');
    const feature = git(dir, 'rev-parse', 'HEAD');
    git(dir, 'checkout', '--quiet', 'main');
    return { dir, main, feature };
  }

  /** A full clone checked out at `commit`, as CodeBuild hands it over; the check's commands run in it. */
  function check(repo: { dir: string }, commit: string, opts: { commitId?: string; dropMainRef?: boolean } = {}) {
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'clone-'));
    git(clone, 'clone', '--quiet', repo.dir, '.');
    git(clone, 'checkout', '--quiet', '--detach', commit);
    if (opts.dropMainRef) git(clone, 'update-ref', '-d', 'refs/remotes/origin/main');
    const commands = installCommands.filter((c) => c.includes('source-revision-check'));
    return runLikeCodeBuild(commands, { cwd: clone, env: { PATH: process.env.PATH, HOME: os.tmpdir(), COMMIT_ID: opts.commitId ?? commit } });
  }

  test('the source action hands the synth a full clone, and the check runs before npm ci', () => {
    expect(sourceConfiguration.OutputArtifactFormat).toBe('CODEBUILD_CLONE_REF');
    expect(installCommands.map((c) => (c.includes('source-revision-check') ? 'check' : c))).toEqual(['check', 'check', 'check', 'npm ci']);
  });

  test('a commit on main passes', () => {
    const repo = origin();
    expect(check(repo, repo.main).status).toBe(0);
  });

  test('a commit only on another branch fails, naming it', () => {
    const repo = origin();
    const r = check(repo, repo.feature);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain(`commit ${repo.feature} is not reachable from main`);
  });

  test('a checkout that is not the source commit fails', () => {
    const repo = origin();
    const r = check(repo, repo.main, { commitId: repo.feature });
    expect(r.status).not.toBe(0);
    expect(r.output).toContain(`not the source commit ${repo.feature}`);
  });

  test('without the main ref in the clone the check fetches it, and still decides', () => {
    const repo = origin();
    expect(check(repo, repo.main, { dropMainRef: true }).status).toBe(0);
    expect(check(repo, repo.feature, { dropMainRef: true }).status).not.toBe(0);
  });
});
