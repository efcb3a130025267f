import { NotificationEvent } from '../../agents/domain/notification-config';
import { SlackMessage } from '../../notification-transport/domain/slack-delivery';

/** The run events that can notify, each with the toggle of `notificationConfig.events` that governs it. */
export const NOTIFYING_EVENTS = {
  action_taken: 'actionTaken',
  approval_required: 'approvalRequired',
  outcome: 'outcome',
  error: 'error',
} as const satisfies Record<string, NotificationEvent>;
export type NotifyingEvent = keyof typeof NOTIFYING_EVENTS;
export type NotificationKind = NotifyingEvent | 'digest' | 'budget_exceeded';

export function isNotifyingEvent(type: string): type is NotifyingEvent {
  return Object.hasOwn(NOTIFYING_EVENTS, type);
}

/** What a run event's notification says, captured when the event is written. */
export interface RunEventSnapshot {
  kind: 'run_event';
  agentId: number;
  agentName: string;
  event: NotifyingEvent;
  runId: string;
  runStatus: string;
  version: number;
  trigger: string;
  message: string | null;
  error: { code: string; message: string } | null;
}

/** What a daily digest says: the agent's runs of the 24 hours before it was made. */
export interface DigestSnapshot {
  kind: 'digest';
  agentId: number;
  agentName: string;
  from: string;
  to: string;
  runsByStatus: Record<string, number>;
  failures: { runId: string; code: string | null; message: string | null }[];
}

/** What a crossed monthly budget says (SPEC §15), from its `agent.budget_exceeded` event. */
export interface BudgetSnapshot {
  kind: 'budget';
  agentId: number;
  agentName: string;
  month: string;
  spentUsd: number;
  monthlyUsd: number;
  onExceeded: 'pause' | 'notify';
}

export type NotificationSnapshot = RunEventSnapshot | DigestSnapshot | BudgetSnapshot;

const EVENT_TITLES: Record<NotifyingEvent, string> = {
  action_taken: 'took an action',
  approval_required: 'needs approval',
  outcome: 'succeeded',
  error: 'failed',
};

/** Slack rejects a section text over 3,000 characters (msg_too_long would fail the message for good). */
const MAX_SECTION = 2900;
/** The digest lists this many failures and counts the rest. */
export const DIGEST_FAILURES_SHOWN = 10;

export function messageFor(snapshot: NotificationSnapshot): SlackMessage {
  if (snapshot.kind === 'budget') return budgetMessage(snapshot);
  return snapshot.kind === 'digest' ? digestMessage(snapshot) : runEventMessage(snapshot);
}

function runEventMessage(s: RunEventSnapshot): SlackMessage {
  const headline = `Agent "${s.agentName}" ${EVENT_TITLES[s.event]}`;
  const detail = s.event === 'error' && s.error ? `${s.error.code}: ${s.error.message}` : s.message;
  const text = detail ? `${headline}: ${clip(detail, 200)}` : headline;
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(headline, 150) } },
    {
      type: 'section',
      fields: [
        field('Agent', `${s.agentName} (#${s.agentId})`),
        field('Event', s.event),
        field('Run status', s.runStatus),
        field('Version', String(s.version)),
        field('Trigger', s.trigger),
        field('Run', s.runId),
      ],
    },
  ];
  if (detail) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(escape(detail), MAX_SECTION) } });
  return { text, blocks };
}

function digestMessage(s: DigestSnapshot): SlackMessage {
  const total = Object.values(s.runsByStatus).reduce((sum, n) => sum + n, 0);
  const byStatus = Object.entries(s.runsByStatus)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${status}: ${n}`)
    .join(', ');
  const text = `Daily digest for agent "${s.agentName}": ${total} run${total === 1 ? '' : 's'} in the last 24 hours (${byStatus})`;
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(`Daily digest: ${s.agentName}`, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(escape(`${total} runs from ${s.from} to ${s.to}. ${byStatus}.`), MAX_SECTION) } },
  ];
  if (s.failures.length > 0) {
    const failed = s.runsByStatus.failed ?? s.failures.length;
    const lines = s.failures.map((f) => `• ${f.runId}: ${f.code ?? 'error'}${f.message ? `: ${f.message}` : ''}`);
    if (failed > s.failures.length) lines.push(`…and ${failed - s.failures.length} more`);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(escape(`*Failures*\n${lines.join('\n')}`), MAX_SECTION) } });
  }
  return { text, blocks };
}

function budgetMessage(s: BudgetSnapshot): SlackMessage {
  const consequence = s.onExceeded === 'pause' ? 'It was paused: resume it to run again this month.' : 'It keeps running.';
  const text = `Agent "${s.agentName}" passed its monthly budget: $${s.spentUsd} of $${s.monthlyUsd} in ${s.month}. ${consequence}`;
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(`Agent "${s.agentName}" passed its monthly budget`, 150) } },
      { type: 'section', fields: [field('Agent', `${s.agentName} (#${s.agentId})`), field('Month', s.month), field('Spent', `$${s.spentUsd}`), field('Budget', `$${s.monthlyUsd}`)] },
      { type: 'section', text: { type: 'mrkdwn', text: clip(escape(consequence), MAX_SECTION) } },
    ],
  };
}

/** The message `POST /agents/{id}/notifications/test` sends. */
export function testMessage(agentName: string, agentId: number): SlackMessage {
  const text = `Test message from Agentry for agent "${agentName}": notifications reach this channel.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: clip(escape(text), MAX_SECTION) } }, { type: 'context', elements: [{ type: 'mrkdwn', text: `Agent #${agentId}` }] }] };
}

function field(label: string, value: string): object {
  return { type: 'mrkdwn', text: clip(`*${label}*\n${escape(value)}`, 1900) };
}

/** Slack's mrkdwn treats these three as control characters. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
