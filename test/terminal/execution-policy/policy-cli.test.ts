import { UsageError } from '../../../src/shared/cli/errors';
import { parsePolicyArgs } from '../../../src/terminal/execution-policy/policy-cli';

describe('policy CLI options', () => {
  test('a value of several words (projen passes `-- ...` to a shell unquoted) is joined back', () => {
    const argv = ['handlers', '--schemas', '/tmp/s', '--source', 'CloudFormation', 'registry', 'schemas,', 'us-east-1', '--assembly', 'cdk.out'];
    expect(parsePolicyArgs(argv)).toEqual({ command: 'handlers', source: 'CloudFormation registry schemas, us-east-1', schemas: '/tmp/s', assembly: 'cdk.out' });
  });

  test('an option not given is absent; check and generate need none', () => {
    expect(parsePolicyArgs(['check'])).toEqual({ command: 'check' });
    expect(parsePolicyArgs(['generate', '--assembly', 'out'])).toEqual({ command: 'generate', assembly: 'out' });
  });

  test.each([
    [['handlers', '--source'], '--source needs a value'],
    [['handlers', '--source', '--schemas', 'x'], '--source needs a value'],
    [['handlers', '--schemas', 'x'], 'policy:handlers needs --schemas <dir of registry schema JSON files> and --source "<where they came from>"'],
    [['handlers'], 'policy:handlers needs --schemas'],
    [[], 'missing command: use check, generate, handlers'],
    [['verify'], 'unknown command "verify": use check, generate, handlers'],
    [['check', '--strict'], 'unknown argument "--strict"; the options are --assembly cdk.out, --schemas'],
  ])('%j: a usage error, %s', (argv, message) => {
    expect(() => parsePolicyArgs(argv)).toThrow(UsageError);
    expect(() => parsePolicyArgs(argv)).toThrow(message);
  });
});
