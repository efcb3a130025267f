import { createAgent } from './support/agents';
import { BOT_NAME } from './support/fake-slack';
import { api, expectProblem } from './support/http';
import { tokenFor } from './support/tokens';

/**
 * The shared service runs with SLACK_BOT_TOKEN and SLACK_API_URL pointing at the fake Slack, which
 * answers by channel id prefix: CMEMBER… joined, CNOTMEMBER… not joined, CUNKNOWN… channel_not_found,
 * CFAIL… HTTP 500, CLIMIT… HTTP 429 with Retry-After: 30.
 */
describe('Notification config', () => {
  const owner = tokenFor({ sub: 'notif-owner' });
  const defaults = { actionTaken: true, approvalRequired: true, outcome: true, error: true, digest: false };

  /** Every test starts from an agent without a notification config, and checks that default on the way. */
  async function unconfiguredAgent(): Promise<{ id: number; etag: string }> {
    const agent = await createAgent(owner, { name: 'Daily report' });
    expect(agent.notificationConfig).toBeNull();
    return agent;
  }

  const patch = (id: number, body: unknown, baseUrl?: string) => api('PATCH', `/api/v1/agents/${id}`, { token: owner, baseUrl, body });
  const get = (id: number) => api('GET', `/api/v1/agents/${id}`, { token: owner });

  /** What a rejected PATCH must leave exactly as it was. */
  async function snapshot(id: number) {
    const response = await get(id);
    expect(response.status).toBe(200);
    const { name, description, notificationConfig, etag } = response.body;
    return { name, description, notificationConfig, etag };
  }

  it('accepts a channel the bot is in and fills in the event defaults', async () => {
    const agent = await unconfiguredAgent();
    const response = await patch(agent.id, { notificationConfig: { slackChannelId: 'CMEMBER001' } });
    expect(response.status).toBe(200);
    expect(response.body.notificationConfig).toEqual({ slackChannelId: 'CMEMBER001', events: defaults });
    expect((await get(agent.id)).body.notificationConfig).toEqual({ slackChannelId: 'CMEMBER001', events: defaults });
  });

  it('keeps the toggles given and defaults only the missing ones', async () => {
    const agent = await unconfiguredAgent();
    const response = await patch(agent.id, { notificationConfig: { slackChannelId: 'CMEMBER002', events: { outcome: false, digest: true } } });
    expect(response.status).toBe(200);
    expect(response.body.notificationConfig).toEqual({ slackChannelId: 'CMEMBER002', events: { ...defaults, outcome: false, digest: true } });
  });

  it('changes only the toggles when the same channel is sent again', async () => {
    const agent = await unconfiguredAgent();
    expect((await patch(agent.id, { notificationConfig: { slackChannelId: 'CMEMBER003' } })).status).toBe(200);
    const response = await patch(agent.id, { notificationConfig: { slackChannelId: 'CMEMBER003', events: { error: false } } });
    expect(response.status).toBe(200);
    expect(response.body.notificationConfig).toEqual({ slackChannelId: 'CMEMBER003', events: { ...defaults, error: false } });
  });

  it('clears the config with null', async () => {
    const agent = await unconfiguredAgent();
    expect((await patch(agent.id, { notificationConfig: { slackChannelId: 'CMEMBER004' } })).status).toBe(200);
    const response = await patch(agent.id, { notificationConfig: null });
    expect(response.status).toBe(200);
    expect(response.body.notificationConfig).toBeNull();
    expect((await get(agent.id)).body.notificationConfig).toBeNull();
  });

  it('rejects a channel the bot is not in with 422, naming the bot to /invite, and writes nothing', async () => {
    const agent = await unconfiguredAgent();
    const before = await snapshot(agent.id);
    const problem = expectProblem(
      await patch(agent.id, { name: 'Changed', description: 'x', notificationConfig: { slackChannelId: 'CNOTMEMBER01' } }),
      422,
      'NOTIFICATION_CHANNEL_NOT_JOINED',
    );
    expect(problem.detail).toContain(`/invite @${BOT_NAME}`);
    expect(problem.detail).toContain('CNOTMEMBER01');
    expect(await snapshot(agent.id)).toEqual(before);
    expect(before).toMatchObject({ name: 'Daily report', notificationConfig: null });
  });

  it('rejects an unknown channel with the same 422', async () => {
    const agent = await unconfiguredAgent();
    const before = await snapshot(agent.id);
    const problem = expectProblem(await patch(agent.id, { notificationConfig: { slackChannelId: 'CUNKNOWN01' } }), 422, 'NOTIFICATION_CHANNEL_NOT_JOINED');
    expect(problem.detail).toContain('/invite');
    expect(await snapshot(agent.id)).toEqual(before);
  });

  it('keeps the old channel when changing to one the bot is not in', async () => {
    const agent = await unconfiguredAgent();
    expect((await patch(agent.id, { notificationConfig: { slackChannelId: 'CMEMBER005', events: { digest: true } } })).status).toBe(200);
    const before = await snapshot(agent.id);
    expectProblem(await patch(agent.id, { notificationConfig: { slackChannelId: 'CNOTMEMBER02' } }), 422, 'NOTIFICATION_CHANNEL_NOT_JOINED');
    expect(await snapshot(agent.id)).toEqual(before);
    expect(before.notificationConfig).toEqual({ slackChannelId: 'CMEMBER005', events: { ...defaults, digest: true } });
  });

  it('answers 503 with Retry-After when Slack fails, and writes nothing of the PATCH', async () => {
    const agent = await unconfiguredAgent();
    const before = await snapshot(agent.id);
    const response = await patch(agent.id, { name: 'Changed', description: 'x', notificationConfig: { slackChannelId: 'CFAIL0001' } });
    const problem = expectProblem(response, 503, 'SLACK_UNAVAILABLE');
    expect(problem.detail).toMatch(/nothing was saved/);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await snapshot(agent.id)).toEqual(before);
  });

  it("answers 503 at once when Slack rate-limits, instead of waiting out Retry-After, and passes Slack's wait on", async () => {
    const agent = await unconfiguredAgent();
    const before = await snapshot(agent.id);
    const started = Date.now();
    const response = await patch(agent.id, { name: 'Changed', description: 'x', notificationConfig: { slackChannelId: 'CLIMIT001' } });
    // Honouring Slack's Retry-After: 30 (or retrying) would take 30 s or more.
    expect(Date.now() - started).toBeLessThan(10_000);
    const problem = expectProblem(response, 503, 'SLACK_UNAVAILABLE');
    // One number in the header and the detail: Slack's own.
    expect(response.headers.get('retry-after')).toBe('30');
    expect(problem.detail).toContain('Retry in 30 s');
    expect(await snapshot(agent.id)).toEqual(before);
  });

  it('rejects an unknown event with 400 naming it', async () => {
    const agent = await unconfiguredAgent();
    const problem = expectProblem(
      await patch(agent.id, { notificationConfig: { slackChannelId: 'CMEMBER006', events: { foo: true } } }),
      400,
      'VALIDATION_FAILED',
    );
    expect(problem.errors.map((e: { field: string }) => e.field)).toContain('notificationConfig.events.foo');
    expect((await get(agent.id)).body.notificationConfig).toBeNull();
  });

  it('rejects a channel name instead of an id with 400', async () => {
    const agent = await unconfiguredAgent();
    const problem = expectProblem(await patch(agent.id, { notificationConfig: { slackChannelId: '#general' } }), 400, 'VALIDATION_FAILED');
    expect(problem.errors.map((e: { field: string }) => e.field)).toContain('notificationConfig.slackChannelId');
  });
});
