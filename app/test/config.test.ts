import { ConfigError, loadConfig } from '../src/config';

const VALID = {
  DB_HOST: 'db.internal',
  DB_PORT: '5432',
  DB_NAME: 'transactions',
  DB_USER: 'app',
  DB_PASSWORD: ' secret with spaces ',
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
