import { BudgetSnapshot, DigestSnapshot, isNotifyingEvent, messageFor, RunEventSnapshot, testMessage } from './notification-message';

const event: RunEventSnapshot = {
  kind: 'run_event',
  agentId: 7,
  agentName: 'Sales <report> & co',
  event: 'error',
  runId: '5b0e7e43-4a43-4c6e-9b8e-2f1d5a9c0e11',
  runStatus: 'failed',
  version: 3,
  trigger: 'schedule',
  message: 'The CRM did not answer.',
  error: { code: 'crm_down', message: 'The CRM did not answer.' },
};

describe('notification messages', () => {
  it('notifies the four run events of SPEC §7 and nothing else', () => {
    expect(['action_taken', 'approval_required', 'outcome', 'error'].every(isNotifyingEvent)).toBe(true);
    expect(['started', 'cancelled', 'approved', 'lease_expired', 'toString', '__proto__'].some(isNotifyingEvent)).toBe(false);
  });

  it('says the event in a short text, and shows agent, event, status, version, trigger, message and run in blocks', () => {
    const { text, blocks } = messageFor(event);
    expect(text).toBe('Agent "Sales <report> & co" failed: crm_down: The CRM did not answer.');
    const shown = JSON.stringify(blocks);
    for (const part of ['Sales &lt;report&gt; &amp; co (#7)', '*Event*\\nerror', '*Run status*\\nfailed', '*Version*\\n3', '*Trigger*\\nschedule', event.runId, 'crm_down: The CRM did not answer.']) {
      expect(shown).toContain(part);
    }
  });

  it('keeps every block under Slack’s limits, even for a huge message', () => {
    const { text, blocks } = messageFor({ ...event, event: 'outcome', error: null, message: 'x'.repeat(50_000) });
    expect(Array.from(text).length).toBeLessThan(300);
    for (const block of blocks as { text?: { text: string } }[]) expect(Array.from(block.text?.text ?? '').length).toBeLessThanOrEqual(3000);
  });

  it('summarises a digest: runs by status, and the failures with their errors', () => {
    const digest: DigestSnapshot = {
      kind: 'digest',
      agentId: 7,
      agentName: 'Sales',
      from: '2026-11-24T09:00:00.000Z',
      to: '2026-11-25T09:00:00.000Z',
      runsByStatus: { succeeded: 3, failed: 12 },
      failures: Array.from({ length: 10 }, (_, i) => ({ runId: `run-${i}`, code: 'crm_down', message: 'The CRM did not answer.' })),
    };
    const { text, blocks } = messageFor(digest);
    expect(text).toBe('Daily digest for agent "Sales": 15 runs in the last 24 hours (failed: 12, succeeded: 3)');
    const shown = JSON.stringify(blocks);
    expect(shown).toContain('run-9: crm_down: The CRM did not answer.');
    expect(shown).toContain('…and 2 more');
  });

  it('names the agent in the test message', () => {
    expect(testMessage('Sales', 7).text).toBe('Test message from Agentry for agent "Sales": notifications reach this channel.');
  });

  it('says what a crossed budget did, escaping the agent name in the blocks', () => {
    const budget: BudgetSnapshot = { kind: 'budget', agentId: 7, agentName: 'Sales <report>', month: '2026-05', spentUsd: 512.5, monthlyUsd: 500, onExceeded: 'pause' };
    const message = messageFor(budget);
    expect(message.text).toBe('Agent "Sales <report>" passed its monthly budget: $512.5 of $500 in 2026-05. It was paused: resume it to run again this month.');
    expect(JSON.stringify(message.blocks)).toContain('Sales &lt;report&gt; (#7)');
    expect(messageFor({ ...budget, onExceeded: 'notify' }).text).toMatch(/It keeps running\.$/);
  });
});
