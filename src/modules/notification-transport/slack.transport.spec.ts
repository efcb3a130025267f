import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { DeliveryFailure } from './domain/slack-delivery';
import { DeliveryFailed } from './notification-transport';
import { SlackTransport } from './slack.transport';

// Jest cannot load Nest's ESM packages (the app does, through require(esm)); the transport only needs a Logger.
jest.mock('@nestjs/common', () => ({
  Logger: class {
    verbose() {}
    debug() {}
    log() {}
    warn() {}
    error() {}
  },
}));

type Reply = { status?: number; body: unknown; headers?: Record<string, string>; delayMs?: number };

/** A tiny Slack stand-in whose answers each test sets (or computes from the call's parameters); it counts calls per method and keeps their parameters. */
class StubSlack {
  readonly calls: Record<string, number> = {};
  readonly params: Record<string, URLSearchParams[]> = {};
  replies: Record<string, Reply | ((params: URLSearchParams) => Reply)> = {};
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    const method = (request.url ?? '').replace('/api/', '');
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    const params = new URLSearchParams(body);
    (this.params[method] ??= []).push(params);
    const replyOf = this.replies[method] ?? { body: { ok: false, error: 'unknown_method' } };
    const reply = typeof replyOf === 'function' ? replyOf(params) : replyOf;
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (response.destroyed) return;
    response.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    response.end(JSON.stringify(reply.body));
  }
}

const channel = (fields: Record<string, unknown>): Reply => ({ body: { ok: true, channel: { id: 'C0123456789', ...fields } } });

