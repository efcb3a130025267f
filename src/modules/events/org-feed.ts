import { Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AccessControlled } from '../access/domain/access.policy';
import { LoggedEvent } from './domain/event';
import { comparePositions, EventPosition, positionBefore } from './domain/event-position';
import { ACCESS_CHANGING_EVENTS } from './domain/event-types';
import { frame, FramedBatch } from './event-frame';
import { AccessSource, Subscription } from './event-subscription';
import { EventsRepository } from './events.repository';

/** Events read per query; a batch is held in memory while it is handed to the org's streams. */
const BATCH = 100;
/**
 * Reads of one org start at most this often: the events of a burst (each commit notifies) go to every
 * stream together, one write per stream instead of one per event and stream, at the price of at most
 * this much latency. An event after a quiet spell is read at once. With 1,000 streams at 200 events/s
 * the reads' socket writes are most of the instance's CPU: they once took it all at this interval, so
 * big feeds read every 100 ms; once a batch was encoded once for all its streams (FramedBatch.bytes),
 * every 50 ms cost what every 100 ms had (bench:events, docs/decisions.md).
 */
const MIN_READ_INTERVAL_MS = 50;
/** Re-reads while committed events wait behind an older open transaction: 25 ms, doubling to a second. */
const HELD_BACK_FIRST_RETRY_MS = 25;
const HELD_BACK_MAX_RETRY_MS = 1000;
/** A read that failed (the database away) is tried again this much later. */
const FAILED_READ_RETRY_MS = 1000;
/** Held back this long, the log says which transaction holds it (an operator may want to end it). */
const HELD_BACK_WARNING_MS = 30_000;
/**
 * How long one feed's hand-out runs before it lets the event loop take other work. Once yielding
 * after every 100 streams: 1,000 streams' writes (about 15 ms) then stretched over ten turns of the
 * loop, each behind the requests' work that had queued meanwhile, and the last streams got a read 40
 * to 140 ms after the first. A time bound keeps a feed's stall short however many streams it has and
 * whatever a write costs (a thousand streams in one go once held the loop for tens of milliseconds,
 * and requests queued for the pool past its timeout), and hands a read to 1,000 streams in one or two
 * turns: at 200 events/s the stream p99 went from 270–480 ms to 205–280 ms (docs/decisions.md). Feeds
 * of several orgs whose reads land in the same turn each take their slice in it.
 */
const HAND_OUT_SLICE_MS = 10;
/** Agents' access kept per org feed; past this the cache starts over. */
const MAX_CACHED_AGENTS = 10_000;

export interface OrgFeedDeps {
  /** Where the feed reads: the streams' own connections, so a read never queues behind requests for the pool. */
  db: () => EntityManager;
  events: EventsRepository;
  /** The access configuration of the org's agents among `ids` (missing ones: not in the org). */
  loadAccess(orgId: string, ids: number[]): Promise<Map<number, AccessControlled>>;
  /** An event written at `at` has just been handed to the org's streams here (the event-log lag). */
  handedOut(at: Date): void;
}

/**
 * The live events of one org on this instance, read once for all its streams here: woken by the
 * org's notifications, it reads what settled after its position and hands each event to every
 * stream, which applies its own filters and the caller's access. Between reads it holds no
 * connection. When committed events wait behind an older open transaction, no notification will
 * announce the moment they settle, so it reads again on a timer until they have.
 */
export class OrgFeed implements AccessSource {
  private readonly logger = new Logger(OrgFeed.name);
  readonly subscribers = new Set<Subscription>();
  /** Everything of the org up to here has been handed out; what comes next is after it. */
  position: EventPosition = positionBefore(0n);
  readonly ready: Promise<void>;
  private readonly access = new Map<number, AccessControlled | null>();
  private reading = false;
  private readAgain = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = HELD_BACK_FIRST_RETRY_MS;
  private heldBackSince: number | undefined;
  private lastReadAt = 0;
  private paceTimer: NodeJS.Timeout | undefined;
  private paced: (() => void) | undefined;
  private stopped = false;

  constructor(
    readonly orgId: string,
    private readonly deps: OrgFeedDeps,
  ) {
    this.ready = this.start();
    // Whoever needs the feed awaits `ready` and handles its failure; this only keeps an early one from being unhandled.
    this.ready.catch(() => undefined);
  }

