import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';

export const BOT_NAME = 'agentry-bot';
export const SEED_EXAMPLE_CHANNEL = 'C0123456789';

/**
 * A real HTTP server speaking the slice of Slack's Web API that Agentry calls.
 * Behaviour is chosen by the channel id, so tests need no shared state:
 * CMEMBER… joined, CNOTMEMBER… not joined, CUNKNOWN… not found, CFAIL… HTTP 500, CLIMIT… HTTP 429.
 * C0123456789, the channel in the seeds' own examples, is joined, so those examples run as written.
 */
export function startFakeSlack(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => void handle(request, response));
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ url: `http://127.0.0.1:${port}/api/`, server });
    });
  });
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  const params = new URLSearchParams(body);
  const json = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(payload));
  };
  if (!String(request.headers.authorization ?? '').startsWith('Bearer xoxb-')) return json(200, { ok: false, error: 'not_authed' });
  if (request.url === '/api/auth.test') return json(200, { ok: true, user: BOT_NAME, user_id: 'U0BOT', bot_id: 'B0BOT', team: 'Acme' });
  if (request.url !== '/api/conversations.info') return json(200, { ok: false, error: 'unknown_method' });

  const channel = params.get('channel') ?? '';
  if (channel.startsWith('CFAIL')) return json(500, { ok: false, error: 'internal_error' });
  if (channel.startsWith('CLIMIT')) return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '30' });
  if (channel.startsWith('CUNKNOWN')) return json(200, { ok: false, error: 'channel_not_found' });
  const isMember = channel.startsWith('CMEMBER') || channel === SEED_EXAMPLE_CHANNEL;
  return json(200, { ok: true, channel: { id: channel, name: channel.toLowerCase(), is_channel: true, is_member: isMember } });
}
