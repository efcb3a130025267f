import { AccessControlled, AccessRights, evaluateAccess } from '../access/domain/access.policy';
import { hasLapsed, Principal } from '../auth/domain/principal';
import { LoggedEvent } from './domain/event';
import { comparePositions, EventPosition } from './domain/event-position';
import { EventType, TERMINAL_RUN_EVENTS } from './domain/event-types';
import { canSeeEvent } from './domain/event-visibility';
import { FramedBatch, FramedEvent, joinMessages } from './event-frame';
import { SseSink, sseMessage } from './sse';

/** What one stream shows. */
export interface StreamScope {
  principal: Principal;
  /** Only these types; undefined: every type. */
  types?: ReadonlySet<EventType>;
  agentId?: number;
  runId?: string;
  /** A stream on one agent (or on a run of it) ends when the caller can no longer use that agent. */
  watchedAgentId?: number;
  /** A run's stream ends after the run's terminal event. */
  endsAtTerminalRunEvent: boolean;
}

/** The org feed's knowledge of agents' access, as the access policy needs it. Undefined: not loaded. */
export interface AccessSource {
  accessOf(agentId: number): AccessControlled | null | undefined;
}

// setTimeout takes at most 2^31-1 ms; a token may live longer than that (~24.8 days).
const MAX_TIMER_MS = 2_147_483_647;

/** The last message to a client that fell too far behind. It has no `id`, so the client's last event id stays the last event it got. */
export const overflowMessage = (lastEventId: string | null): string =>
  sseMessage({ event: 'overflow', data: { lastEventId, detail: 'The stream fell too far behind and was closed; reconnect with Last-Event-ID (the last id received) to resume.' } });

/**
 * What decides which events a stream shows (`matches`): streams with equal views show the same ones.
 * The caller counts as the access policy and event visibility see it; the rest are the filters.
 */
function viewOf({ principal, types, agentId, runId }: StreamScope): string {
  const { orgId, subject, groups, isOrgAdmin } = principal;
  return JSON.stringify([orgId, subject, [...groups].sort(), isOrgAdmin, types ? [...types].sort() : null, agentId ?? null, runId ?? null]);
}

/**
 * One client's stream. It starts catching up (events read for it from the log, while the org's live
 * events wait in `pending`), then goes live. Every event is sent at most once and in log order: an
 * event at or before the last one sent is dropped, so the catch-up and the live feed may overlap.
 */
export class Subscription {
  private live = false;
  private pending: FramedEvent[] = [];
  private pendingBytes = 0;
  private readonly rights = new Map<number, AccessRights | undefined>();
  private expiryTimer: NodeJS.Timeout | undefined;
  /** The last event sent, or where the stream started. */
  private cursor: EventPosition | undefined;
  private lastSentId: string | null = null;
  private readonly view: string;

  constructor(
    readonly scope: StreamScope,
    readonly sink: SseSink,
    start: EventPosition | undefined,
    private readonly access: AccessSource,
  ) {
    this.view = viewOf(scope);
    this.cursor = start;
    sink.onClose(() => clearTimeout(this.expiryTimer));
    this.watchExpiry();
  }

  get closed(): boolean {
    return this.sink.closed;
  }

  get position(): EventPosition | undefined {
    return this.cursor;
  }

  /** Where a stream that asked for no position starts: the feed's position when it joined. */
  startAt(position: EventPosition): void {
    this.cursor ??= position;
  }

  /** A page the catch-up read for this stream (the database applied its filters); the catch-up paces itself on the socket. */
  sendCaughtUp(events: readonly FramedEvent[]): void {
    this.deliver(events, undefined, false);
  }

