import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../infrastructure/config/app-config';
import { Jobs } from '../../infrastructure/jobs/jobs.service';
import { nextDigestAt } from './domain/delivery-policy';
import { NotificationDelivery } from './notification-delivery';
import { NotificationsRepository } from './notifications.repository';

const BATCH = 100;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The daily digest: each agent with `digest` on stores its next due time (09:00 in its schedule's
 * zone, UTC without one). A sweep in every instance locks due agents with SKIP LOCKED, and in one
 * transaction writes the digest (when the last 24 hours had runs), queues its delivery and moves the
 * due time to the next 09:00: one digest per agent and day however many instances sweep, backed by a
 * unique key on (agent, due time). An agent seen for the first time (digest just turned on) only gets
 * its due time, so turning it on at 15:00 sends the first digest the next morning. After downtime a
 * missed digest is sent once, late, covering the 24 hours before it was made.
 */
@Injectable()
export class DigestSweeper implements OnModuleInit {
  private readonly logger = new Logger(DigestSweeper.name);

  constructor(
    private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly jobs: Jobs,
    private readonly notifications: NotificationsRepository,
    private readonly delivery: NotificationDelivery,
  ) {}

  onModuleInit(): void {
    this.jobs.every('notification-digests', this.config.JOBS_SWEEP_INTERVAL_MS, () => this.sweep());
  }

  async sweep(): Promise<void> {
    let sent = 0;
    let batch: number;
    do {
      ({ batch, sent } = await this.sweepBatch(sent));
    } while (batch === BATCH);
    if (sent > 0) this.logger.log(`${sent} daily digest(s) queued`);
  }

  private sweepBatch(sentBefore: number): Promise<{ batch: number; sent: number }> {
    return this.db.transaction(async (db) => {
      const agents = await this.notifications.claimDigestCandidates(db, BATCH);
      if (agents.length === 0) return { batch: 0, sent: sentBefore };
      // One clock for the batch: the database's, read by the statement that locked it.
      const now = new Date(agents[0].now);
      const from = new Date(now.getTime() - DAY_MS);
      const due = agents.filter((agent) => agent.digestDueAt !== null);
      const summaries = due.length > 0 ? await this.notifications.digestSummaries(db, due.map((agent) => agent.id), from, now) : new Map();
      let sent = sentBefore;
      for (const agent of agents) {
        // Only due agents with runs have a summary: a first sighting only plans, a quiet day sends nothing.
        const summary = summaries.get(agent.id);
        if (summary && agent.digestDueAt) {
          const queued = await this.notifications.insertDigest(db, {
            orgId: agent.orgId,
            agentId: agent.id,
            channel: agent.channel,
            digestFor: new Date(agent.digestDueAt),
            message: { kind: 'digest', agentId: agent.id, agentName: agent.name, from: from.toISOString(), to: now.toISOString(), ...summary },
          });
          if (queued) {
            await this.delivery.enqueue(db, queued);
            sent += 1;
          }
        }
      }
      await this.notifications.setDigestDue(db, agents.map((agent) => ({ agentId: agent.id, dueAt: nextDigestAt(agent.timeZone, now) })));
      return { batch: agents.length, sent };
    });
  }
}
