import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The channels a notification goes out on; a new channel is a new value here, never free text. */
export type DeliveryChannel = 'slack' | 'webhook';

/**
 * How one delivery try ended: `delivered`; `retrying` (it failed and another try is planned);
 * `failed` (it failed for good: no try is left, or the far end refused it permanently).
 */
export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed';

/** A run's end as SPEC §8 names its final status. */
export type FinishedRunStatus = 'succeeded' | 'failed' | 'cancelled';

/** Requests whose path matched no route share this label: a raw path would make every id a series. */
export const UNMATCHED_ROUTE = 'unmatched';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Seconds; a long poll (≤ 30 s) and a stream's whole life land in the last buckets. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Seconds a run waits or lasts: from a moment to a day. */
const RUN_BUCKETS = [0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 3600, 14_400, 86_400];
const LAG_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The service's own Prometheus series (SPEC §16), on one registry per instance. Modules call the
 * recording methods below where the thing happens; they never touch prom-client themselves, so every
 * label value comes from a closed set chosen here. The gauges read from the database are set by
 * DatabaseGauges at scrape time (cluster-wide values); everything recorded here counts what this
 * instance did, and sums across instances.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'agentry_http_request_duration_seconds',
    help: 'HTTP requests by route template (unmatched paths: "unmatched"), method and status: time to the end of the response.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  private readonly runsFinished = new Counter({
    name: 'agentry_runs_finished_total',
    help: 'Runs that reached a final status on this instance (a report, a cancel, or a sweep: timed out, lease expired).',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  private readonly queueWait = new Histogram({
    name: 'agentry_run_queue_wait_seconds',
    help: 'Time from a run being queued (created) to its claim, for claims on a first attempt of runs not back from an approval.',
    buckets: RUN_BUCKETS,
    registers: [this.registry],
  });

  private readonly runDuration = new Histogram({
    name: 'agentry_run_duration_seconds',
    help: 'Time from a run\'s "started" to its final status, by that status (runs that never started are not counted).',
    labelNames: ['status'] as const,
    buckets: RUN_BUCKETS,
    registers: [this.registry],
  });

  private readonly scheduleLag = new Histogram({
    name: 'agentry_schedule_lag_seconds',
    help: 'Time from a schedule tick to the commit of the run it created.',
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });

  private readonly deliveries = new Counter({
    name: 'agentry_notification_deliveries_total',
    help: 'Notification delivery tries by channel (slack, webhook) and outcome (delivered, retrying, failed).',
    labelNames: ['channel', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly eventLag = new Histogram({
    name: 'agentry_event_feed_lag_seconds',
    help: 'Event-log lag: time from an event\'s transaction to its hand-out to this instance\'s open streams (includes waiting behind older open transactions).',
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });

  private openStreams: () => number = () => 0;
  private readonly pools = new Map<string, () => PoolCounts | null>();

  constructor() {
    // The process's own (CPU, memory, heap, event-loop delay, GC) under their usual names.
    collectDefaultMetrics({ register: this.registry });
    const metrics = this;
    new Gauge({
      name: 'agentry_event_streams_open',
      help: 'Event streams (SSE) open on this instance.',
      registers: [this.registry],
      collect() {
        this.set(metrics.openStreams());
      },
    });
    new Gauge({
      name: 'agentry_db_pool_connections',
      help: 'Connections of this instance\'s pools (pool: app = the service\'s queries, jobs = pg-boss) by state: in_use, idle, waiting (callers queued for a connection).',
      labelNames: ['pool', 'state'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [pool, read] of metrics.pools) {
          const counts = read();
          if (!counts) continue;
          this.set({ pool, state: 'in_use' }, counts.total - counts.idle);
          this.set({ pool, state: 'idle' }, counts.idle);
          this.set({ pool, state: 'waiting' }, counts.waiting);
        }
      },
    });
  }

  /** One finished HTTP request; `route` is the matched route's template, or undefined when none matched. */
  httpRequest(route: string | undefined, method: string, status: number, seconds: number): void {
    this.httpDuration.observe({ route: route ?? UNMATCHED_ROUTE, method: METHODS.has(method) ? method : 'other', status: String(status) }, seconds);
  }

  /** A run reached a final status; `startedAt` when it had started (its duration is then observed). */
  runFinished(status: FinishedRunStatus, startedAt: Date | string | null, finishedAt: Date | string | null): void {
    this.runsFinished.inc({ status });
    if (startedAt !== null && finishedAt !== null) this.runDuration.observe({ status }, secondsBetween(startedAt, finishedAt));
  }

  /** Runs a sweep finished, whose duration is not the work's (never started, or timed out). */
  runsFinishedByTimeout(status: FinishedRunStatus, count: number): void {
    if (count > 0) this.runsFinished.inc({ status }, count);
  }

  /** A run queued at `queuedAt` was claimed at `claimedAt`. */
  runClaimed(queuedAt: Date | string, claimedAt: Date | string): void {
    this.queueWait.observe(secondsBetween(queuedAt, claimedAt));
  }

  /** Runs a schedule sweep created (committed now), one tick each. */
  scheduledRunsCreated(ticks: readonly (Date | string | null)[], now = Date.now()): void {
    for (const tick of ticks) if (tick !== null) this.scheduleLag.observe(Math.max(0, (now - new Date(tick).getTime()) / 1000));
  }

  /**
   * One delivery try's outcome. The counter API for every notification channel: a channel's
   * delivery code calls this once per try, after the try's outcome is stored.
   */
  delivery(channel: DeliveryChannel, outcome: DeliveryOutcome): void {
    this.deliveries.inc({ channel, outcome });
  }

  /** An event, written at `at`, was handed to this instance's streams now. */
  eventHandedOut(at: Date, now = Date.now()): void {
    this.eventLag.observe(Math.max(0, (now - at.getTime()) / 1000));
  }

  /** How the open streams are counted (read at each scrape). */
  countOpenStreams(read: () => number): void {
    this.openStreams = read;
  }

  /** A connection pool to report, read at each scrape; null while the pool is not open. */
  addPool(name: 'app' | 'jobs', read: () => PoolCounts | null): void {
    this.pools.set(name, read);
  }
}

export interface PoolCounts {
  total: number;
  idle: number;
  waiting: number;
}

function secondsBetween(from: Date | string, to: Date | string): number {
  return Math.max(0, (new Date(to).getTime() - new Date(from).getTime()) / 1000);
}
