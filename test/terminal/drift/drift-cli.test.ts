import { driftCli, DriftCliIo } from '../../../src/terminal/drift/drift-cli';
import { PROD_WORLD, recordedDriftApi } from '../../support/drift-responses';
import { fakeClock } from '../../support/fake-clock';

async function run(argv: string[], world: Record<string, string>) {
  const { clients, calls } = recordedDriftApi(world);
  let out = '';
  let err = '';
  const profiles: Array<Readonly<Record<string, string>>> = [];
  const io: DriftCliIo = {
    env: {},
    out: (t) => { out += t; },
    err: (t) => { err += t; },
    cloudFormation: (where, p) => {
      profiles.push(p);
      return clients(where);
    },
    ...fakeClock().options,
  };
  return { code: await driftCli(argv, io), out, err, calls, profiles };
}

describe('npx projen drift', () => {
  test('--env prod on a drifted stage: the report names the resource and property, exit 1', async () => {
    const { code, out, calls } = await run(['--', '--env', 'prod'], PROD_WORLD);
    expect(code).toBe(1);
    expect(out.split('\n').filter((l) => /^\S/.test(l))).toEqual([
      'DRIFTED      prod-us-east-1-Platform (444444444444/us-east-1)',
      'IN SYNC      prod-us-east-1-Service (444444444444/us-east-1)',
      'IN SYNC      prod-us-east-1-Assertions (444444444444/us-east-1)',
      'IN SYNC      prod-us-east-2-Platform (444444444444/us-east-2)',
      'IN SYNC      prod-us-east-2-Service (444444444444/us-east-2)',
      'not deployed prod-us-east-2-Assertions (444444444444/us-east-2)',
      // Each prod region's copy of its audit bucket, in the other region (not in the recorded world).
      'not deployed prod-us-east-1-AuditReplica-us-east-2 (444444444444/us-east-2)',
      'not deployed prod-us-east-2-AuditReplica-us-east-1 (444444444444/us-east-1)',
      '5 stack(s) checked: 1 drifted, 0 not checked; 3 not deployed.',
    ]);
    expect(new Set(calls.map((c) => c.where))).toEqual(new Set(['444444444444/us-east-1', '444444444444/us-east-2']));
  });

  test('--env prod when the drift is gone: exit 0; --json for tools', async () => {
    const clean = { ...PROD_WORLD, 'prod-us-east-1-Platform': 'in-sync-assertions' };
    expect((await run(['--env', 'prod'], clean)).code).toBe(0);
    const { code, out } = await run(['--env=prod', '--json'], clean);
    expect(code).toBe(0);
    expect(JSON.parse(out).counts).toEqual({ checked: 5, drifted: 0, unchecked: 0, notDeployed: 3 });
  });

  test('--profile-<account> reaches the clients: the lookup roles trust only the pipeline\'s own roles, a person reads with their own access', async () => {
    const { profiles } = await run(['--env', 'prod', '--profile-444444444444=prod-readonly'], PROD_WORLD);
    expect(profiles.length).toBeGreaterThan(0);
    expect(new Set(profiles.map((p) => JSON.stringify(p)))).toEqual(new Set([JSON.stringify({ 444444444444: 'prod-readonly' })]));
  });

  test('nothing deployed is no pass (exit 1); an unknown environment is a usage error (exit 2)', async () => {
    const none = await run(['--env', 'dev'], {});
    expect(none).toMatchObject({ code: 1, err: 'drift: no stage stack of the selection is deployed, so nothing was checked.\n' });
    const bad = await run(['--env', 'staging'], {});
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')[0]).toBe('drift: --env must name an environment of the config (dev, test, prod); got "staging"');
  });
});
