import { AccessControlled, AccessRights, evaluateAccess } from '../access/domain/access.policy';
import { hasLapsed, Principal } from '../auth/domain/principal';
import { LoggedEvent } from './domain/event';
import { comparePositions, encodeEventId, EventPosition } from './domain/event-position';
import { EventType, TERMINAL_RUN_EVENTS } from './domain/event-types';
import { canSeeEvent } from './domain/event-visibility';
import { toEventResponse } from './event-response.mapper';
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

/** The SSE text of each event, made once however many streams send it. */
const messages = new WeakMap<LoggedEvent, string>();
function messageOf(event: LoggedEvent): string {
  let message = messages.get(event);
  if (message === undefined) {
    const data = toEventResponse(event);
    message = sseMessage({ id: data.id, event: event.type, data });
    messages.set(event, message);
  }
  return message;
}

/**
 * One client's stream. It starts catching up (events read for it from the log, while the org's live
 * events wait in `pending`), then goes live. Every event is sent at most once and in log order: an
 * event at or before the last one sent is dropped, so the catch-up and the live feed may overlap.
 */
export class Subscription {
  private live = false;
  private pending: LoggedEvent[] = [];
  private pendingBytes = 0;
  private readonly rights = new Map<number, AccessRights | undefined>();
  private expiryTimer: NodeJS.Timeout | undefined;
  /** The last event sent, or where the stream started. */
  private cursor: EventPosition | undefined;
  private lastSentId: string | null = null;

  constructor(
    readonly scope: StreamScope,
    readonly sink: SseSink,
    start: EventPosition | undefined,
    private readonly access: AccessSource,
  ) {
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

  /** An event the catch-up read for this stream (the database applied its filters). */
  sendCaughtUp(event: LoggedEvent): void {
    this.send(event);
  }

  /** An event of the org, from the live feed. */
  offer(event: LoggedEvent): void {
    if (this.closed || !this.matches(event)) return;
    const bytes = messageOf(event).length;
    if (!this.live) {
      if (!this.sink.fits(this.pendingBytes + bytes)) return this.overflow();
      this.pending.push(event);
      this.pendingBytes += bytes;
    } else if (!this.sink.fits()) {
      this.overflow();
    } else {
      this.send(event);
    }
  }

  /** The catch-up has read everything up to the live feed: send what the feed brought meanwhile, then follow it. */
  goLive(): void {
    this.live = true;
    const pending = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const event of pending) this.send(event);
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

  private send(event: LoggedEvent): void {
    if (this.closed || (this.cursor && comparePositions(event.position, this.cursor) <= 0)) return;
    this.sink.write(messageOf(event));
    this.cursor = event.position;
    this.lastSentId = encodeEventId(event.position);
    if (this.scope.endsAtTerminalRunEvent && TERMINAL_RUN_EVENTS.has(event.type)) this.end();
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
