import { Controller, Get, Param, ParseUUIDPipe, Query, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from '../../common/errors/error-code';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/domain/principal';
import { EventListResponseDto, EventResponseDto, EventStreamQueryDto, ListEventsQueryDto, RunStreamQueryDto } from './dto/event.dto';
import { overflowMessage } from './event-subscription';
import { EventStreams, StreamPlan } from './event-streams';
import { EventsService } from './events.service';
import { sseComment, sseMessage } from './sse';

const E = ErrorCode;
const STREAM_PROBLEMS = [E.UNAUTHENTICATED, E.FORBIDDEN, E.VALIDATION_FAILED, E.NOT_FOUND, E.TOO_MANY_STREAMS, E.DATABASE_UNAVAILABLE] as const;

const EXAMPLE_EVENT: EventResponseDto = {
  id: '00000000000003e90000000000000007',
  type: 'run.started',
  at: '2026-05-11T09:00:02.345Z',
  orgId: '00000000-0000-0000-0000-000000000001',
  agentId: 42,
  runId: '3f1c6a52-8c7e-4d5b-9a0e-1b2c3d4e5f60',
  actor: { subject: 'apikey:9b2f3c1e-5d6a-4e7b-8c9d-0e1f2a3b4c5d', kind: 'runtime' },
  requestId: '5b0e7e43-4a43-4c6e-9b8e-2f1d5a9c0e11',
  data: {},
};

/** The three kinds of message a stream sends, as Swagger UI shows them. */
const STREAM_CONTENT = {
  'text/event-stream': {
    schema: { type: 'string', description: 'Server-Sent Events: `id:` (the event id), `event:` (its type) and `data:` (the event as JSON), then a blank line.' },
    examples: {
      event: { summary: 'An event', value: sseMessage({ id: EXAMPLE_EVENT.id, event: EXAMPLE_EVENT.type, data: EXAMPLE_EVENT }) },
      heartbeat: { summary: 'A comment, every 15 s, that keeps proxies from closing an idle stream', value: sseComment('keep-alive') },
      overflow: { summary: 'The last message to a client that fell too far behind: reconnect with Last-Event-ID', value: overflowMessage(EXAMPLE_EVENT.id) },
    },
  },
};

const ApiLastEventIdHeader = () =>
  ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The last event id received (EventSource sends it when it reconnects): resume exactly after it. Wins over `after`.' });

const lastEventIdOf = (request: FastifyRequest): string | undefined => {
  const header = request.headers['last-event-id'];
  return Array.isArray(header) ? header[0] : header;
};

@ApiTags('Events')
@ApiExtraModels(EventResponseDto)
@Controller('api/v1')
export class EventsController {
  constructor(
    private readonly events: EventsService,
    private readonly streams: EventStreams,
  ) {}

  @Get('events')
  @ApiOperation({
    summary: 'List events (audit trail)',
    description:
      "The organization's event log as the caller may see it: org admins all of it; others the events of agents they can use (run and schedule events) or manage (all of the agent's events), and their own actions. Newest first (`order=asc`: oldest first), in keyset pages both ways. An event appears once every transaction that began writing before it has ended, so following the log with `order=asc&after=<last id>` never misses one.",
  })
  @ApiOkResponse({ type: EventListResponseDto })
  @ApiProblems(E.UNAUTHENTICATED, E.FORBIDDEN, E.VALIDATION_FAILED, E.DATABASE_UNAVAILABLE)
  listEvents(@CurrentPrincipal() principal: Principal, @Query() query: ListEventsQueryDto): Promise<EventListResponseDto> {
    return this.events.list(principal, query);
  }

  @Get('events/stream')
  @ApiOperation({
    summary: 'Stream events',
    description:
      "Server-Sent Events: the events the audit trail would show the caller, as they happen, optionally of some `types` or one agent. Resumes exactly after `Last-Event-ID` (or `after`); without either it starts now. A stream on one agent ends when the caller can no longer use it; any stream ends when its API key is revoked or its token expires. A client that falls too far behind gets `event: overflow` and the stream closes: reconnect with the last id. At most STREAM_MAX_PER_PRINCIPAL (20) open streams per caller on one server: 429.",
  })
  @ApiLastEventIdHeader()
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'The stream: events, a comment every 15 s, and `event: overflow` before a close for falling behind.', content: STREAM_CONTENT })
  @ApiProblems(...STREAM_PROBLEMS)
  async streamEvents(@CurrentPrincipal() principal: Principal, @Query() query: EventStreamQueryDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.stream(await this.events.planEventStream(principal, query, lastEventIdOf(request)), reply);
  }

  @Get('runs/:runId/stream')
  @ApiParam({ name: 'runId', required: true, schema: { type: 'string', format: 'uuid' }, description: 'The run id.' })
  @ApiOperation({
    summary: "Stream a run's events",
    description:
      "Server-Sent Events: the run's events so far, then each as it happens; the stream ends after the run's terminal event (`run.succeeded`, `run.failed`, `run.cancelled`, `run.timed_out`). A finished run: its events, then the end; 204 when nothing follows the position asked for. Visible to whoever can use the run's agent (404 otherwise, as `GET /runs/{runId}`).",
  })
  @ApiLastEventIdHeader()
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: "The run's events; the stream ends after its terminal event.", content: STREAM_CONTENT })
  @ApiResponse({ status: 204, description: 'The run has finished and no event follows the position asked for (EventSource stops reconnecting).' })
  @ApiProblems(...STREAM_PROBLEMS)
  async streamRun(
    @CurrentPrincipal() principal: Principal,
    @Query() query: RunStreamQueryDto,
    @Param('runId', new ParseUUIDPipe()) runId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.stream(await this.events.planRunStream(principal, runId, query, lastEventIdOf(request)), reply);
  }

  /** Takes the response over from Fastify once nothing can fail with a problem any more (after the 429). */
  private stream(plan: StreamPlan | null, reply: FastifyReply): void {
    if (!plan) {
      void reply.status(204).send();
      return;
    }
    // Fastify answers HEAD with the GET route: the headers a stream would have, and no stream to keep open.
    if (reply.request.method === 'HEAD') {
      void reply.type('text/event-stream; charset=utf-8').send();
      return;
    }
    const release = this.streams.reserve(plan.scope.principal);
    reply.hijack();
    this.streams.serve(plan, reply.raw, reply.getHeaders(), release);
  }
}
