import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './generated/schema';

export type { components, operations, paths };
export type Schemas = components['schemas'];
export type Agent = Schemas['Agent'];
export type Run = Schemas['Run'];
export type ClaimedRun = Schemas['ClaimedRun'];
export type Event = Schemas['Event'];
export type EventType = Event['type'];
export type Problem = Schemas['Problem'];
/** Any JSON value, as run input, output and event data are. */
export type JsonValue = Run['output'];
export type ErrorCode = Schemas['ErrorCode'];
/** The seed-002 envelope every error under `/api/agents` comes in. */
export type ErrorEnvelope = Schemas['ApiErrorEnvelope'];
/** What a runtime reports: one shape per `type` (`outcome` carries `output`, `error` carries `error`). */
export type RunEventRequest = NonNullable<operations['reportRunEvent']['requestBody']>['content']['application/json'];

export type AgentryClient = Client<paths>;

export interface AgentryClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the service is, e.g. `http://localhost:3000` (no `/api/v1`: the paths carry it). */
  baseUrl: string;
  /** A bearer JWT, or a function giving the current one (called for every request). */
  token?: string | (() => string | Promise<string>);
  /** An organization API key (`pk_live_…`), sent as `x-api-key`. */
  apiKey?: string;
}

/**
 * An openapi-fetch client over the types generated from openapi.json: `client.GET('/api/v1/agents/{id}',
 * {params: {path: {id: 42}}})` is checked against the document at compile time. Answers are
 * `{data, error, response}`; `unwrap` turns an error into an `AgentryError`.
 */
export function createAgentryClient(options: AgentryClientOptions): AgentryClient {
  const { token, apiKey, baseUrl, ...rest } = options;
  const client = createClient<paths>({ ...rest, baseUrl: baseUrl.replace(/\/+$/, '') });
  client.use({
    async onRequest({ request }) {
      if (apiKey !== undefined && !request.headers.has('x-api-key')) request.headers.set('x-api-key', apiKey);
      if (token !== undefined && !request.headers.has('authorization')) {
        request.headers.set('authorization', `Bearer ${typeof token === 'function' ? await token() : token}`);
      }
      return request;
    },
  });
  return client;
}

/** An error answer: its status, the problem (or seed-002 envelope) it carried, and the request id to quote. */
export class AgentryError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  readonly problem: Problem | undefined;
  readonly envelope: ErrorEnvelope | undefined;
  /** Seconds the service asked to wait (429, 503), when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(response: Response, body: unknown) {
    const problem = isProblem(body) ? body : undefined;
    const envelope = isEnvelope(body) ? body : undefined;
    const detail = problem?.detail ?? envelope?.message ?? (typeof body === 'string' && body !== '' ? body : response.statusText);
    super(`${response.status} ${problem?.code ?? envelope?.code ?? ''}: ${detail}`.replace(/ +:/, ':'));
    this.name = 'AgentryError';
    this.status = response.status;
    this.problem = problem;
    this.envelope = envelope;
    this.code = problem?.code ?? envelope?.code;
    this.requestId = problem?.requestId ?? envelope?.request_id ?? response.headers.get('x-request-id') ?? undefined;
    this.retryAfterSeconds = retryAfterOf(response);
  }
}

export function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && typeof (body as Problem).status === 'number' && typeof (body as Problem).code === 'string' && 'title' in body;
}

export function isEnvelope(body: unknown): body is ErrorEnvelope {
  return typeof body === 'object' && body !== null && (body as ErrorEnvelope).status === 'error' && typeof (body as ErrorEnvelope).status_code === 'number';
}

export function retryAfterOf(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

/** The data of an openapi-fetch answer, or an AgentryError with its status, problem and request id. */
export async function unwrap<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }> | { data?: T; error?: unknown; response: Response }): Promise<T> {
  const { data, error, response } = await pending;
  if (!response.ok) throw new AgentryError(response, error);
  return data as T;
}

// ---- ETag / If-Match ----------------------------------------------------------------------------

/** The strong entity tag of an answer: its `ETag` header, or the `etag` field of its body. */
export function etagOf(source: Response | { response: Response; data?: unknown } | { etag?: string }): string | undefined {
  if (source instanceof Response) return source.headers.get('etag') ?? undefined;
  if ('response' in source && source.response instanceof Response) {
    return source.response.headers.get('etag') ?? (source.data as { etag?: string } | undefined)?.etag;
  }
  return (source as { etag?: string }).etag;
}

/**
 * `If-Match` for a conditional write: `client.PATCH('/api/v1/agents/{id}', {params: {path: {id}, header:
 * ifMatch(agent)}, body})` answers 412 (PRECONDITION_FAILED) and changes nothing when someone else
 * wrote in between.
 */
export function ifMatch(etagOrResource: string | { etag?: string }): { 'If-Match': string } {
  const etag = typeof etagOrResource === 'string' ? etagOrResource : etagOrResource.etag;
  if (!etag) throw new TypeError('ifMatch: no etag to send');
  return { 'If-Match': etag };
}

/**
 * Read-modify-write with If-Match, retried on 412: `read` gets the current resource (with its etag),
 * `write` sends the change with `ifMatch(current)`. Gives up after `attempts` conflicts.
 */
export async function withIfMatch<R extends { etag?: string }, W>(read: () => Promise<R>, write: (current: R, condition: { 'If-Match': string }) => Promise<W>, attempts = 3): Promise<W> {
  for (let attempt = 1; ; attempt++) {
    const current = await read();
    try {
      return await write(current, ifMatch(current));
    } catch (error) {
      if (!(error instanceof AgentryError && error.status === 412) || attempt >= attempts) throw error;
    }
  }
}

// ---- keyset pages -------------------------------------------------------------------------------

