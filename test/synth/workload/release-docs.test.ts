import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly } from '../../support/sample-assembly';

/**
 * What the docs say undoes a bad release, per strategy, against ECS's documentation and the
 * synthesized sample (issue 27 part 4). ECS documents its circuit breaker (and its alarm method)
 * for "rolling update deployment and blue/green deployment types" only
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-failure-detection.html);
 * the canary and linear guides list CloudWatch alarms and lifecycle hooks for automatic rollback.
 */

const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');

/** The rows of README "Releases": strategy -> its "What detects a bad release" cell. */
function detectionByStrategy(): Record<string, string> {
  const section = /#{2,3} Releases: rolling, blue\/green, canary, linear\n([\s\S]*?)\n#{2,3} /.exec(read('README.md'))?.[1] ?? '';
  const header = section.split('\n').find((l) => l.startsWith('| Strategy |'))!;
  const column = header.split('|').map((c) => c.trim()).indexOf('What detects a bad release');
  expect(column).toBeGreaterThan(0);
  const rows = section.split('\n').filter((l) => /^\| `\w+`/.test(l));
  return Object.fromEntries(rows.map((r) => {
    const cells = r.split('|').map((c) => c.trim());
    return [/`(\w+)`/.exec(cells[1])![1], cells[column]];
  }));
}

test('README "Releases" names what detects a bad release for each of the four strategies', () => {
  const detects = detectionByStrategy();
  expect(Object.keys(detects).sort()).toEqual(['blueGreen', 'canary', 'linear', 'rolling']);
  expect(detects.rolling).toMatch(/circuit breaker/);
  expect(detects.blueGreen).toMatch(/circuit breaker/);
  for (const strategy of ['canary', 'linear']) {
    expect({ strategy, cell: detects[strategy] }).toEqual({ strategy, cell: expect.not.stringMatching(/circuit breaker/i) });
  }
  for (const strategy of ['blueGreen', 'canary', 'linear']) expect(detects[strategy]).toMatch(/hook/);
  for (const strategy of Object.keys(detects)) expect(detects[strategy]).toMatch(/alarm/);
});

/** Claims that credit the circuit breaker with undoing canary, linear or every release, in `text`. */
function circuitBreakerCredits(text: string): string[] {
  const negated = /\b(not|no|nothing|never|only)\b/i;
  const credits: string[] = [];
  // The section's own title names every strategy and is not a claim.
  const lines = text.replace(/Releases: rolling, blue\/green, canary, linear/g, 'Releases').split('\n');
  // A table row is about the strategy in its first cell (`blueGreen`: "as canary" compares); a
  // canary or linear row may name the circuit breaker only to deny it.
  const denied = /\b(no|not)\s+(the\s+)?circuit.?breaker/i;
  for (const row of lines.filter((l) => l.startsWith('|'))) {
    const subject = row.split('|')[1] ?? '';
    if (/\b(canary|linear)\b/i.test(subject) && /circuit.?breaker/i.test(row) && !denied.test(row)) credits.push(row);
  }
  // Prose: a claim ends at a full stop or a semicolon.
  const prose = lines.filter((l) => !l.startsWith('|')).join('\n').replace(/\s*\n\s*(\*\s*|\/\/\s*)?/g, ' ');
  for (const clause of prose.split(/(?<!\w\.\w*)\.\s|;/)) {
    if (/circuit.?breaker/i.test(clause) && /\b(canary|linear|progressive|every strategy|all strategies)\b/i.test(clause) && !negated.test(clause)) {
      credits.push(clause.trim());
    }
  }
  return credits;
}

test('no document credits the circuit breaker with undoing a canary or linear release', () => {
  const srcFiles = (dir: string): string[] => fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? srcFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
  // The code's comments are documents too; the code itself is not prose.
  const comments = (text: string) => text.split('\n').filter((l) => /^\s*(\/\*\*|\*|\/\/)/.test(l)).join('\n');
  const credits = [...['README.md', 'RUNBOOKS.md', 'app/README.md'], ...srcFiles('src')]
    .flatMap((file) => circuitBreakerCredits(file.endsWith('.ts') ? comments(read(file)) : read(file)).map((c) => `${file}: ${c}`));
  expect(credits).toEqual([]);
  // It finds the claims issue 27 reported (the README's canary row, the ServiceStack's comment).
  expect(circuitBreakerCredits('| `canary` | ... | the hook answers FAILED, a deployment alarm fires, or the circuit breaker trips: ECS switches back to the old tasks, which never stopped |')).toHaveLength(1);
  expect(circuitBreakerCredits(' * For every strategy the circuit breaker and the deployment alarms roll back to the previous tasks.')).toHaveLength(1);
});

test('the first deployment of a service (nothing to roll back to) is explained where releases are undone', () => {
  expect(read('README.md')).toMatch(/\*\*A service's first deployment has nothing to roll back to\.\*\*/);
  expect(read('RUNBOOKS.md')).toMatch(/\*\*A service's first deployment\*\* \(a new environment or region\) has nothing to roll back to/);
});

test('the sample prod canary is undone the way the docs say: deployment alarms with rollback and the pre-traffic hook', () => {
  for (const region of ['us-east-1', 'us-east-2']) {
    const stage = sampleAssembly().stages.find((s) => s.name === `prod-${region}`)!;
    const services = Object.values<any>(stage.stacks.Service.template.Resources).filter((r) => r.Type === 'AWS::ECS::Service');
    expect(services).toHaveLength(1);
    const config = services[0].Properties.DeploymentConfiguration;
    expect(config.Strategy).toBe('CANARY');
    expect(config.Alarms).toMatchObject({ Enable: true, Rollback: true });
    expect(config.Alarms.AlarmNames.length).toBeGreaterThan(0);
    expect(config.LifecycleHooks).toEqual([expect.objectContaining({ LifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] })]);
  }
});
