import { AuthConfig, readAuthConfig } from './auth/auth-config';
import { DEFAULT_RATE_LIMIT, RateLimitConfig } from './http/rate-limit';

/** Connection settings for PostgreSQL, as ECS injects the Aurora secret fields. */
export interface DatabaseConfig {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  /** Use TLS (verified). Defaults to true: Aurora in the container; tests set DB_SSL=false. */
  readonly ssl: boolean;
  /** PEM bundle to verify the server certificate with (e.g. the RDS CA bundle). */
  readonly sslCaFile?: string;
  /**
   * The Secrets Manager secret (JSON `{"username","password"}`) to re-read the credentials from
   * when PostgreSQL rejects the password in use (after a rotation).
   * @default none: the credentials of DB_USER/DB_PASSWORD are used as they are (local development)
   */
  readonly secretArn?: string;
}

/** Build information baked into the image (Dockerfile ARG -> ENV). */
export interface BuildInfo {
  readonly commit: string;
  readonly buildTime: string;
}

/**
 * Where the service runs and where the database writer is configured to be (app/README.md,
 * "Regions"). Whether this region's database accepts writes is asked of the database itself
 * (src/db/role.ts), never derived from these names: after a failover the database knows first.
 */
export interface RegionConfig {
  /**
   * The region this task runs in (SERVICE_REGION).
   * @default AWS_REGION (set by ECS), else "local"
   */
  readonly serviceRegion: string;
  /**
   * The configured primary region, whose database accepts writes (DB_WRITER_REGION). Named in
   * answers of a read-only region so that clients know where to write.
   * @default serviceRegion
   */
  readonly writerRegion: string;
}

/** The validated runtime configuration of the service. */
export interface AppConfig {
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  readonly database: DatabaseConfig;
  readonly build: BuildInfo;
  /**
   * The service's region and the configured writer region.
   * @default both "local" (tests and local development)
   */
  readonly region?: RegionConfig;
  /** The issuer whose access tokens the service accepts, and what binds a token to this API. */
  readonly auth: AuthConfig;
  /** The request rate per client and task. */
  readonly rateLimit: RateLimitConfig;
  /**
   * The AppConfig agent's URL of this stage's feature flags (FEATURE_FLAGS_URL, set by the task
   * definition): the kill switch is read from there (src/flags/).
   * @default none: the safe defaults (src/flags/feature-flags.ts DEFAULT_FLAGS), never refreshed
   */
  readonly featureFlagsUrl?: string;
  /**
   * Where transaction audit records go (TRANSACTION_AUDIT): `stdout`, one JSON line each, which
   * production ships to the audit bucket; `off` writes none (the tests' default, so their output
   * stays readable; never set in a task definition).
   * @default 'stdout'
   */
  readonly transactionAudit?: 'stdout' | 'off';
}

