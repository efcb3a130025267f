import type { Server } from 'node:http';
import { AGENTS, deployableTask, freshOrg } from './support/agents';
import { Pair, startPair } from './support/crash';
import { withDatabase } from './support/database';
import { callsAbout, FakeCall, FakePost, postsTo, startFakeSlack } from './support/fake-slack';
import { api, RequestOptions } from './support/http';
import { user } from './support/principals';
import { eventually } from './support/runs';

/**
 * Issue #20: `kill -9` of an instance while its chat.postMessage is in flight. A fake Slack of this
 * test's own tells the instances apart (each calls it under its own path) and, when a CHANG…
 * channel's first message arrives, posts it and kills the instance that sent it before answering:
 * Slack shows the message, the dead instance never recorded it. A CLOST… channel's first message
 * never arrives at all. The survivor must finish every delivery, and Slack's log must equal the
 * delivery log: every notification delivered, each message in Slack once, with the logged ts.
 */
const unique = () => Math.random().toString(36).slice(2, 10).toUpperCase();

interface Row {
  id: string;
  channel: string;
  status: string;
  attempts: number;
  slackTs: string | null;
}

describe('kill -9 mid-Slack-delivery', () => {
  let slack: { url: string; server: Server };
  let pair: Pair;
  let victim: 'a' | 'b' | undefined;
  const org = freshOrg();
  const admin = user(org, 'slack-admin', { admin: true });

  beforeAll(async () => {
    slack = await startFakeSlack({
      onHeld: (call: FakeCall) => {
        if (victim || !call.channel.startsWith('CHANG') || (call.via !== 'a' && call.via !== 'b')) return;
        victim = call.via;
        pair.apps[victim].process.kill('SIGKILL');
      },
    });
    pair = await startPair('agentry_crash_slack_test', (label) => ({
      SLACK_API_URL: new URL(`/${label}/api/`, slack.url).toString(),
      // A try holds its notification about 4 s (Slack's timeout, the channel's pace, a margin): the survivor takes over soon after.
      SLACK_TIMEOUT_MS: '1000',
      NOTIFY_CHANNEL_INTERVAL_MS: '100',
      NOTIFY_RETRY_BASE_MS: '300',
    }));
  }, 60_000);
  afterAll(async () => {
    await pair?.close();
    slack?.server.closeAllConnections();
    await new Promise((resolve) => slack?.server.close(resolve));
  });

  /** A request to whichever instance is still alive (the kill may come at any moment of the setup). */
  async function call(method: string, path: string, options: RequestOptions = {}): Promise<any> {
    for (const label of ['a', 'b'] as const) {
      if (label === victim) continue;
      try {
        return await api(method, path, { ...options, baseUrl: pair.apps[label].url });
      } catch (error) {
        if (label === 'b') throw error; // both tried
      }
    }
    throw new Error('no instance alive');
  }

  it('the survivor delivers everything, and Slack shows each message once: the one Slack got before the crash is found, not re-posted', async () => {
    const key = await call('POST', '/api/v1/api-keys', { ...admin, body: { name: 'runtime', role: 'runtime' } });
    expect(key.status).toBe(201);
    const runtime = { apiKey: key.body.key as string };
    const channels = [`CLOST${unique()}`, `CMEMBER${unique()}`, `CMEMBER${unique()}`, `CHANG${unique()}`];
    const agents: { id: number; channel: string }[] = [];
    for (const channel of channels) {
      const created = await call('POST', AGENTS, { ...admin, body: deployableTask({ notificationConfig: { slackChannelId: channel, events: {} } }) });
      expect(created.status).toBe(201);
      expect((await call('POST', `${AGENTS}/${created.body.id}/deploy`, admin)).status).toBe(200);
      agents.push({ id: created.body.id, channel });
    }
    // Each agent's run notifies twice (action_taken, outcome). The CHANG… channel's message, whose
    // arrival kills its sender, is the last and only one of its run: every request here is answered by then.
    for (const agent of agents) {
      expect((await call('POST', `${AGENTS}/${agent.id}/runs`, { ...admin, body: {} })).status).toBe(201);
      const claimed = await call('POST', '/api/v1/runtime/claim', { ...runtime, body: { agentIds: [agent.id], waitSeconds: 5 } });
      expect(claimed.status).toBe(200);
      const notifying = agent.channel.startsWith('CHANG') ? [] : [{ type: 'action_taken', message: 'one' }];
      for (const event of [{ type: 'started' }, ...notifying, { type: 'outcome', output: 1, message: 'two' }]) {
        expect((await call('POST', `/api/v1/runs/${claimed.body.run.id}/events`, { ...runtime, body: event })).status).toBe(200);
      }
    }

    const log = () =>
      withDatabase(
        async (db) =>
          (
            await db.query(
              `SELECT id::text AS id, channel, status, attempts, slack_ts AS "slackTs" FROM notifications WHERE agent_id = ANY($1) ORDER BY id`,
              [agents.map((agent) => agent.id)],
            )
          ).rows as Row[],
        pair.url,
      );
    const delivered = await eventually(
      async () => {
        const rows = await log();
        return rows.length === 2 * agents.length - 1 && rows.every((row) => row.status === 'delivered') ? rows : undefined;
      },
      25_000,
      'every notification delivered',
    );
    expect(victim).toBeDefined();
    const survivor = victim === 'a' ? 'b' : 'a';
    expect(pair.apps[survivor].process.exitCode).toBeNull();

    // As many messages in Slack as notifications delivered, in every channel: nothing was sent twice.
    const counts = async (of: (channel: string) => Promise<number>) => Object.fromEntries(await Promise.all(channels.map(async (channel) => [channel, await of(channel)])));
    expect(await counts(async (channel) => (await postsTo(slack.url, channel)).length)).toEqual(await counts(async (channel) => delivered.filter((row) => row.channel === channel).length));
    for (const channel of channels) {
      const posts: FakePost[] = await postsTo(slack.url, channel);
      const rows = delivered.filter((row) => row.channel === channel);
      // Slack's log and the delivery log agree: one message per notification, carrying its id, with the logged ts
      // (in any order: a retried message comes after the next one).
      const byId = (x: { notificationId?: string }, y: { notificationId?: string }) => Number(x.notificationId) - Number(y.notificationId);
      const posted = posts.map((post) => ({ notificationId: (post.metadata as { event_payload?: { notification_id?: string } } | null)?.event_payload?.notification_id, ts: post.ts })).sort(byId);
      expect({ channel, posted }).toEqual({ channel, posted: rows.map((row) => ({ notificationId: row.id, ts: row.slackTs })).sort(byId) });
    }

    // The message Slack got from the dead instance was found by the survivor, which posted nothing for it.
    const [heldChannel] = channels.slice(-1);
    const held = await callsAbout(slack.url, heldChannel!);
    expect(held.filter((c) => c.method === 'chat.postMessage').map((c) => c.via)).toEqual([victim]);
    // The survivor looked for it (again, if a look itself timed out on a loaded machine) before posting anything.
    const looks = held.filter((c) => c.method === 'conversations.history');
    expect(looks.length).toBeGreaterThan(0);
    expect(looks.every((c) => c.via === survivor)).toBe(true);
    const [heldPost] = await postsTo(slack.url, heldChannel!);
    expect(heldPost!.answer).toBe('held');
    expect(delivered.find((row) => row.channel === heldChannel && row.slackTs === heldPost!.ts)?.attempts).toBeGreaterThanOrEqual(2);
    // The message that never reached Slack was posted once more, after a look that found nothing.
    const lost = await callsAbout(slack.url, channels[0]!);
    expect(lost.filter((c) => c.method === 'chat.postMessage').length).toBe(3);
    expect((await postsTo(slack.url, channels[0]!)).length).toBe(2);
  }, 90_000);
});
