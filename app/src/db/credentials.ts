/** The user name and password the service logs in to PostgreSQL with. */
export interface DatabaseCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Where the current credentials can be read again after the database rejected the ones in use
 * (e.g. after a password rotation). Production reads Secrets Manager
 * ({@link SecretsManagerCredentialSource}); tests and local development inject their own.
 */
export interface CredentialSource {
  /** Reads the credentials as they are now. Rejects when they cannot be read. */
  read(): Promise<DatabaseCredentials>;
}

/** A source that always answers the credentials it was given (local development: nothing rotates). */
export class StaticCredentialSource implements CredentialSource {
  constructor(private readonly credentials: DatabaseCredentials) {}

  async read(): Promise<DatabaseCredentials> {
    return this.credentials;
  }
}

/**
 * The credentials in use, and a refresh that concurrent callers share: when ten connections fail
 * to authenticate at once, the source is read once, and a caller whose failure predates the last
 * refresh simply retries with the credentials that refresh brought.
 */
export class RotatingCredentials {
  private currentCredentials: DatabaseCredentials;
  private currentGeneration = 0;
  private inFlight: Promise<void> | undefined;

  /**
   * @param initial the credentials the service was started with (ECS secrets DB_USER, DB_PASSWORD)
   * @param source where to read them again after an authentication failure
   */
  constructor(initial: DatabaseCredentials, private readonly source: CredentialSource) {
    this.currentCredentials = initial;
  }

  /** The credentials new connections use. */
  get current(): DatabaseCredentials {
    return this.currentCredentials;
  }

  /** Increases by one each time a refresh completes; lets a caller tell whether its failure is stale. */
  get generation(): number {
    return this.currentGeneration;
  }

  /**
   * Reads the source again, unless a refresh already completed since `seenGeneration` (the
   * generation the failed connection attempt used); joins a refresh that is under way.
   */
  refresh(seenGeneration: number): Promise<void> {
    if (seenGeneration !== this.currentGeneration) return Promise.resolve();
    this.inFlight ??= this.source.read().then(
      (credentials) => {
        this.currentCredentials = credentials;
        this.currentGeneration += 1;
        this.inFlight = undefined;
      },
      (err: unknown) => {
        this.inFlight = undefined;
        throw err;
      },
    );
    return this.inFlight;
  }
}
