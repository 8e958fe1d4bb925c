import { UsageError } from '../../../src/shared/cli/errors';
import { parseCliArgs, requireOption } from '../../../src/shared/cli/parse-args';

const OPTIONS = {
  'env': { type: 'string', hint: '<name>' },
  'to': { type: 'string', hint: '<region>' },
  'run': { type: 'boolean' },
  'fail-on': { type: 'string', multiple: true, hint: 'SEV' },
  'source': { type: 'string', words: true },
} as const;

const parse = (argv: string[], positionals = 0) => parseCliArgs(argv, { options: OPTIONS, positionals, patterns: [{ pattern: /^profile-\d{12}$/, shown: '--profile-<account>=<profile>' }] });

/** The UsageError message `argv` raises. */
function usageError(argv: string[]): string {
  try {
    parse(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`${JSON.stringify(argv)} parsed without an error`);
}

describe('parseCliArgs', () => {
  test('values as `--x v` and `--x=v`, switches, repeated options in order, a lone -- skipped', () => {
    const { values, positionals, patterned } = parse(['--', '--env', 'prod', '--to=us-east-2', '--run', '--fail-on', 'HIGH', '--fail-on=LOW', '--profile-222222222222=dev']);
    expect(values).toEqual({ 'env': 'prod', 'to': 'us-east-2', 'run': true, 'fail-on': ['HIGH', 'LOW'] });
    expect(positionals).toEqual([]);
    expect(patterned).toEqual({ 'profile-222222222222': 'dev' });
  });

  test('a value may start with one dash, and may be empty (the command decides)', () => {
    expect(parse(['--env', '-1', '--to', '']).values).toEqual({ env: '-1', to: '' });
  });

  test('an option that takes words joins them up to the next option', () => {
    expect(parse(['--source', 'CloudFormation', 'registry', 'schemas,', 'us-east-1', '--env', 'x']).values)
      .toEqual({ source: 'CloudFormation registry schemas, us-east-1', env: 'x' });
    expect(parse(['--source=one', 'two'], 1).positionals).toEqual(['two']);
  });

  test('positionals up to the number the command takes', () => {
    expect(parse(['cdk.out'], 1).positionals).toEqual(['cdk.out']);
    expect(() => parse(['a', 'b'], 1)).toThrow('unknown argument "b"');
  });

  test.each([
    [['--force'], 'unknown argument "--force"; the options are --env <name>, --to <region>, --run, --fail-on SEV, --source VALUE, --profile-<account>=<profile>'],
    [['-v'], 'unknown argument "-v"'],
    [['--force=yes'], 'unknown argument "--force=yes"'],
    [['stray'], 'unknown argument "stray"'],
    [['--profile-1234=dev'], 'unknown argument "--profile-1234=dev"'],
    [['--profile-222222222222', 'dev'], 'unknown argument "--profile-222222222222"'],
    [['--to'], '--to needs a value: --to <region>'],
    [['--to', '--run'], '--to needs a value: --to <region>'],
    [['--source'], '--source needs a value: --source VALUE'],
    [['--run=yes'], '--run takes no value (got "--run=yes"): give it alone'],
    [['--to', 'a', '--to=b'], '--to given more than once: give it once'],
  ])('%j: %s', (argv, message) => {
    expect(usageError(argv)).toContain(message);
  });

  test('a command without options says so', () => {
    expect(() => parseCliArgs(['--x'], { options: {} })).toThrow('unknown argument "--x"; it takes no options');
  });
});

describe('requireOption', () => {
  test('the value, or a UsageError naming the flag and how to give it', () => {
    expect(requireOption('us-east-1', 'region')).toBe('us-east-1');
    expect(() => requireOption(undefined, 'region', 'REGION')).toThrow(new UsageError('--region is required: --region REGION'));
    expect(() => requireOption('  ', 'region')).toThrow('--region is required: --region VALUE');
  });
});
