import { LOCAL_REGION, RegionConfig } from './config';
import type { DatabaseRole, DatabaseRoleMonitor } from './db/role';
import { ReadOnlyDatabaseError } from './db/role';

/** What the service says about its region (the body of /health/deep, part of /ready). */
export interface RegionStatus {
  readonly region: string;
  readonly role: DatabaseRole;
  /**
   * The region that takes writes: this region when its database is the writer; else the
   * configured DB_WRITER_REGION; null when that is this region itself although its database
   * only reads (a failover moved the writer and the configuration has not followed yet).
   */
  readonly writerRegion: string | null;
}

/**
 * The service's region and the role of its database, as the HTTP layer needs them: the role
 * always comes from the database ({@link DatabaseRoleMonitor}), the names from the configuration.
 */
export class ServiceRegion {
  /** The configured region names. */
  public readonly config: RegionConfig;

  constructor(public readonly monitor: DatabaseRoleMonitor, config?: RegionConfig) {
    this.config = config ?? { serviceRegion: LOCAL_REGION, writerRegion: LOCAL_REGION };
  }

  /** The region that takes writes, given the role of this region's database (see {@link RegionStatus.writerRegion}). */
  writerRegionFor(role: DatabaseRole): string | null {
    if (role === 'writer') return this.config.serviceRegion;
    return this.config.writerRegion === this.config.serviceRegion ? null : this.config.writerRegion;
  }

  /** The status for a role just detected. */
  statusFor(role: DatabaseRole): RegionStatus {
    return { region: this.config.serviceRegion, role, writerRegion: this.writerRegionFor(role) };
  }

  /**
   * Resolves when this region's database accepts writes (the cached role, a few seconds old at
   * most); rejects with ReadOnlyDatabaseError when it only reads.
   * @throws DatabaseUnavailableError when the role cannot be detected in time
   */
  async assertWritable(): Promise<void> {
    if (await this.monitor.role() === 'reader') throw new ReadOnlyDatabaseError();
  }
}
