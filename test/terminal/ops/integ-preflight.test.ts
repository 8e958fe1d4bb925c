import { integPreflightCli, PREFLIGHT_USAGE } from '../../../src/terminal/ops/integ-preflight-cli';

/** The integ:deploy preflight: what it refuses before it asks AWS anything. */
describe('integ:deploy preflight', () => {
  async function run(argv: string[], env: NodeJS.ProcessEnv) {
    let out = '';
    let err = '';
    const code = await integPreflightCli(argv, env, { out: (t) => { out += t; }, err: (t) => { err += t; } });
    return { code, out, err };
  }

  test.each([
    [{}],
    [{ INTEG_ACCOUNT: '999999999999' }],
    [{ INTEG_REGION: 'us-east-1' }],
  ])('without INTEG_ACCOUNT and INTEG_REGION (%j): exit 2, naming both and the usage', async (env) => {
    expect(await run([], env)).toEqual({
      code: 2,
      out: '',
      err: `integ:deploy preflight: INTEG_ACCOUNT and INTEG_REGION are required: the sandbox account and region to deploy the integ test into\n${PREFLIGHT_USAGE}\n`,
    });
  });

  test('it takes no arguments', async () => {
    const r = await run(['--account', '999999999999'], { INTEG_ACCOUNT: '999999999999', INTEG_REGION: 'us-east-1' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^integ:deploy preflight: unknown argument "--account"; it takes no options\n/);
  });
});
