import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { NOTIFY_ORGS_SQL } from './event-append.sql';
import { queryRows } from './query-rows';
import { TimeoutSafeClient } from './timeout-safe-client';

/**
 * Tells the streams of every instance (their one LISTEN) which orgs' events committed, after the
 * COMMIT of the write that appended them (EventLog.append leaves it for then, and the run claim, which
 * appends its event in its own statement, calls it once that statement is done; both are why it is
 * here, below the events module and the modules that write events). Not in that
 * transaction: PostgreSQL serializes the COMMITs of all notifying transactions on one lock held
 * through the commit's WAL flush, which cost a large part of PATCH throughput (docs/decisions.md, "Issue #22: the event log's performance"). Here the commits
 * of this instance share NOTIFYs: one in flight at a time and at most one every MIN_INTERVAL_MS,
 * the next naming every org announced meanwhile. They go out on a connection of their own, outside the pool: under load the pool has a
 * queue of requests, and an announcement waiting behind them was latency added to every stream. While
 * that connection opens, or after it failed, the pool carries them.
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
/**
 * The announcer's own connection gets this long to open and to answer a NOTIFY, which the database
 * answers at once: a connection that takes longer is behind a silent route (a partition, a failover),
 * and waiting on it held every announcement after it. Then the pool carries them.
 */
const OWN_CONNECTION_TIMEOUT_MS = 2000;
/** After its own connection failed to open, the announcer goes through the pool this long before trying again. */
const RECONNECT_AFTER_MS = 1000;

@Injectable()
export class EventAnnouncer implements OnModuleDestroy {
  private readonly logger = new Logger(EventAnnouncer.name);
  private readonly pending = new Set<string>();
  private sending: Promise<void> | undefined;
  /** Its own connection once open; none while it opens (in the background) or after it failed. */
  private connected: Client | undefined;
  private connecting = false;
  private connectFailedAt = -Infinity;
  private stopped = false;
  private lastSentAt = 0;

  constructor(
    private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** Lets the last announcement out, then closes the connection. */
  async onModuleDestroy(): Promise<void> {
    await this.sending;
    this.stopped = true;
    const client = this.connected;
    this.connected = undefined;
    await client?.end().catch(() => undefined);
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

  /**
   * On its own connection when it has one open; otherwise, or when that connection fails the NOTIFY
   * (then it is dropped and the same orgs go again), through the pool.
   */
  private async notify(orgIds: string[]): Promise<void> {
    const client = this.ownConnection();
    if (client) {
      try {
        await client.query(NOTIFY_ORGS_SQL, [orgIds]);
        return;
      } catch (error) {
        this.drop(client);
        this.logger.warn({ err: error }, 'the announcer\'s connection failed; announcing through the pool while it opens another');
      }
    }
    await queryRows(this.db.manager, NOTIFY_ORGS_SQL, [orgIds]);
  }

  /** The open connection, if any; without one, starts opening it (at most once a RECONNECT_AFTER_MS after a failure) and returns none. */
  private ownConnection(): Client | undefined {
    const url = this.config.DATABASE_URL;
    if (this.connected || this.connecting || !url || this.stopped || Date.now() - this.connectFailedAt < RECONNECT_AFTER_MS) return this.connected;
    this.connecting = true;
    // TimeoutSafeClient: a NOTIFY that timed out closes the socket, not only the wait for it.
    const client = new TimeoutSafeClient({
      connectionString: url,
      application_name: 'agentry-announcer',
      connectionTimeoutMillis: OWN_CONNECTION_TIMEOUT_MS,
      statement_timeout: OWN_CONNECTION_TIMEOUT_MS,
      query_timeout: OWN_CONNECTION_TIMEOUT_MS,
    });
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'the announcer lost its connection; it opens another on the next announcement');
      this.drop(client);
    });
    client.connect().then(
      () => {
        if (this.stopped) void client.end().catch(() => undefined);
        else this.connected = client;
      },
      (error: unknown) => {
        this.connectFailedAt = Date.now();
        this.logger.warn({ err: error }, 'the announcer could not open its connection; announcing through the pool');
      },
    ).finally(() => (this.connecting = false));
    return undefined;
  }

  private drop(client: Client): void {
    if (this.connected === client) this.connected = undefined;
    void client.end().catch(() => undefined);
  }
}
