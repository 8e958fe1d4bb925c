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

/** The validated runtime configuration of the service. */
export interface AppConfig {
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  readonly database: DatabaseConfig;
  readonly build: BuildInfo;
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

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads and validates the service configuration from environment variables.
 *
 * Required: DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD.
 * Optional: PORT (8080), HOST (0.0.0.0), LOG_LEVEL (info), DB_SSL (true), DB_SSL_CA_FILE,
 * DB_SECRET_ARN, COMMIT_SHA and BUILD_TIME ('unknown').
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

  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }

  const config: AppConfig = {
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
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
