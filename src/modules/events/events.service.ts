import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { validationFailed } from '../../common/errors/domain-error';
import { accessPrincipalsFor } from '../access/domain/access.policy';
import { AgentGate } from '../agents/agent-gate';
import { Principal } from '../auth/domain/principal';
import { isFinal } from '../runs/domain/run-status';
import { runErrors } from '../runs/runs.errors';
import { RunsRepository } from '../runs/runs.repository';
import { parseTypeGlobs } from './domain/event-glob';
import { comparePositions, decodeEventId, decodePageCursor, encodePageCursor, EventPosition, PageDirection, positionBefore } from './domain/event-position';
import { EventType } from './domain/event-types';
import { EventListResponseDto, EventStreamQueryDto, ListEventsQueryDto, RunStreamQueryDto } from './dto/event.dto';
import { toEventResponse } from './event-response.mapper';
import { StreamPlan } from './event-streams';
import { EventFilter, EventsRepository } from './events.repository';

const DEFAULT_PAGE_SIZE = 50;
/** Before every event: where a run's stream starts when no position is asked for. */
const BEGINNING = positionBefore(0n);

/** The caller's view of the log: an org admin's is the whole org; anyone else's is filtered by the access policy. */
const viewOf = (principal: Principal): Pick<EventFilter, 'orgId' | 'visibleTo'> => ({
  orgId: principal.orgId,
  visibleTo: principal.isOrgAdmin ? null : { subject: principal.subject, principals: accessPrincipalsFor(principal) },
});

/** Globs a DTO validated, as the types they match. */
function typesOf(globs: string | undefined): EventType[] | undefined {
  if (globs === undefined) return undefined;
  const parsed = parseTypeGlobs(globs);
  if ('problem' in parsed) throw new Error(`unvalidated type globs reached the service: ${parsed.problem}`);
  return parsed.types;
}

/** An event id a DTO validated. */
function positionOf(id: string | undefined): EventPosition | undefined {
  return id === undefined ? undefined : (decodeEventId(id) ?? undefined);
}

/** Where a stream resumes: `Last-Event-ID` (what EventSource sends when it reconnects, to the same URL) wins over `after`. */
function resumePoint(lastEventId: string | undefined, after: string | undefined): EventPosition | undefined {
  // EventSource sends no header rather than an empty one; an empty one means the same.
  if (lastEventId === undefined || lastEventId.trim() === '') return positionOf(after);
  const position = decodeEventId(lastEventId.trim());
  if (!position) throw validationFailed([{ field: 'Last-Event-ID', message: 'Last-Event-ID must be the id of an event this service sent' }]);
  return position;
}

const later = (a: EventPosition | undefined, b: EventPosition) => (a && comparePositions(a, b) > 0 ? a : b);
const earlier = (a: EventPosition | undefined, b: EventPosition) => (a && comparePositions(a, b) < 0 ? a : b);

/** The audit trail and what each stream shows (SPEC §13). */
@Injectable()
export class EventsService {
  constructor(
    private readonly db: DataSource,
    private readonly events: EventsRepository,
    private readonly gate: AgentGate,
    private readonly runs: RunsRepository,
  ) {}

  /**
   * A keyset page of the caller's view of the log, newest first unless `order=asc`. A page token
   * leads on (`next`) or back (`previous`) from the page that issued it; a page read backwards is
   * read in the opposite order and turned round, so every page shows `order`.
   */
  async list(principal: Principal, query: ListEventsQueryDto): Promise<EventListResponseDto> {
    const order = query.order ?? 'desc';
    const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
    const token = query.pageToken === undefined ? null : decodePageCursor(query.pageToken);
    const backwards = token?.direction === 'previous';
    const scan = backwards === (order === 'asc') ? 'desc' : 'asc';
    let after = positionOf(query.after);
    let before = positionOf(query.before);
    if (token && scan === 'asc') after = later(after, token.from);
    if (token && scan === 'desc') before = earlier(before, token.from);
    const rows = await this.events.read(
      this.db.manager,
      { ...viewOf(principal), types: typesOf(query.type), agentId: query.agentId, runId: query.runId, actorSubject: query.actor, after, before },
      { order: scan, limit: pageSize + 1, settledOnly: true },
    );
    const more = rows.length > pageSize;
    const page = rows.slice(0, pageSize);
    if (backwards) page.reverse();
    const tokenAt = (direction: PageDirection, from: EventPosition | undefined) => (from ? encodePageCursor({ direction, from }) : null);
    const [first, last] = [page[0]?.position, page.at(-1)?.position];
    // Beyond a page read forwards lies more only if the read found it; behind it lies the page that led here.
    const nextPageToken = backwards ? tokenAt('next', last ?? token?.from) : more ? tokenAt('next', last) : null;
    const previousPageToken = backwards ? (more ? tokenAt('previous', first) : null) : token ? tokenAt('previous', first ?? token.from) : null;
    return { events: page.map(toEventResponse), nextPageToken, previousPageToken };
  }

  /** `GET /events/stream`: the caller's view of the org's events; on one agent, only while the caller can use it (404 otherwise). */
  async planEventStream(principal: Principal, query: EventStreamQueryDto, lastEventId: string | undefined): Promise<StreamPlan> {
    const after = resumePoint(lastEventId, query.after);
    const types = typesOf(query.types);
    if (query.agentId !== undefined) await this.gate.read(this.db.manager, principal, { id: query.agentId }, 'use');
    return {
      scope: { principal, types: types && new Set(types), agentId: query.agentId, watchedAgentId: query.agentId, endsAtTerminalRunEvent: false },
      filter: { ...viewOf(principal), types, agentId: query.agentId },
      after: after ?? 'now',
      follows: true,
    };
  }

  /**
   * `GET /runs/{runId}/stream`: the run's events from the first (or after the position asked for),
   * then live until its terminal event. 404 as `GET /runs/{runId}` answers it. A finished run is
   * replayed and the stream ends; null when nothing is left to replay (the route answers 204, which
   * tells EventSource to stop reconnecting).
   */
  async planRunStream(principal: Principal, runId: string, query: RunStreamQueryDto, lastEventId: string | undefined): Promise<StreamPlan | null> {
    const after = resumePoint(lastEventId, query.after) ?? BEGINNING;
    const run = await this.runs.find(this.db.manager, principal.orgId, runId);
    if (!run) throw runErrors.notFound();
    await this.gate.read(this.db.manager, principal, { id: run.agentId }, 'use', runErrors.notFound);
    const plan: StreamPlan = {
      scope: { principal, runId, watchedAgentId: run.agentId, endsAtTerminalRunEvent: true },
      filter: { ...viewOf(principal), runId },
      after,
      follows: !isFinal(run.status),
    };
    // A finished run's events all committed with it: nothing can settle later among them.
    if (!plan.follows && (await this.events.read(this.db.manager, { ...plan.filter, after }, { order: 'asc', limit: 1, settledOnly: false })).length === 0) return null;
    return plan;
  }
}