  /**
   * A read of the org's live feed: the events this stream shows go out as one chunk (one write and
   * one system call per stream and read, however many events), or wait in `pending` while the
   * stream catches up. Which events those are is worked out once per view, shared by its streams.
   */
  offer(batch: FramedBatch): void {
    if (this.closed) return;
    const selected = batch.select(this.view, (event) => this.matches(event));
    const events = selected.events;
    if (events.length === 0) return;
    if (this.live) return this.deliver(events, selected, true);
    for (const framed of events) {
      const bytes = framed.message.length;
      if (!this.sink.fits(this.pendingBytes + bytes)) return this.overflow();
      this.pending.push(framed);
      this.pendingBytes += bytes;
    }
  }

  /** The catch-up has read everything up to the live feed: send what the feed brought meanwhile, then follow it. */
  goLive(): void {
    this.live = true;
    const pending = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.deliver(pending, undefined, false);
  }

  /**
   * The feed read the agent's access again (after an event that changes it): judge its next events
   * afresh, and end a stream that watches the agent when the caller can no longer use it.
   */
  accessChanged(agentId: number): void {
    this.rights.delete(agentId);
    if (this.scope.watchedAgentId === agentId && !this.scope.principal.isOrgAdmin && !this.rightsFor(agentId)?.canUse) this.end();
  }

  /** Closed because the client fell too far behind; it resumes from the last id it got and loses nothing. */
  overflow(): void {
    this.sink.end(overflowMessage(this.lastSentId));
  }

  end(): void {
    this.sink.end();
  }

  /**
   * Writes `events` (in log order) as one chunk: those after the last one sent (the catch-up and the
   * live feed may overlap), up to a run's terminal event (then the stream ends) or, when `bounded`,
   * until what waits for the client passes the limit (then `event: overflow`: as if each event were
   * written alone, after checking that the client still keeps up). `whole`: `events` are all of that
   * batch, whose joined text is shared.
   */
  private deliver(events: readonly FramedEvent[], whole: FramedBatch | undefined, bounded: boolean): void {
    if (this.closed) return;
    let from = 0;
    const cursor = this.cursor;
    if (cursor) while (from < events.length && comparePositions(events[from].event.position, cursor) <= 0) from++;
    const room = bounded ? this.sink.room() : Infinity;
    let to = from;
    let bytes = 0;
    let ending: 'overflow' | 'terminal' | undefined;
    for (; to < events.length; to++) {
      if (bytes > room) {
        ending = 'overflow';
        break;
      }
      bytes += events[to].message.length;
      if (this.scope.endsAtTerminalRunEvent && TERMINAL_RUN_EVENTS.has(events[to].event.type)) {
        to++;
        ending = 'terminal';
        break;
      }
    }
    if (to > from) {
      this.sink.write(whole && from === 0 && to === events.length ? whole.bytes : joinMessages(events, from, to));
      const last = events[to - 1];
      this.cursor = last.event.position;
      this.lastSentId = last.id;
    }
    if (ending === 'overflow') this.overflow();
    else if (ending === 'terminal') this.end();
  }

  private matches(event: LoggedEvent): boolean {
    const { principal, types, agentId, runId } = this.scope;
    if (types && !types.has(event.type)) return false;
    if (agentId !== undefined && event.agentId !== agentId) return false;
    if (runId !== undefined && event.runId !== runId) return false;
    return canSeeEvent(principal, event, event.agentId === null ? undefined : this.rightsFor(event.agentId));
  }

  private rightsFor(agentId: number): AccessRights | undefined {
    if (!this.rights.has(agentId)) {
      const agent = this.access.accessOf(agentId);
      this.rights.set(agentId, agent ? evaluateAccess(this.scope.principal, agent) : undefined);
    }
    return this.rights.get(agentId);
  }

  /** A bearer token's stream ends when the token lapses, as a new request with it would be refused. */
  private watchExpiry(): void {
    const { expiresAt } = this.scope.principal;
    if (expiresAt === undefined) return;
    if (hasLapsed(this.scope.principal, Date.now())) return this.end();
    this.expiryTimer = setTimeout(() => this.watchExpiry(), Math.min(expiresAt - Date.now(), MAX_TIMER_MS));
  }
}