  accessOf(agentId: number): AccessControlled | null | undefined {
    return this.access.get(agentId);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.paceTimer);
    this.paced?.();
  }

  /** Reads what settled since the last read; a wake during a read makes it read once more after. */
  wake(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    void this.readUntilCaughtUp().finally(() => (this.reading = false));
  }

  /** Starts where the log stands now: before the oldest transaction still running. */
  private async start(): Promise<void> {
    this.position = positionBefore(await this.deps.events.horizon(this.deps.db()));
  }

  private async readUntilCaughtUp(): Promise<void> {
    try {
      await this.ready;
      do {
        await this.pace();
        // The read below sees every commit notified so far, those heard while it waited included.
        this.readAgain = false;
        let full = true;
        while (full && !this.stopped) {
          const { events, horizon, heldBack } = await this.deps.events.follow(this.deps.db(), this.orgId, this.position, BATCH);
          await this.loadAccess(events);
          if (events.length > 0) {
            const batch = new FramedBatch(events.map(frame));
            // A stream that joins during the hand-out starts after this batch, as if it joined after it.
            const subscribers = [...this.subscribers];
            this.position = events[events.length - 1].position;
            await handOut(batch, subscribers);
            for (const event of events) this.deps.handedOut(event.at);
          }
          full = events.length === BATCH;
          if (!full) {
            // Every settled event was read: the next one to settle is past the horizon.
            const settled = positionBefore(horizon);
            if (comparePositions(settled, this.position) > 0) this.position = settled;
            this.heldBack(heldBack, horizon);
          }
        }
      } while (this.readAgain && !this.stopped);
    } catch (error) {
      this.logger.warn({ err: error }, `event feed of org ${this.orgId}: read failed; trying again`);
      this.retryIn(FAILED_READ_RETRY_MS);
    }
  }

  /** Waits until the read interval has passed since the previous read began (or the feed stops). */
  private async pace(): Promise<void> {
    const wait = this.lastReadAt + MIN_READ_INTERVAL_MS - Date.now();
    if (wait > 0 && !this.stopped) {
      await new Promise<void>((resolve) => {
        this.paced = resolve;
        this.paceTimer = setTimeout(resolve, wait);
      });
      this.paced = undefined;
    }
    this.lastReadAt = Date.now();
  }

  private heldBack(heldBack: boolean, horizon: bigint): void {
    if (!heldBack) {
      this.heldBackSince = undefined;
      this.retryDelay = HELD_BACK_FIRST_RETRY_MS;
      return;
    }
    const now = Date.now();
    this.heldBackSince ??= now;
    if (now - this.heldBackSince >= HELD_BACK_WARNING_MS) {
      this.logger.warn(`events of org ${this.orgId} wait for transaction ${horizon} to end (open for over ${Math.round((now - this.heldBackSince) / 1000)} s); streams deliver them once it does`);
      this.heldBackSince = now;
    }
    this.retryIn(this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, HELD_BACK_MAX_RETRY_MS);
  }

  private retryIn(ms: number): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.wake();
    }, ms);
  }

  /**
   * Members' streams judge each event by the access policy on its agent: before a batch is handed
   * out, the agents it names are loaded, and those whose access the batch changes are loaded again
   * and their streams told (a stream watching an agent its caller may no longer use ends).
   */
  private async loadAccess(events: LoggedEvent[]): Promise<void> {
    if (!this.hasMembers()) return;
    const changed = new Set(events.filter((e) => e.agentId !== null && ACCESS_CHANGING_EVENTS.has(e.type)).map((e) => e.agentId as number));
    if (this.access.size > MAX_CACHED_AGENTS) this.access.clear();
    const wanted = new Set(events.map((e) => e.agentId).filter((id): id is number => id !== null && (changed.has(id) || !this.access.has(id))));
    if (wanted.size === 0) return;
    const loaded = await this.deps.loadAccess(this.orgId, [...wanted]);
    for (const id of wanted) this.access.set(id, loaded.get(id) ?? null);
    for (const id of changed) for (const subscriber of this.subscribers) subscriber.accessChanged(id);
  }

  private hasMembers(): boolean {
    for (const subscriber of this.subscribers) if (!subscriber.scope.principal.isOrgAdmin) return true;
    return false;
  }
}

/** Offers `batch` to each stream in order, yielding to the event loop after each HAND_OUT_SLICE_MS of work. */
async function handOut(batch: FramedBatch, subscribers: readonly Subscription[]): Promise<void> {
  let sliceStart = performance.now();
  for (let i = 0; i < subscribers.length; i++) {
    if (performance.now() - sliceStart > HAND_OUT_SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
    subscribers[i].offer(batch);
  }
}
