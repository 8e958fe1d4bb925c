import { option } from '../../../src/terminal/execution-policy/policy-cli';

describe('policy CLI options', () => {
  test('a value of several words (projen passes `-- ...` to a shell unquoted) is joined back', () => {
    const argv = ['handlers', '--schemas', '/tmp/s', '--source', 'CloudFormation', 'registry', 'schemas,', 'us-east-1', '--assembly', 'cdk.out'];
    expect(option(argv, 'source')).toBe('CloudFormation registry schemas, us-east-1');
    expect(option(argv, 'schemas')).toBe('/tmp/s');
    expect(option(argv, 'assembly')).toBe('cdk.out');
  });

  test('a missing option or one without a value is undefined', () => {
    expect(option(['handlers', '--source'], 'source')).toBeUndefined();
    expect(option(['handlers', '--source', '--schemas', 'x'], 'source')).toBeUndefined();
    expect(option(['handlers'], 'schemas')).toBeUndefined();
  });
});
