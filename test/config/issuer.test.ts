import * as fs from 'fs';
import {
  checksClientSecretNameOf, domainPrefixProblem, issuerDomainPrefixOf, issuerRegionOf, tokenUrlOf,
} from '../../src/config/issuer';
import { ConfigError, parseConfig, SAMPLE_CONFIG_PATH } from '../../src/config/load-config';

/** The token issuer's derived names (issue 32), and the one rule they add to the config. */

const sample = (): any => JSON.parse(fs.readFileSync(SAMPLE_CONFIG_PATH, 'utf8'));
function problems(config: any): string[] {
  try {
    parseConfig(config, 'issuer.json');
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return [...e.problems];
  }
}

describe('derived names', () => {
  test('the issuer region is the primary region; the names carry the application, environment, account and region', () => {
    const prod = parseConfig(sample(), 'sample.json').environments.find((e) => e.name === 'prod')!;
    expect(issuerRegionOf(prod)).toBe('us-east-1');
    expect(issuerRegionOf({ ...prod, primaryRegion: 'us-east-2' })).toBe('us-east-2');
    const prefix = issuerDomainPrefixOf('Transactions', 'prod', '444444444444');
    expect(prefix).toBe('transactions-prod-444444444444');
    expect(tokenUrlOf(prefix, 'us-east-1')).toBe('https://transactions-prod-444444444444.auth.us-east-1.amazoncognito.com/oauth2/token');
    expect(checksClientSecretNameOf('Transactions', 'prod', 'us-east-1')).toBe('transactions-prod-us-east-1/checks-client');
  });

  test('the longest application and environment names still give a prefix Cognito accepts (at most 63 characters)', () => {
    const prefix = issuerDomainPrefixOf('x'.repeat(80), 'abcdefghijkl', '123456789012');
    expect(prefix).toHaveLength(32 + 1 + 12 + 1 + 12);
    expect(domainPrefixProblem(prefix)).toBeUndefined();
  });

  test('Cognito\'s rules for a prefix: reserved words, characters, length', () => {
    expect(domainPrefixProblem('transactions-prod-444444444444')).toBeUndefined();
    expect(domainPrefixProblem('paws-prod-444444444444')).toMatch(/contains "aws"/);
    expect(domainPrefixProblem('amazonia-dev-1')).toMatch(/contains "amazon"/);
    expect(domainPrefixProblem('my-cognito-dev-1')).toMatch(/contains "cognito"/);
    expect(domainPrefixProblem('-x')).toMatch(/not 1 to 63/);
    expect(domainPrefixProblem('a'.repeat(64))).toMatch(/not 1 to 63/);
  });
});

describe('the config rule', () => {
  test('the sample passes', () => {
    expect(problems(sample())).toEqual([]);
  });

  test('an Application tag with a reserved word is refused once, naming tags.Application and the prefix', () => {
    const c = sample();
    c.tags.Application = 'Payments on AWS';
    expect(problems(c)).toEqual([
      'tags.Application: "Payments on AWS" makes the token issuer\'s domain prefix "payments-on-aws-dev-222222222222" (environment "dev"), '
      + 'which contains "aws", which Cognito refuses in a domain prefix (aws, amazon and cognito are reserved); choose an Application tag without those words',
    ]);
  });

  test('an environment name with a reserved word is refused, naming that environment', () => {
    const c = sample();
    c.environments[1].name = 'laws';
    expect(problems(c)).toEqual([
      'environments[1].name: "laws" makes the token issuer\'s domain prefix "transactions-laws-333333333333", '
      + 'which contains "aws", which Cognito refuses in a domain prefix (aws, amazon and cognito are reserved); rename the environment',
    ]);
  });

  test('an environment whose name or account fails its own rule is not checked again here', () => {
    const c = sample();
    c.environments[1].name = 'AWS';
    expect(problems(c).filter((p) => p.includes('domain prefix'))).toEqual([]);
  });
});