/** Thrown when the environment does not describe a valid configuration; lists every problem. */
export class ConfigError extends Error {
  /** One line per invalid or missing variable, each naming the variable. */
  public readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+$/;

/** An AWS region name such as us-east-1, eu-central-2 or us-gov-west-1. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** The region name used when neither SERVICE_REGION nor AWS_REGION is set (local development). */
export const LOCAL_REGION = 'local';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads and validates the service configuration from environment variables.
 *
 * Required: DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD, AUTH_ISSUER.
 * Optional: PORT (8080), HOST (0.0.0.0), LOG_LEVEL (info), DB_SSL (true), DB_SSL_CA_FILE,
 * DB_SECRET_ARN, COMMIT_SHA and BUILD_TIME ('unknown'), SERVICE_REGION (AWS_REGION, else 'local'),
 * DB_WRITER_REGION (SERVICE_REGION), AUTH_JWKS_URL (<AUTH_ISSUER>/.well-known/jwks.json),
 * AUTH_RESOURCE_SERVER ('transactions'), AUTH_AUDIENCE, AUTH_CLIENT_IDS,
 * CLIENT_RATE_LIMIT_PER_SECOND (20), CLIENT_RATE_LIMIT_BURST (40), FEATURE_FLAGS_URL (none),
 * TRANSACTION_AUDIT (stdout).
 *
 * @throws ConfigError naming every invalid variable (never the value of DB_PASSWORD)
 */
export function loadConfig(env: NodeJS.ProcessEnv): AppConfig {
  const problems: string[] = [];

  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) {
      problems.push(`${name} is required`);
      return '';
    }
    return value;
  };
  const port = (name: string, fallback?: number): number => {
    const raw = env[name]?.trim();
    if (!raw) {
      if (fallback === undefined) problems.push(`${name} is required`);
      return fallback ?? 0;
    }
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < 1 || value > 65535) {
      problems.push(`${name} must be an integer between 1 and 65535 (got "${raw}")`);
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if (raw !== 'true' && raw !== 'false') problems.push(`${name} must be "true" or "false" (got "${env[name]}")`);
    return raw === 'true';
  };

  const secret = (name: string): string => {
    // Never trimmed and never echoed: a password may legitimately contain spaces.
    const value = env[name] ?? '';
    if (value === '') problems.push(`${name} is required`);
    return value;
  };

  const secretArn = env.DB_SECRET_ARN?.trim() || undefined;
  if (secretArn !== undefined && !SECRET_ARN.test(secretArn)) {
    problems.push(`DB_SECRET_ARN must be a Secrets Manager secret ARN like arn:aws:secretsmanager:<region>:<account>:secret:<name> (got "${secretArn}")`);
  }

  const region = (name: string, fallback: string): string => {
    const value = env[name]?.trim();
    if (!value) return fallback;
    if (!REGION.test(value)) {
      problems.push(`${name} must be an AWS region name like us-east-1 (got "${value}"); ${name === 'SERVICE_REGION'
        ? 'set it to the region the task runs in, or leave it unset to use AWS_REGION'
        : 'set it to the environment\'s primaryRegion, or leave it unset when this region is the writer'}`);
    }
    return value;
  };
  const awsRegion = env.AWS_REGION?.trim();
  const serviceRegion = region('SERVICE_REGION', awsRegion && REGION.test(awsRegion) ? awsRegion : LOCAL_REGION);
  const writerRegion = region('DB_WRITER_REGION', serviceRegion);

  const featureFlagsUrl = env.FEATURE_FLAGS_URL?.trim() || undefined;
  if (featureFlagsUrl !== undefined && !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/applications\/[^/]+\/environments\/[^/]+\/configurations\/[^/]+$/.test(featureFlagsUrl)) {
    problems.push(`FEATURE_FLAGS_URL must be the AppConfig agent's URL of the flags, like http://localhost:2772/applications/<app>/environments/<env>/configurations/<profile> (got "${featureFlagsUrl}"); leave it unset to run with the default flags`);
  }

  const transactionAudit = env.TRANSACTION_AUDIT?.trim() || 'stdout';
  if (transactionAudit !== 'stdout' && transactionAudit !== 'off') {
    problems.push(`TRANSACTION_AUDIT must be "stdout" or "off" (got "${transactionAudit}"); leave it unset: production writes the audit records to stdout`);
  }

  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }

  const base = {
    host: env.HOST?.trim() || '0.0.0.0',
    port: port('PORT', 8080),
    logLevel,
    database: {
      host: required('DB_HOST'),
      port: port('DB_PORT'),
      database: required('DB_NAME'),
      user: required('DB_USER'),
      password: secret('DB_PASSWORD'),
      ssl: bool('DB_SSL', true),
      sslCaFile: env.DB_SSL_CA_FILE?.trim() || undefined,
      secretArn,
    },
    build: {
      commit: env.COMMIT_SHA?.trim() || 'unknown',
      buildTime: env.BUILD_TIME?.trim() || 'unknown',
    },
    region: { serviceRegion, writerRegion },
    featureFlagsUrl,
    transactionAudit: transactionAudit === 'off' ? 'off' as const : 'stdout' as const,
  };
  const config: AppConfig = { ...base, auth: readAuthConfig(env, problems), rateLimit: readRateLimit(env, problems) };

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** CLIENT_RATE_LIMIT_PER_SECOND (a number, fractions allowed) and CLIENT_RATE_LIMIT_BURST (an integer). */
function readRateLimit(env: NodeJS.ProcessEnv, problems: string[]): RateLimitConfig {
  const read = (name: string, fallback: number, integer: boolean): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!(integer ? /^\d+$/ : /^\d+(\.\d+)?$/).test(raw) || value <= 0 || value > 100_000) {
      problems.push(`${name} must be ${integer ? 'an integer' : 'a number'} greater than 0 and at most 100000 (got "${raw}")`);
    }
    return value;
  };
  return {
    perSecond: read('CLIENT_RATE_LIMIT_PER_SECOND', DEFAULT_RATE_LIMIT.perSecond, false),
    burst: read('CLIENT_RATE_LIMIT_BURST', DEFAULT_RATE_LIMIT.burst, true),
  };
}