async function failure(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('SlackTransport', () => {
  const slack = new StubSlack();
  let transport: SlackTransport;

  beforeAll(() => slack.start());
  afterAll(() => slack.stop());
  beforeEach(() => {
    for (const key of Object.keys(slack.calls)) delete slack.calls[key];
    for (const key of Object.keys(slack.params)) delete slack.params[key];
    slack.replies = { 'auth.test': { body: { ok: true, user: 'agentry-bot' } } };
    transport = new SlackTransport({ SLACK_BOT_TOKEN: 'xoxb-unit', SLACK_API_URL: slack.url, SLACK_TIMEOUT_MS: 300 });
  });

  it('accepts a channel the bot is a member of, and a DM with the bot', async () => {
    slack.replies['conversations.info'] = channel({ is_channel: true, is_member: true });
    await expect(transport.verifyChannel('C0123456789')).resolves.toBeUndefined();
    slack.replies['conversations.info'] = channel({ is_im: true });
    await expect(transport.verifyChannel('D0123456789')).resolves.toBeUndefined();
    expect(slack.calls['auth.test']).toBeUndefined();
  });

  it('asks to invite the bot by the name auth.test gives, asking for it only once', async () => {
    slack.replies['conversations.info'] = channel({ is_channel: true, is_member: false });
    for (let i = 0; i < 2; i++) {
      const error = await failure(transport.verifyChannel('C0123456789'));
      expect(error.code).toBe(ErrorCode.NOTIFICATION_CHANNEL_NOT_JOINED);
      expect(error.detail).toContain('/invite @agentry-bot');
      expect(error.detail).toContain('C0123456789');
    }
    expect(slack.calls['auth.test']).toBe(1);
  });

  it('treats channel_not_found as not joined', async () => {
    slack.replies['conversations.info'] = { body: { ok: false, error: 'channel_not_found' } };
    expect((await failure(transport.verifyChannel('C0123456789'))).code).toBe(ErrorCode.NOTIFICATION_CHANNEL_NOT_JOINED);
  });

  it('still answers 422 with generic wording when auth.test fails, and asks again next time', async () => {
    slack.replies['conversations.info'] = channel({ is_member: false });
    slack.replies['auth.test'] = { status: 500, body: { ok: false } };
    const error = await failure(transport.verifyChannel('C0123456789'));
    expect(error.code).toBe(ErrorCode.NOTIFICATION_CHANNEL_NOT_JOINED);
    expect(error.detail).toMatch(/\/invite followed by the bot's name/);

    slack.replies['auth.test'] = { body: { ok: true, user: 'agentry-bot' } };
    expect((await failure(transport.verifyChannel('C0123456789'))).detail).toContain('/invite @agentry-bot');
    expect(slack.calls['auth.test']).toBe(2);
  });

  it.each<[string, Reply]>([
    ['an HTTP 500', { status: 500, body: { ok: false, error: 'internal_error' } }],
    ['a 429 with Retry-After: 30', { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '30' } }],
    ['invalid_auth', { body: { ok: false, error: 'invalid_auth' } }],
    ['no answer within SLACK_TIMEOUT_MS', { delayMs: 2000, body: { ok: true, channel: { is_member: true } } }],
  ])('reports Slack unavailable at once on %s, without retrying', async (_case, reply) => {
    slack.replies['conversations.info'] = reply;
    const started = Date.now();
    const error = await failure(transport.verifyChannel('C0123456789'));
    expect(error.code).toBe(ErrorCode.SLACK_UNAVAILABLE);
    expect(error.detail).toContain('nothing was saved');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(slack.calls['conversations.info']).toBe(1);
  });

  it('reports Slack unavailable when nothing listens', async () => {
    const closed = new StubSlack();
    await closed.start();
    await closed.stop();
    const offline = new SlackTransport({ SLACK_BOT_TOKEN: 'xoxb-unit', SLACK_API_URL: closed.url, SLACK_TIMEOUT_MS: 300 });
    const error = await failure(offline.verifyChannel('C0123456789'));
    expect(error.code).toBe(ErrorCode.SLACK_UNAVAILABLE);
    expect(error.detail).toMatch(/could not be reached/);
  });

  describe('postMessage', () => {
    const message = { text: 'Agent "Sales" succeeded', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'done' } }] };

    async function deliveryFailure(reply: Reply): Promise<DeliveryFailure> {
      slack.replies['chat.postMessage'] = reply;
      delete slack.calls['chat.postMessage'];
      const error = await transport.postMessage('C0123456789', message).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DeliveryFailed);
      expect(slack.calls['chat.postMessage']).toBe(1);
      return (error as DeliveryFailed).failure;
    }

    it("resolves with Slack's timestamp", async () => {
      slack.replies['chat.postMessage'] = { body: { ok: true, ts: '1716998400.000100' } };
      await expect(transport.postMessage('C0123456789', message)).resolves.toEqual({ ts: '1716998400.000100' });
    });

    it('classifies what Slack answers, trying once', async () => {
      expect(await deliveryFailure({ body: { ok: false, error: 'not_in_channel' } })).toEqual({ kind: 'permanent', error: 'not_in_channel' });
      expect(await deliveryFailure({ body: { ok: false, error: 'is_archived' } })).toEqual({ kind: 'permanent', error: 'is_archived' });
      expect(await deliveryFailure({ body: { ok: false, error: 'fatal_error' } })).toEqual({ kind: 'transient', error: 'fatal_error' });
    });

    it('hands a 429 back with its Retry-After instead of sleeping through it', async () => {
      const started = Date.now();
      expect(await deliveryFailure({ status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '30' } })).toEqual({
        kind: 'rate_limited',
        error: 'ratelimited',
        retryAfterMs: 30_000,
      });
      expect(Date.now() - started).toBeLessThan(1500);
    });

    it('calls a server error or a timeout transient', async () => {
      expect(await deliveryFailure({ status: 503, body: { ok: false } })).toEqual({ kind: 'transient', error: 'http_503' });
      // No answer: Slack may have posted it, so the retry looks first.
      expect(await deliveryFailure({ delayMs: 2000, body: { ok: true, ts: '1' } })).toEqual({ kind: 'transient', error: 'slack_unreachable', maybePosted: true });
    });

    it("carries the notification's id as message metadata, and nothing without one", async () => {
      slack.replies['chat.postMessage'] = { body: { ok: true, ts: '1716998400.000100' } };
      await transport.postMessage('C0123456789', message, '42');
      await transport.postMessage('C0123456789', message);
      const [withId, without] = slack.params['chat.postMessage']!;
      expect(JSON.parse(withId!.get('metadata')!)).toEqual({ event_type: 'agentry_notification', event_payload: { notification_id: '42' } });
      expect(without!.has('metadata')).toBe(false);
    });
  });

  describe('findPosted', () => {
    const since = new Date('2026-01-05T10:00:30Z');
    const message = (ts: string, notificationId?: string) => ({
      ts,
      text: 'x',
      ...(notificationId ? { metadata: { event_type: 'agentry_notification', event_payload: { notification_id: notificationId } } } : {}),
    });

    it("pages through the channel's history from a minute before the try, with metadata, until it finds the message", async () => {
      slack.replies['conversations.history'] = (params) =>
        params.get('cursor')
          ? { body: { ok: true, messages: [message('1767607200.000009', '7')], has_more: false } }
          : { body: { ok: true, messages: [message('1767607300.000001'), message('1767607250.000002', '8')], has_more: true, response_metadata: { next_cursor: 'page2' } } };
      await expect(transport.findPosted('C0123456789', '7', since)).resolves.toEqual({ ts: '1767607200.000009' });
      const [first, second] = slack.params['conversations.history']!;
      expect(Object.fromEntries(first!)).toMatchObject({ channel: 'C0123456789', oldest: String(since.getTime() / 1000 - 60), inclusive: 'true', include_all_metadata: 'true' });
      expect(second!.get('cursor')).toBe('page2');
    });

    it('finds nothing when no message carries the id', async () => {
      slack.replies['conversations.history'] = { body: { ok: true, messages: [message('1767607250.000002', '8')], has_more: false } };
      await expect(transport.findPosted('C0123456789', '7', since)).resolves.toBeUndefined();
    });

    it("cannot tell without the history scope, so it says not found; a 429 or a timeout is a failed try", async () => {
      slack.replies['conversations.history'] = { body: { ok: false, error: 'missing_scope' } };
      await expect(transport.findPosted('C0123456789', '7', since)).resolves.toBeUndefined();
      slack.replies['conversations.history'] = { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '60' } };
      await expect(transport.findPosted('C0123456789', '7', since)).rejects.toMatchObject({ failure: { kind: 'rate_limited', retryAfterMs: 60_000 } });
      slack.replies['conversations.history'] = { delayMs: 2000, body: { ok: true, messages: [] } };
      await expect(transport.findPosted('C0123456789', '7', since)).rejects.toBeInstanceOf(DeliveryFailed);
    });
  });
});
