import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';

export const BOT_NAME = 'agentry-bot';
export const SEED_EXAMPLE_CHANNEL = 'C0123456789';
/** How long a CSLOW… channel takes to answer its first message: more than the e2e SLACK_TIMEOUT_MS. */
export const SLOW_ANSWER_MS = 3000;
/** What a CRATE… channel's first message is told to wait. */
export const RATE_LIMIT_RETRY_AFTER_SECONDS = 2;

/** A chat.postMessage the fake received, and what it answered. */
export interface FakePost {
  at: number;
  channel: string;
  text: string;
  blocks: unknown;
  answer: string;
  /** The message's timestamp (its id in the channel), given on arrival. */
  ts: string;
  metadata: unknown;
  /** Which caller sent it: the label in its URL (`…/<label>/api/`), '' without one. */
  via: string;
}

/** Every Web API call the fake received for a channel, posted or not. */
export interface FakeCall {
  at: number;
  method: string;
  channel: string;
  via: string;
}

export interface FakeSlackOptions {
  /** Called when a CHANG… or CLOST… channel's first message arrives, before it is (not) answered. */
  onHeld?: (call: FakeCall) => void;
}

/**
 * A real HTTP server speaking the slice of Slack's Web API that Agentry calls.
 * Behaviour is chosen by the channel id, so tests need no shared state. conversations.info:
 * CMEMBER… joined, CNOTMEMBER… not joined, CUNKNOWN… not found, CFAIL… HTTP 500, CLIMIT… HTTP 429;
 * every other channel below is joined. chat.postMessage (to joined channels):
 * CRATE… 429 with Retry-After: 2 on its first message, then ok; CFLAKY… HTTP 500 twice, then ok;
 * CKICKED… not_in_channel (the bot was removed after the channel was configured); CARCHIVED…
 * is_archived; CDOWN… always HTTP 500; CSLOW… answers its first message after SLOW_ANSWER_MS;
 * CHANG… posts its first message but never answers (the caller dies or times out waiting); CLOST…
 * never answers its first message and never posts it (it was lost on the way); anything else ok.
 * conversations.history lists a channel's messages, newest first, with their metadata when asked
 * (`include_all_metadata`). C0123456789, the channel in the seeds' own examples, is joined, so those
 * examples run as written. `GET /_fake/posts?channel=…` lists what a channel received,
 * `GET /_fake/calls?channel=…` every call about it. A caller may put a label before `/api/` in its
 * URL to be told apart (`via`).
 */
export function startFakeSlack(options: FakeSlackOptions = {}): Promise<{ url: string; server: Server }> {
  const state: FakeState = { posts: new Map(), calls: new Map(), options };
  const server = createServer((request, response) => void handle(request, response, state));
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ url: `http://127.0.0.1:${port}/api/`, server });
    });
  });
}

/** What the fake Slack at `slackApiUrl` received for `channel`, oldest first. */
export async function postsTo(slackApiUrl: string, channel: string): Promise<FakePost[]> {
  const response = await fetch(new URL(`/_fake/posts?channel=${encodeURIComponent(channel)}`, slackApiUrl));
  return (await response.json()) as FakePost[];
}

/** Every call the fake Slack at `slackApiUrl` received about `channel`, oldest first. */
export async function callsAbout(slackApiUrl: string, channel: string): Promise<FakeCall[]> {
  const response = await fetch(new URL(`/_fake/calls?channel=${encodeURIComponent(channel)}`, slackApiUrl));
  return (await response.json()) as FakeCall[];
}

interface FakeState {
  posts: Map<string, FakePost[]>;
  calls: Map<string, FakeCall[]>;
  options: FakeSlackOptions;
}

const JOINED_PREFIXES = ['CMEMBER', 'CRATE', 'CFLAKY', 'CKICKED', 'CARCHIVED', 'CDOWN', 'CSLOW', 'CBURST', 'CHANG', 'CLOST'];

