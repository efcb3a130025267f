/**
 * Every event type (SPEC §13), with what it records. The const table is the one list: the writer
 * refuses a type that is not in it, globs are matched against it, and the API documents it.
 */
export const EVENT_TYPES = {
  'agent.created': 'An agent was created.',
  'agent.updated': "An agent's fields changed; `data.changes` is `[{field, before, after}]`, as the diff route shows them.",
  'agent.deployed': 'A draft was published; `data.version` is the new active version.',
  'agent.draft_discarded': 'The pending draft was discarded.',
  'agent.paused': 'The agent was paused.',
  'agent.resumed': 'The agent was resumed.',
  'agent.schedule_toggled': 'The schedule was switched on or off.',
  'agent.deleted': 'The agent was deleted (soft).',
  'agent.undeleted': 'The agent was restored.',
  'agent.access_changed': "The agent's access (`orgAccess`, grants, owner) changed; `data.changes` holds before and after.",
  'agent.notifications_changed': "The agent's Slack notification settings changed.",
  'agent.ownership_transfer.requested': 'An ownership transfer was requested.',
  'agent.ownership_transfer.accepted': 'The recipient accepted an ownership transfer: the agent has a new owner.',
  'agent.ownership_transfer.declined': 'The recipient declined an ownership transfer.',
  'agent.ownership_transfer.cancelled': 'An ownership transfer was cancelled.',
  'agent.ownership_transfer.expired': 'An ownership transfer expired unanswered.',
  'agent.budget_exceeded': "The agent's spend this UTC month passed its `budget` (§15), once a month; `data`: `{month, spentUsd, monthlyUsd, onExceeded}`. With `pause` an `agent.paused` follows.",
  'environment.updated': 'An environment changed (§14).',
  'run.queued': 'A run was queued.',
  'run.claimed': 'A runtime claimed the run.',
  'run.started': 'The runtime started the run.',
  'run.action_taken': 'The runtime reported an action.',
  'run.approval_required': 'The run waits for approval.',
  'run.approved': 'The run was approved and goes back to the queue.',
  'run.rejected': 'The run was rejected and goes back to the queue.',
  'run.retrying': 'The run goes back to the queue for another attempt (§15).',
  'run.lease_expired': 'A claim lapsed before the runtime started the run: it goes back to the queue (after three claims the run fails).',
  'run.claim_revoked': 'The key that claimed the run was revoked before it started: the run goes back to the queue.',
  'run.succeeded': 'The run finished with an output.',
  'run.failed': 'The run failed.',
  'run.cancelled': 'The run was cancelled.',
  'run.timed_out': 'The run fell silent for longer than its timeout.',
  'schedule.tick_skipped': "A schedule tick was skipped: the agent's previous scheduled run had not finished.",
  'schedule.tick_missed': 'Schedule ticks passed while no instance ran.',
  'api_key.created': 'An API key was created (its secret never appears).',
  'api_key.revoked': 'An API key was revoked.',
  'webhook_endpoint.created': 'A webhook endpoint was created (its secret never appears).',
  'webhook_endpoint.updated': 'A webhook endpoint changed.',
  'webhook_endpoint.disabled': 'A webhook endpoint was disabled.',
  'webhook_endpoint.deleted': 'A webhook endpoint was deleted.',
} as const;

export type EventType = keyof typeof EVENT_TYPES;

export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];

export const isEventType = (text: string): text is EventType => Object.hasOwn(EVENT_TYPES, text);

/** A run's stream ends after the first of these. */
export const TERMINAL_RUN_EVENTS: ReadonlySet<EventType> = new Set<EventType>(['run.succeeded', 'run.failed', 'run.cancelled', 'run.timed_out']);

/** Events after which who may see an agent's events can differ: open streams evaluate access again. */
export const ACCESS_CHANGING_EVENTS: ReadonlySet<EventType> = new Set<EventType>(['agent.access_changed', 'agent.ownership_transfer.accepted']);
