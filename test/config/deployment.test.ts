import { problemsOf, sample } from './support';
import { deploymentOf } from '../../src/config/deployment';
import { parseConfig } from '../../src/config/load-config';

const PROD = 2;
const parsedWith = (deployment: unknown, index = PROD) => {
  const c = sample();
  c.environments[index].deployment = deployment;
  return parseConfig(c, 'edited.json').environments[index];
};

describe('deployment strategy per environment', () => {
  test('defaults: production canary 10% for 10 minutes with a 10-minute bake, others rolling', () => {
    const c = parseConfig(sample(), 'sample.json');
    expect(deploymentOf(c.environments[0])).toEqual({ strategy: 'rolling', progressive: false, bakeMinutes: 0 });
    expect(deploymentOf(c.environments[1]).strategy).toBe('rolling');
    expect(deploymentOf(c.environments[PROD])).toEqual({
      strategy: 'canary', progressive: true, bakeMinutes: 10, canary: { percent: 10, bakeMinutes: 10 },
    });
  });

  test.each([
    [{ strategy: 'rolling' }, { strategy: 'rolling', progressive: false, bakeMinutes: 0 }],
    [{ strategy: 'blueGreen', bakeMinutes: 15 }, { strategy: 'blueGreen', progressive: true, bakeMinutes: 15 }],
    [{ strategy: 'canary', canaryPercent: 0.5, canaryBakeMinutes: 0 }, { strategy: 'canary', progressive: true, bakeMinutes: 10, canary: { percent: 0.5, bakeMinutes: 0 } }],
    [{ strategy: 'linear' }, { strategy: 'linear', progressive: true, bakeMinutes: 10, linear: { stepPercent: 25, stepBakeMinutes: 5 } }],
    [{ strategy: 'linear', stepPercent: 33.3, stepBakeMinutes: 1440 }, { strategy: 'linear', progressive: true, bakeMinutes: 10, linear: { stepPercent: 33.3, stepBakeMinutes: 1440 } }],
  ])('%j is accepted and resolves', (given, resolved) => {
    expect(deploymentOf(parsedWith(given))).toEqual(resolved);
  });

  test('an explicit strategy wins over the production default, also for a non-production environment', () => {
    expect(deploymentOf(parsedWith({ strategy: 'rolling' })).strategy).toBe('rolling');
    expect(deploymentOf(parsedWith({ strategy: 'blueGreen' }, 0)).strategy).toBe('blueGreen');
  });

  test.each([
    [{ strategy: 'bluegreen' }, 'environments[2].deployment.strategy: must be one of "rolling", "blueGreen", "canary", "linear"; got the string "bluegreen"'],
    [{}, 'environments[2].deployment.strategy: must be one of "rolling", "blueGreen", "canary", "linear"; got nothing'],
    ['canary', 'environments[2].deployment: must be an object such as { "strategy": "canary"'],
    [{ strategy: 'canary', canaryPercent: 0 }, 'environments[2].deployment.canaryPercent: must be at least 0.1 percent'],
    [{ strategy: 'canary', canaryPercent: 101 }, 'environments[2].deployment.canaryPercent: must be at most 100 percent'],
    [{ strategy: 'canary', canaryPercent: 10.05 }, 'environments[2].deployment.canaryPercent: must be a multiple of 0.1 percent'],
    [{ strategy: 'linear', stepPercent: 2 }, 'environments[2].deployment.stepPercent: must be at least 3 percent'],
    [{ strategy: 'canary', canaryBakeMinutes: 1.5 }, 'environments[2].deployment.canaryBakeMinutes: must be a whole number of minutes'],
    [{ strategy: 'blueGreen', bakeMinutes: 1441 }, 'environments[2].deployment.bakeMinutes: must be at most 1440 minutes'],
    [{ strategy: 'blueGreen', bakeMinutes: -1 }, 'environments[2].deployment.bakeMinutes: must be at least 0 minutes'],
    [{ strategy: 'linear', canaryPercent: 10 }, 'environments[2].deployment.canaryPercent: applies to strategy "canary" only; remove it or set strategy to "canary"'],
    [{ strategy: 'canary', stepBakeMinutes: 3 }, 'environments[2].deployment.stepBakeMinutes: applies to strategy "linear" only; remove it or set strategy to "linear"'],
    [{ strategy: 'rolling', bakeMinutes: 5 }, 'environments[2].deployment.bakeMinutes: applies to "blueGreen", "canary" and "linear" only'],
    [{ strategy: 'canary', percent: 10 }, 'environments[2].deployment'],
  ])('%j is refused with a message naming the field and the fix', (deployment, message) => {
    const problems = problemsOf((c) => { c.environments[PROD].deployment = deployment; });
    expect(problems.join('\n')).toContain(message);
  });
});
