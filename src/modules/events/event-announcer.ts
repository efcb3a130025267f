import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../infrastructure/config/app-config';
import { NOTIFY_ORGS_SQL } from '../../infrastructure/database/event-append.sql';
import { queryRows } from '../../infrastructure/database/query-rows';
import { connectionTimeouts } from '../../infrastructure/database/typeorm-options';

/**
 * Tells the streams of every instance (their one LISTEN) which orgs' events committed, after the
 * COMMIT of the write that appended them (EventLog.append leaves it for then). Not in that
 * transaction: PostgreSQL serializes the COMMITs of all notifying transactions on one lock held
 * through the commit's WAL flush, which cost a large part of PATCH throughput (docs/decisions.md, "Issue #22: the event log's performance"). Here the commits
 * of this instance share NOTIFYs: one in flight at a time and at most one every MIN_INTERVAL_MS,
 * the next naming every org announced meanwhile. They go out on a connection of their own, outside the pool: under load the pool has a
 * queue of requests, and an announcement waiting behind them was latency added to every stream.
 * A notification lost anyway (the process dying just after a COMMIT, the database away) only
 * delays the live streams: each feed also reads on the stream heartbeat, and resuming readers read
 * the log itself.
 */
/**
 * Announcements start at most this often. Feeds read an org at most every 50 ms anyway, and under load
 * an announcement per commit was a round trip (and a NOTIFY's commit) per write; with this, at most
 * 100 a second per instance, for at most 10 ms more latency.
 */
const MIN_INTERVAL_MS = 10;
/** After its own connection failed to open, the announcer goes through the pool this long before trying again. */
const RECONNECT_AFTER_MS = 1000;

@Injectable()
export class EventAnnouncer implements OnModuleDestroy {
  private readonly logger = new Logger(EventAnnouncer.name);
  private readonly pending = new Set<string>();
  private sending: Promise<void> | undefined;
  private connection: Promise<Client> | undefined;
  private stopped = false;
  private lastSentAt = 0;
  private connectFailedAt = -Infinity;

  constructor(
    private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** Lets the last announcement out, then closes the connection. */
  async onModuleDestroy(): Promise<void> {
    await this.sending;
    this.stopped = true;
    const connection = this.connection;
    this.connection = undefined;
    await connection?.then((client) => client.end()).catch(() => undefined);
  }

  /** Called after the COMMIT that stored events of `orgIds`. */
  announce(orgIds: Iterable<string>): void {
    for (const orgId of orgIds) this.pending.add(orgId);
    this.sending ??= this.send().finally(() => (this.sending = undefined));
  }

  private async send(): Promise<void> {
    while (this.pending.size > 0) {
      const wait = this.lastSentAt + MIN_INTERVAL_MS - Date.now();
      if (wait > 0 && !this.stopped) await new Promise((resolve) => setTimeout(resolve, wait));
      this.lastSentAt = Date.now();
      const orgIds = [...this.pending];
      this.pending.clear();
      try {
        await this.notify(orgIds);
      } catch (error) {
        this.logger.warn({ err: error }, `could not announce new events of ${orgIds.length} org(s); their streams read them on the next heartbeat`);
      }
    }
  }

  /** On the announcer's own connection; through the pool while it is (re)connecting or has none (no DATABASE_URL). */
  private async notify(orgIds: string[]): Promise<void> {
    const client = await this.client();
    if (!client) {
      await queryRows(this.db.manager, NOTIFY_ORGS_SQL, [orgIds]);
      return;
    }
    try {
      await client.query(NOTIFY_ORGS_SQL, [orgIds]);
    } catch (error) {
      // A broken connection is replaced on the next announcement.
      if (this.connection) void this.connection.then((broken) => broken.end()).catch(() => undefined);
      this.connection = undefined;
      throw error;
    }
  }

  /**
   * The announcer's own connection, with the pool's timeouts: a connect or a NOTIFY that hangs (a
   * database gone silent behind a dead route) would otherwise hold every announcement after it until
   * TCP gave up, minutes later. After a failed connect, the pool for a while.
   */
  private async client(): Promise<Client | undefined> {
    const url = this.config.DATABASE_URL;
    if (!url || this.stopped) return undefined;
    if (!this.connection && Date.now() - this.connectFailedAt < RECONNECT_AFTER_MS) return undefined;
    this.connection ??= (async () => {
      const client = new Client({ connectionString: url, application_name: 'agentry-announcer', ...connectionTimeouts(this.config) });
      client.on('error', (error) => {
        this.logger.warn({ err: error }, 'the announcer lost its connection; it reconnects on the next announcement');
        this.connection = undefined;
      });
      await client.connect();
      return client;
    })();
    try {
      return await this.connection;
    } catch (error) {
      this.connection = undefined;
      this.connectFailedAt = Date.now();
      this.logger.warn({ err: error }, 'the announcer could not connect; announcing through the pool');
      return undefined;
    }
  }
}
