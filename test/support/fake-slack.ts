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
}

/**
 * A real HTTP server speaking the slice of Slack's Web API that Agentry calls.
 * Behaviour is chosen by the channel id, so tests need no shared state. conversations.info:
 * CMEMBER… joined, CNOTMEMBER… not joined, CUNKNOWN… not found, CFAIL… HTTP 500, CLIMIT… HTTP 429;
 * every other channel below is joined. chat.postMessage (to joined channels):
 * CRATE… 429 with Retry-After: 2 on its first message, then ok; CFLAKY… HTTP 500 twice, then ok;
 * CKICKED… not_in_channel (the bot was removed after the channel was configured); CARCHIVED…
 * is_archived; CDOWN… always HTTP 500; CSLOW… answers its first message after SLOW_ANSWER_MS;
 * anything else ok. C0123456789, the channel in the seeds' own examples, is joined, so those
 * examples run as written. `GET /_fake/posts?channel=…` lists what a channel received.
 */
export function startFakeSlack(): Promise<{ url: string; server: Server }> {
  const posts = new Map<string, FakePost[]>();
  const server = createServer((request, response) => void handle(request, response, posts));
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

const JOINED_PREFIXES = ['CMEMBER', 'CRATE', 'CFLAKY', 'CKICKED', 'CARCHIVED', 'CDOWN', 'CSLOW', 'CBURST'];

async function handle(request: IncomingMessage, response: ServerResponse, posts: Map<string, FakePost[]>): Promise<void> {
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
  if (!String(request.headers.authorization ?? '').startsWith('Bearer xoxb-')) return json(200, { ok: false, error: 'not_authed' });
  if (url.pathname === '/api/auth.test') return json(200, { ok: true, user: BOT_NAME, user_id: 'U0BOT', bot_id: 'B0BOT', team: 'Acme' });

  const channel = params.get('channel') ?? '';
  if (url.pathname === '/api/chat.postMessage') {
    const received = posts.get(channel) ?? [];
    posts.set(channel, received);
    const post: FakePost = { at: Date.now(), channel, text: params.get('text') ?? '', blocks: JSON.parse(params.get('blocks') ?? 'null'), answer: 'ok' };
    received.push(post);
    const nth = received.length;
    const answer = (status: number, payload: { ok: boolean; error?: string; ts?: string }, headers: Record<string, string> = {}) => {
      post.answer = status === 200 ? (payload.error ?? 'ok') : `http_${status}`;
      json(status, payload, headers);
    };
    const ok = () => answer(200, { ok: true, ts: `${Math.floor(post.at / 1000)}.${String(nth).padStart(6, '0')}` });
    if (channel.startsWith('CRATE') && nth === 1) return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(RATE_LIMIT_RETRY_AFTER_SECONDS) });
    if (channel.startsWith('CFLAKY') && nth <= 2) return answer(500, { ok: false, error: 'internal_error' });
    if (channel.startsWith('CDOWN')) return answer(500, { ok: false, error: 'internal_error' });
    if (channel.startsWith('CKICKED')) return answer(200, { ok: false, error: 'not_in_channel' });
    if (channel.startsWith('CARCHIVED')) return answer(200, { ok: false, error: 'is_archived' });
    if (channel.startsWith('CSLOW') && nth === 1) {
      post.answer = 'slow';
      setTimeout(() => json(200, { ok: true, ts: `${Math.floor(post.at / 1000)}.000001` }), SLOW_ANSWER_MS);
      return;
    }
    return ok();
  }
  if (url.pathname !== '/api/conversations.info') return json(200, { ok: false, error: 'unknown_method' });

  if (channel.startsWith('CFAIL')) return json(500, { ok: false, error: 'internal_error' });
  if (channel.startsWith('CLIMIT')) return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '30' });
  if (channel.startsWith('CUNKNOWN')) return json(200, { ok: false, error: 'channel_not_found' });
  const isMember = JOINED_PREFIXES.some((prefix) => channel.startsWith(prefix)) || channel === SEED_EXAMPLE_CHANNEL;
  return json(200, { ok: true, channel: { id: channel, name: channel.toLowerCase(), is_channel: true, is_member: isMember } });
}
