import { IncomingHttpHeaders, IncomingMessage, request } from 'node:http';
import { assertDocumented } from './openapi-validation';
import { auth, Caller } from './principals';

export interface SseMessage {
  id?: string;
  event?: string;
  data?: any;
}

/**
 * A real Server-Sent Events client: it parses messages as the WHATWG standard says (fields per line,
 * a blank line ends a message, `:` lines are comments) and keeps everything it got. On node:http
 * with a connection of its own: closing it closes the socket, as a network failure would (fetch's
 * pool would open a spare connection, which a shutting-down server then waits for), and pausing it
 * stops reading the socket, so the server sees a slow client's backpressure.
 */
export class SseStream {
  readonly messages: SseMessage[] = [];
  comments = 0;
  /** Resolves when the server ends the stream or it is closed here. */
  readonly ended: Promise<void>;
  private readonly waiters = new Set<() => void>();
  private endedFlag = false;
  private body = '';

  private constructor(
    private readonly response: IncomingMessage,
    paused: boolean,
    private readonly path: string,
  ) {
    response.setEncoding('utf8');
    this.ended = new Promise<void>((resolve) => {
      response.on('close', () => {
        this.endedFlag = true;
        this.notify();
        resolve();
      });
    });
    response.on('error', () => undefined);
    if (response.statusCode !== 200) {
      response.on('data', (chunk: string) => (this.body += chunk));
      return;
    }
    let buffer = '';
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        this.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
      this.notify();
    });
    if (paused) response.pause();
  }

  static open(path: string, who: Caller, options: { baseUrl?: string; lastEventId?: string; paused?: boolean } = {}): Promise<SseStream> {
    const credentials = auth(who);
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if ('token' in credentials) headers.authorization = `Bearer ${credentials.token}`;
    else headers['x-api-key'] = credentials.apiKey;
    if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
    return new Promise((resolve, reject) => {
      const sent = request(`${options.baseUrl ?? process.env.E2E_BASE_URL}${path}`, { headers, agent: false }, (response) => {
        // The stream's status, headers and media type are checked against openapi.json here; a refusal's body in problem().
        const stream = new SseStream(response, options.paused ?? false, path);
        if (response.statusCode === 200 || response.statusCode === 204) {
          try {
            assertDocumented('GET', path, { status: response.statusCode, headers: toHeaders(response.headers), hasBody: response.statusCode === 200 });
          } catch (error) {
            response.destroy();
            reject(error as Error);
            return;
          }
        }
        resolve(stream);
      });
      sent.on('error', reject);
      sent.end();
    });
  }

  get status(): number {
    return this.response.statusCode ?? 0;
  }

  get headers(): IncomingHttpHeaders {
    return this.response.headers;
  }

  get isEnded(): boolean {
    return this.endedFlag;
  }

  /** The ids of the events received, in order. */
  get ids(): string[] {
    return this.messages.filter((m) => m.id !== undefined).map((m) => m.id as string);
  }

  /** The body of a refused stream (problem+json). */
  async problem(): Promise<any> {
    await this.ended;
    const body = JSON.parse(this.body);
    assertDocumented('GET', this.path, { status: this.status, headers: toHeaders(this.response.headers), body, hasBody: true });
    return body;
  }

  resume(): void {
    this.response.resume();
  }

  /** Cuts the connection, as a network failure would. */
  close(): void {
    this.response.destroy();
  }

  /** Waits until `check` holds for what was received, failing if the stream ends first or after `timeoutMs`. */
  async until(check: (stream: SseStream) => boolean, timeoutMs = 8000, what = 'stream condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this)) {
      if (this.endedFlag) throw new Error(`${what}: the stream ended first, after ${JSON.stringify(this.messages.map((m) => m.event))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what} not reached within ${timeoutMs} ms; got ${this.messages.length} messages`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 200));
        this.waiters.add(done);
      });
    }
  }

  async untilEnded(timeoutMs = 8000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.ended, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`the stream did not end within ${timeoutMs} ms`)), timeoutMs)))]);
    clearTimeout(timer);
  }

  private notify(): void {
    for (const waiter of this.waiters) waiter();
    this.waiters.clear();
  }

  private parse(block: string): void {
    const message: SseMessage = {};
    let data: string[] | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments++;
        continue;
      }
      const colon = line.indexOf(':');
      const [field, value] = colon < 0 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 1).replace(/^ /, '')];
      if (field === 'id') message.id = value;
      else if (field === 'event') message.event = value;
      else if (field === 'data') (data ??= []).push(value);
    }
    if (data) message.data = JSON.parse(data.join('\n'));
    if (message.event !== undefined || data) this.messages.push(message);
  }
}

function toHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}