async function handle(request: IncomingMessage, response: ServerResponse, { posts, calls, options }: FakeState): Promise<void> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  const params = String(request.headers['content-type']).includes('json')
    ? new URLSearchParams(Object.entries(JSON.parse(body || '{}') as Record<string, unknown>).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]))
    : new URLSearchParams(body);
  const json = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(payload));
  };
  const url = new URL(request.url ?? '/', 'http://fake');
  if (url.pathname === '/_fake/posts') return json(200, posts.get(url.searchParams.get('channel') ?? '') ?? []);
  if (url.pathname === '/_fake/calls') return json(200, calls.get(url.searchParams.get('channel') ?? '') ?? []);
  if (!String(request.headers.authorization ?? '').startsWith('Bearer xoxb-')) return json(200, { ok: false, error: 'not_authed' });
  const [, via = '', method = ''] = /^\/(?:([\w-]+)\/)?api\/(.+)$/.exec(url.pathname) ?? [];
  if (method === 'auth.test') return json(200, { ok: true, user: BOT_NAME, user_id: 'U0BOT', bot_id: 'B0BOT', team: 'Acme' });

  const channel = params.get('channel') ?? '';
  const call: FakeCall = { at: Date.now(), method, channel, via };
  calls.set(channel, [...(calls.get(channel) ?? []), call]);
  if (method === 'chat.postMessage') {
    const received = posts.get(channel) ?? [];
    posts.set(channel, received);
    const nth = (calls.get(channel) ?? []).filter((c) => c.method === method).length;
    const ts = `${Math.floor(call.at / 1000)}.${String(nth).padStart(6, '0')}`;
    const post: FakePost = { at: call.at, channel, text: params.get('text') ?? '', blocks: JSON.parse(params.get('blocks') ?? 'null'), answer: 'ok', ts, metadata: JSON.parse(params.get('metadata') ?? 'null'), via };
    if (channel.startsWith('CLOST') && nth === 1) return options.onHeld?.(call);
    received.push(post);
    const answer = (status: number, payload: { ok: boolean; error?: string; ts?: string }, headers: Record<string, string> = {}) => {
      post.answer = status === 200 ? (payload.error ?? 'ok') : `http_${status}`;
      json(status, payload, headers);
    };
    const ok = () => answer(200, { ok: true, ts });
    if (channel.startsWith('CHANG') && nth === 1) {
      post.answer = 'held';
      return options.onHeld?.(call);
    }
    if (channel.startsWith('CRATE') && nth === 1) return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(RATE_LIMIT_RETRY_AFTER_SECONDS) });
    if (channel.startsWith('CFLAKY') && nth <= 2) return answer(500, { ok: false, error: 'internal_error' });
    if (channel.startsWith('CDOWN')) return answer(500, { ok: false, error: 'internal_error' });
    if (channel.startsWith('CKICKED')) return answer(200, { ok: false, error: 'not_in_channel' });
    if (channel.startsWith('CARCHIVED')) return answer(200, { ok: false, error: 'is_archived' });
    if (channel.startsWith('CSLOW') && nth === 1) {
      post.answer = 'slow';
      setTimeout(() => json(200, { ok: true, ts }), SLOW_ANSWER_MS);
      return;
    }
    return ok();
  }
  if (method === 'conversations.history') return json(200, history(posts.get(channel) ?? [], params));
  if (method !== 'conversations.info') return json(200, { ok: false, error: 'unknown_method' });

  if (channel.startsWith('CFAIL')) return json(500, { ok: false, error: 'internal_error' });
  if (channel.startsWith('CLIMIT')) return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '30' });
  if (channel.startsWith('CUNKNOWN')) return json(200, { ok: false, error: 'channel_not_found' });
  const isMember = JOINED_PREFIXES.some((prefix) => channel.startsWith(prefix)) || channel === SEED_EXAMPLE_CHANNEL;
  return json(200, { ok: true, channel: { id: channel, name: channel.toLowerCase(), is_channel: true, is_member: isMember } });
}

const POSTED_ANSWERS = new Set(['ok', 'held', 'slow']);

/** conversations.history: messages in (oldest, latest), newest first, `limit` a page, cursor = how many to skip. */
function history(posted: FakePost[], params: URLSearchParams): unknown {
  const oldest = Number(params.get('oldest') ?? 0);
  const latest = Number(params.get('latest') ?? Infinity);
  const inclusive = params.get('inclusive') === 'true';
  // A message Slack refused (a 429, a 500, an error) was never in the channel; one whose answer was held or slow was.
  const inRange = posted
    .filter((post) => POSTED_ANSWERS.has(post.answer))
    .filter((post) => (inclusive ? Number(post.ts) >= oldest && Number(post.ts) <= latest : Number(post.ts) > oldest && Number(post.ts) < latest))
    .sort((x, y) => Number(y.ts) - Number(x.ts));
  const skip = Number(params.get('cursor') || 0);
  const limit = Number(params.get('limit') || 100);
  const page = inRange.slice(skip, skip + limit);
  const withMetadata = params.get('include_all_metadata') === 'true';
  return {
    ok: true,
    messages: page.map((post) => ({ type: 'message', ts: post.ts, text: post.text, bot_id: 'B0BOT', ...(withMetadata && post.metadata ? { metadata: post.metadata } : {}) })),
    has_more: skip + limit < inRange.length,
    response_metadata: { next_cursor: skip + limit < inRange.length ? String(skip + limit) : '' },
  };
}
