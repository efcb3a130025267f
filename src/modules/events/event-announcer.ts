import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NOTIFY_ORGS_SQL } from '../../infrastructure/database/event-append.sql';
import { queryRows } from '../../infrastructure/database/query-rows';

/**
 * Tells the streams of every instance (their one LISTEN) which orgs' events committed, after the
 * COMMIT of the write that appended them (EventLog.append leaves it for then). Not in that
 * transaction: PostgreSQL serializes the COMMITs of all notifying transactions on one lock held
 * through the commit's WAL flush, which cost a large part of PATCH throughput (docs/decisions.md, "Issue #22: the event log's performance"). Here the commits
 * of this instance share NOTIFYs: one in flight at a time, the next naming every org announced
 * meanwhile. A notification lost anyway (the process dying just after a COMMIT, the database away)
 * only delays the live streams: each feed also reads on the stream heartbeat, and resuming readers
 * read the log itself.
 */
@Injectable()
export class EventAnnouncer implements OnModuleDestroy {
  private readonly logger = new Logger(EventAnnouncer.name);
  private readonly pending = new Set<string>();
  private sending: Promise<void> | undefined;

  constructor(private readonly db: DataSource) {}

  /** Lets the last announcement out before the pool closes. */
  async onModuleDestroy(): Promise<void> {
    await this.sending;
  }

  /** Called after the COMMIT that stored events of `orgIds`. */
  announce(orgIds: Iterable<string>): void {
    for (const orgId of orgIds) this.pending.add(orgId);
    this.sending ??= this.send().finally(() => (this.sending = undefined));
  }

  private async send(): Promise<void> {
    while (this.pending.size > 0) {
      const orgIds = [...this.pending];
      this.pending.clear();
      try {
        await queryRows(this.db.manager, NOTIFY_ORGS_SQL, [orgIds]);
      } catch (error) {
        this.logger.warn({ err: error }, `could not announce new events of ${orgIds.length} org(s); their streams read them on the next heartbeat`);
      }
    }
  }
}
