import { ConfigError, loadConfig } from '../src/config';

const VALID = {
  DB_HOST: 'db.internal',
  DB_PORT: '5432',
  DB_NAME: 'transactions',
  DB_USER: 'app',
  DB_PASSWORD: ' secret with spaces ',
  AUTH_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123',
};

describe('loadConfig', () => {
  test('reads the fields ECS injects from the Aurora secret, with safe defaults', () => {
    const config = loadConfig(VALID);
    expect(config).toEqual({
      host: '0.0.0.0',
      port: 8080,
      logLevel: 'info',
      database: {
        host: 'db.internal',
        port: 5432,
        database: 'transactions',
        user: 'app',
        password: ' secret with spaces ',
        ssl: true,
        sslCaFile: undefined,
      },
      build: { commit: 'unknown', buildTime: 'unknown' },
      region: { serviceRegion: 'local', writerRegion: 'local' },
      auth: {
        issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123',
        jwksUrl: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/jwks.json',
        resourceServer: 'transactions',
      },
      rateLimit: { perSecond: 20, burst: 40 },
      featureFlagsUrl: undefined,
      transactionAudit: 'stdout',
    });
  });

  test('honours PORT, DB_SSL=false, DB_SSL_CA_FILE, COMMIT_SHA and BUILD_TIME', () => {
    const config = loadConfig({
      ...VALID,
      PORT: '9000',
      DB_SSL: 'false',
      DB_SSL_CA_FILE: '/certs/rds.pem',
      COMMIT_SHA: 'abc123',
      BUILD_TIME: '2026-01-01T00:00:00Z',
    });
    expect(config.port).toBe(9000);
    expect(config.database.ssl).toBe(false);
    expect(config.database.sslCaFile).toBe('/certs/rds.pem');
    expect(config.build).toEqual({ commit: 'abc123', buildTime: '2026-01-01T00:00:00Z' });
  });

  test('names every missing or invalid variable at once, never the password value', () => {
    let error: unknown;
    try {
      loadConfig({ DB_PORT: '70000', DB_SSL: 'yes', PORT: 'abc', LOG_LEVEL: 'loud', DB_PASSWORD: '' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      'PORT must be an integer between 1 and 65535 (got "abc")',
      'DB_HOST is required',
      'DB_PORT must be an integer between 1 and 65535 (got "70000")',
      'DB_NAME is required',
      'DB_USER is required',
      'DB_PASSWORD is required',
      'DB_SSL must be "true" or "false" (got "yes")',
      'AUTH_ISSUER is required: the issuer as tokens carry it in "iss", e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123',
    ]);
  });

  test('does not leak the password in its message', () => {
    expect(() => loadConfig({ ...VALID, DB_PORT: 'x' })).toThrow(/DB_PORT/);
    expect(() => loadConfig({ ...VALID, DB_PORT: 'x' })).not.toThrow(/secret/);
  });
});

describe('SERVICE_REGION and DB_WRITER_REGION', () => {
  test('a secondary region names itself and the configured writer', () => {
    expect(loadConfig({ ...VALID, SERVICE_REGION: 'us-east-2', DB_WRITER_REGION: 'us-east-1' }).region)
      .toEqual({ serviceRegion: 'us-east-2', writerRegion: 'us-east-1' });
  });

  test('SERVICE_REGION defaults to AWS_REGION (ECS sets it), DB_WRITER_REGION to SERVICE_REGION', () => {
    expect(loadConfig({ ...VALID, AWS_REGION: 'eu-central-1' }).region).toEqual({ serviceRegion: 'eu-central-1', writerRegion: 'eu-central-1' });
    expect(loadConfig({ ...VALID, SERVICE_REGION: 'us-gov-west-1', AWS_REGION: 'eu-central-1' }).region)
      .toEqual({ serviceRegion: 'us-gov-west-1', writerRegion: 'us-gov-west-1' });
    expect(loadConfig({ ...VALID, DB_WRITER_REGION: ' ap-southeast-2 ' }).region).toEqual({ serviceRegion: 'local', writerRegion: 'ap-southeast-2' });
  });

  test('a value that is not a region name is one clear problem per variable, saying what to set', () => {
    let error: unknown;
    try {
      loadConfig({ ...VALID, SERVICE_REGION: 'US_EAST_1', DB_WRITER_REGION: 'us-east' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'SERVICE_REGION must be an AWS region name like us-east-1 (got "US_EAST_1"); set it to the region the task runs in, or leave it unset to use AWS_REGION',
      'DB_WRITER_REGION must be an AWS region name like us-east-1 (got "us-east"); set it to the environment\'s primaryRegion, or leave it unset when this region is the writer',
    ]);
  });
});

describe('authentication and rate limits', () => {
  const problemsOf = (env: NodeJS.ProcessEnv): readonly string[] => {
    try {
      loadConfig({ ...VALID, ...env });
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  test('a standard issuer: its own key set URL, audiences, an allowlist of clients, another resource server', () => {
    const config = loadConfig({
      ...VALID,
      AUTH_ISSUER: 'https://login.example.com/',
      AUTH_JWKS_URL: 'https://login.example.com/keys',
      AUTH_AUDIENCE: 'https://api.example.com, payments',
      AUTH_CLIENT_IDS: 'orders,billing',
      AUTH_RESOURCE_SERVER: 'https://api.example.com',
      CLIENT_RATE_LIMIT_PER_SECOND: '2.5',
      CLIENT_RATE_LIMIT_BURST: '5',
    });
    expect(config.auth).toEqual({
      issuer: 'https://login.example.com/',
      jwksUrl: 'https://login.example.com/keys',
      audiences: ['https://api.example.com', 'payments'],
      allowedClients: ['orders', 'billing'],
      resourceServer: 'https://api.example.com',
    });
    expect(config.rateLimit).toEqual({ perSecond: 2.5, burst: 5 });
    // The key set lives under the issuer when AUTH_JWKS_URL is unset (a trailing slash is not doubled).
    expect(loadConfig({ ...VALID, AUTH_ISSUER: 'https://login.example.com/' }).auth.jwksUrl).toBe('https://login.example.com/.well-known/jwks.json');
  });

  test('http is accepted only for an issuer on this machine (the local issuer)', () => {
    expect(problemsOf({ AUTH_ISSUER: 'http://127.0.0.1:8081' })).toEqual([]);
    expect(problemsOf({ AUTH_ISSUER: 'http://localhost:8081' })).toEqual([]);
    expect(problemsOf({ AUTH_ISSUER: 'http://issuer.internal' })).toEqual([
      expect.stringMatching(/^AUTH_ISSUER must be an https URL without query, fragment or credentials \(http only for localhost\).*\(got "http:\/\/issuer.internal"\)$/),
    ]);
  });

  test.each([
    ['AUTH_ISSUER', 'cognito-idp.us-east-1.amazonaws.com/pool', /^AUTH_ISSUER must be a URL: /],
    ['AUTH_ISSUER', 'https://issuer.example.com/?tenant=1', /^AUTH_ISSUER must be an https URL without query/],
    ['AUTH_JWKS_URL', 'ftp://issuer.example.com/keys', /^AUTH_JWKS_URL must be an https URL/],
    ['AUTH_RESOURCE_SERVER', 'my api', /^AUTH_RESOURCE_SERVER must be 1 to 256 visible ASCII characters without space/],
    ['AUTH_RESOURCE_SERVER', 'say"hi', /^AUTH_RESOURCE_SERVER must be/],
    ['AUTH_AUDIENCE', 'a,,b', /^AUTH_AUDIENCE must be comma-separated audience values \(no spaces inside a value\) \(got "" in "a,,b"\)$/],
    ['AUTH_CLIENT_IDS', 'orders,bill ing', /^AUTH_CLIENT_IDS must be comma-separated client ids/],
    ['AUTH_CLIENT_IDS', 'orders,legacy:unauthenticated', /^AUTH_CLIENT_IDS must not name legacy:unauthenticated/],
    ['CLIENT_RATE_LIMIT_PER_SECOND', '0', /^CLIENT_RATE_LIMIT_PER_SECOND must be a number greater than 0 and at most 100000 \(got "0"\)$/],
    ['CLIENT_RATE_LIMIT_PER_SECOND', '1e3', /^CLIENT_RATE_LIMIT_PER_SECOND must be a number/],
    ['CLIENT_RATE_LIMIT_BURST', '2.5', /^CLIENT_RATE_LIMIT_BURST must be an integer greater than 0 and at most 100000 \(got "2.5"\)$/],
    ['CLIENT_RATE_LIMIT_BURST', '1000000', /^CLIENT_RATE_LIMIT_BURST must be an integer/],
  ])('%s=%j is one problem naming the variable', (name, value, message) => {
    expect(problemsOf({ [name]: value })).toEqual([expect.stringMatching(message)]);
  });
});

describe('FEATURE_FLAGS_URL and TRANSACTION_AUDIT', () => {
  const AGENT_URL = 'http://localhost:2772/applications/transactions-prod/environments/transactions-prod/configurations/transactions-prod-feature-flags';

  test('the agent URL the task definition sets is taken as is; TRANSACTION_AUDIT=off writes no records', () => {
    const config = loadConfig({ ...VALID, FEATURE_FLAGS_URL: AGENT_URL, TRANSACTION_AUDIT: 'off' });
    expect(config.featureFlagsUrl).toBe(AGENT_URL);
    expect(config.transactionAudit).toBe('off');
  });

  test('a URL that is not the local agent\'s flags path, or an unknown audit target, is one clear problem each', () => {
    let error: unknown;
    try {
      loadConfig({ ...VALID, FEATURE_FLAGS_URL: 'https://appconfigdata.us-east-1.amazonaws.com/x', TRANSACTION_AUDIT: 'firehose' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^FEATURE_FLAGS_URL must be the AppConfig agent's URL of the flags, like http:\/\/localhost:2772\/applications\/<app>\/environments\/<env>\/configurations\/<profile> \(got "https:\/\/appconfigdata/),
      'TRANSACTION_AUDIT must be "stdout" or "off" (got "firehose"); leave it unset: production writes the audit records to stdout',
    ]);
  });
});
