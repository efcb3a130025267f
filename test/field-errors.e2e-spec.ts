import { randomUUID } from 'node:crypto';
import { AGENTS, createAgent, freshOrg } from './support/agents';
import { errorFields } from './support/errors';
import { api, ApiResponse, expectProblem } from './support/http';
import { user } from './support/principals';

/**
 * Issue #20: a 400 lists every offending field once, found in one pass: the DTO's types and sizes
 * together with the rules of the field's own content (notification config, schedule trigger, workflow
 * graph, duplicate tools, grants, what a create requires), on /api/v1 and on both seed shapes.
 */
const TOOL = '8f0e2c4a-1b3d-4e5f-9a7b-6c5d4e3f2a1b';

/** The offending fields of a 400, sorted, after checking that none is listed twice. */
function offendingFields(errors: { field: string }[] | undefined): string[] {
  const fields = errorFields({ errors });
  expect(fields).toEqual([...new Set(fields)]);
  return fields.sort();
}

const problemFields = (response: ApiResponse) => offendingFields(expectProblem(response, 400, 'VALIDATION_FAILED').errors);

function envelopeFields(response: ApiResponse): string[] {
  expect({ status: response.status, body: response.body }).toMatchObject({ status: 400, body: { status: 'error', status_code: 400, code: 'VALIDATION_FAILED', data: null } });
  return offendingFields(response.body.errors);
}

describe('a 400 lists every offending field once, in one pass', () => {
  const org = freshOrg();
  const alice = user(org, 'alice');
  let agent: { id: number; uid: string };

  beforeAll(async () => {
    agent = await createAgent(alice);
  });

  it('/api/v1: a wrong name and an empty notificationConfig are both listed, the name once', async () => {
    const response = await api('PATCH', `${AGENTS}/${agent.id}`, { ...alice, body: { name: 5, notificationConfig: {} } });
    expect(problemFields(response)).toEqual(['name', 'notificationConfig.slackChannelId']);
    expect(response.body.errors.find((e: { field: string }) => e.field === 'name').message).toBe('name must be a string');
  });

  it('/api/v1: type errors and the rules of every self-contained field together', async () => {
    const body = {
      name: 5,
      trigger: { type: 'schedule', schedule: { cron: '61 * * * *', timezone: 'Mars/Olympus' } },
      tools: [{ toolId: TOOL }, { toolId: TOOL }],
      accessConfig: { grants: [{ principal: 'everyone', access: 'use' }] },
      workflowStructure: { nodes: [{ id: 'a', type: 'http' }], edges: [{ id: 'e', source: 'a', target: 'ghost' }] },
      notificationConfig: { slackChannelId: '#general', events: { digest: 'daily', weekly: true } },
    };
    expect(problemFields(await api('PATCH', `${AGENTS}/${agent.id}`, { ...alice, body }))).toEqual([
      'accessConfig.grants[0].principal',
      'name',
      'notificationConfig.events.digest',
      'notificationConfig.events.weekly',
      'notificationConfig.slackChannelId',
      'tools[1].toolId',
      'trigger.schedule.cron',
      'trigger.schedule.timezone',
      'workflowStructure.edges[0].target',
    ]);
  });

  it('/api/v1: a create without its required name lists it with the other faults', async () => {
    expect(problemFields(await api('POST', AGENTS, { ...alice, body: { type: 'robot', notificationConfig: {} } }))).toEqual(['name', 'notificationConfig.slackChannelId', 'type']);
  });

  it("/api/agents: seed 002's own template body lists every offending field, in its naming", async () => {
    // The PATCH example of shared/seeds/002_695b5e17ecd19c15.txt, as written.
    const template = { name: '<string>', description: '<string>', instructions: '<string>', status: '<string>', notification_config: {} };
    expect(envelopeFields(await api('PATCH', `/api/agents/${agent.uid}`, { ...alice, body: template }))).toEqual(['notification_config.slack_channel_id', 'status']);
  });

  it('/api/agents: nested notification fields are named by their snake_case path', async () => {
    const body = { name: 5, notification_config: { slack_channel_id: 'C0123456789', events: { digest: 'yes', weekly: true } } };
    expect(envelopeFields(await api('PATCH', `/api/agents/${agent.uid}`, { ...alice, body }))).toEqual(['name', 'notification_config.events.digest', 'notification_config.events.weekly']);
  });

  it('/v2/chat/agents: a wrong fullName and a repeated tool on a PATCH, a missing fullName on a create', async () => {
    expect(problemFields(await api('PATCH', `/v2/chat/agents/${agent.uid}`, { ...alice, body: { fullName: 5, tools: [{ toolId: TOOL }, { toolId: TOOL }] } }))).toEqual([
      'fullName',
      'tools[1].toolId',
    ]);
    expect(problemFields(await api('POST', '/v2/chat/agents', { ...alice, body: { description: 5 } }))).toEqual(['description', 'fullName']);
  });

  it("a run event: an outcome's missing output with its other faults", async () => {
    expect(problemFields(await api('POST', `/api/v1/runs/${randomUUID()}/events`, { ...alice, body: { type: 'outcome', message: 5 } }))).toEqual(['message', 'output']);
    expect(problemFields(await api('POST', `/api/v1/runs/${randomUUID()}/events`, { ...alice, body: { type: 'error', data: 'x'.repeat(300 * 1024) } }))).toEqual(['data', 'error']);
  });
});