/**
 * Every item of a keyset-paged list, page by page: `fetchPage(pageToken)` gets one page (without a token
 * the first), `items` picks its rows; iteration stops on a page whose `nextPageToken` is null.
 *
 *   for await (const run of pages((pageToken) => unwrap(client.GET('/api/v1/agents/{id}/runs',
 *     {params: {path: {id}, query: {pageToken, pageSize: 100}}})), (page) => page.runs)) { … }
 */
export async function* pages<P extends { nextPageToken: string | null }, T>(fetchPage: (pageToken: string | undefined) => Promise<P>, items: (page: P) => readonly T[]): AsyncGenerator<T> {
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    yield* items(page);
    token = page.nextPageToken ?? undefined;
  } while (token !== undefined);
}

// ---- Server-Sent Events -------------------------------------------------------------------------

export interface StreamOptions {
  /** Resume after this event id (as `Last-Event-ID`). */
  after?: string;
  /** Ends the stream. */
  signal?: AbortSignal;
  /** Delay before reconnecting after the connection drops; doubles up to 30 s while it keeps failing. */
  reconnectDelayMs?: number;
}

export interface EventStreamOptions extends StreamOptions {
  /** Event types, `*` globs allowed (`run.*`). */
  types?: string[];
  agentId?: number;
}

/** What a stream hands out: the event, typed, with its cursor. */
export type StreamedEvent = Event;

/**
 * The org's live events (`GET /api/v1/events/stream`), resumed with the last id after a dropped
 * connection or an `overflow`, so no event is skipped or repeated. Ends when `signal` aborts; an
 * error answer (401, 403, 429) ends it with an AgentryError.
 */
export function streamEvents(options: AgentryClientOptions, stream: EventStreamOptions = {}): AsyncGenerator<StreamedEvent> {
  const query = new URLSearchParams();
  if (stream.types?.length) query.set('types', stream.types.join(','));
  if (stream.agentId !== undefined) query.set('agentId', String(stream.agentId));
  return follow(options, `/api/v1/events/stream${query.size ? `?${query}` : ''}`, stream, false);
}

/**
 * One run's events (`GET /api/v1/runs/{runId}/stream`): those so far, then live, ending after the run's
 * terminal event (`run.succeeded`, `run.failed`, `run.cancelled`, `run.timed_out`). Resumes with the
 * last id if the connection drops first.
 */
export function streamRun(options: AgentryClientOptions, runId: string, stream: StreamOptions = {}): AsyncGenerator<StreamedEvent> {
  return follow(options, `/api/v1/runs/${encodeURIComponent(runId)}/stream`, stream, true);
}

const TERMINAL_RUN_EVENTS = new Set(['run.succeeded', 'run.failed', 'run.cancelled', 'run.timed_out']);

async function* follow(options: AgentryClientOptions, path: string, stream: StreamOptions, endsWithRun: boolean): AsyncGenerator<StreamedEvent> {
  let lastId = stream.after;
  const baseDelay = stream.reconnectDelayMs ?? 500;
  let delay = baseDelay;
  const fetcher = options.fetch ?? globalThis.fetch;
  while (!stream.signal?.aborted) {
    const headers = new Headers({ accept: 'text/event-stream' });
    if (options.apiKey !== undefined) headers.set('x-api-key', options.apiKey);
    if (options.token !== undefined) headers.set('authorization', `Bearer ${typeof options.token === 'function' ? await options.token() : options.token}`);
    if (lastId !== undefined) headers.set('last-event-id', lastId);
    let response: Response;
    try {
      response = await fetcher(new Request(`${options.baseUrl.replace(/\/+$/, '')}${path}`, { headers, signal: stream.signal }));
    } catch (error) {
      if (stream.signal?.aborted) return;
      await sleep(delay, stream.signal);
      delay = Math.min(delay * 2, 30_000);
      continue;
    }
    if (response.status === 204) return; // nothing to follow (a run's stream of a run with no events yet, by contract: retry later)
    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => '');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      if (response.status >= 500 || response.status === 429) {
        const wait = (retryAfterOf(response) ?? delay / 1000) * 1000;
        if (response.status === 429) throw new AgentryError(response, body);
        await sleep(wait, stream.signal);
        delay = Math.min(delay * 2, 30_000);
        continue;
      }
      throw new AgentryError(response, body);
    }
    let ended = false;
    try {
      for await (const message of parseSse(response.body)) {
        delay = baseDelay;
        if (message.id !== undefined) lastId = message.id;
        if (message.event === 'overflow') break; // the service closes now: reconnect from lastId
        if (message.data === undefined) continue;
        const event = JSON.parse(message.data) as StreamedEvent;
        yield event;
        if (endsWithRun && TERMINAL_RUN_EVENTS.has(event.type)) {
          ended = true;
          return;
        }
      }
      // A run's stream that the service closed without a terminal event: the run had finished already.
      if (endsWithRun) ended = true;
    } catch (error) {
      if (stream.signal?.aborted) return;
      if (error instanceof SyntaxError) throw error;
      // the connection dropped: reconnect from lastId
    } finally {
      if (!ended) await response.body.cancel().catch(() => undefined);
    }
    if (ended) return;
    await sleep(delay, stream.signal);
  }
}

interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
}

/** The WHATWG event-stream format: fields per line, a blank line ends a message, `:` lines are comments. */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  let message: SseMessage = {};
  let data: string[] | undefined;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (data) message.data = data.join('\n');
        if (message.event !== undefined || message.data !== undefined || message.id !== undefined) yield message;
        message = {};
        data = undefined;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') message.id = value;
      else if (field === 'event') message.event = value;
      else if (field === 'data') (data ??= []).push(value);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
