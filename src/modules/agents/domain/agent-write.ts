import { FieldError } from '../../../common/errors/field-error';
import { NotificationConfig } from './notification-config';
import { CONTENT_FIELDS, defaultContent, VariationContent } from '../../variation-store/domain/variation-content';
import { applyAgentPatch, contentOf, nextNotificationConfig, Patchable } from './agent-patch';
import { contentErrors } from './content-rules';
import { UpdateMask } from './update-mask';

/** What a request asks to write into an agent: the plain body and which of its fields count. */
export interface AgentWrite {
  body: Record<string, unknown>;
  mask: UpdateMask;
}

export type NotificationWrite = { written: false } | { written: true; config: NotificationConfig | null };

/** For writes that never touch notificationConfig (restore). */
export const NO_NOTIFICATION_CHANGE: NotificationWrite = { written: false };

/** The write planned against what the agent holds: every value decided, every self-contained rule checked. */
export interface AgentWritePlan {
  next: Patchable;
  written: (keyof Patchable)[];
  content: VariationContent;
  notification: NotificationWrite;
}

/**
 * The notification part of a write, checked first: a PATCH needs it before its transaction, so that
 * the Slack check happens without a row lock or a pooled connection held.
 */
export function planNotificationWrite(write: AgentWrite): NotificationWrite | { errors: FieldError[] } {
  return nextNotificationConfig(write.body, write.mask);
}

/**
 * One pipeline for create, PATCH and restore: the request applied to what the agent holds now
 * (AIP-134), then the content rules. What needs the database (sub-agents, the access guard) comes after.
 */
export function planAgentWrite(current: Patchable, write: AgentWrite): AgentWritePlan | { errors: FieldError[] } {
  const notification = planNotificationWrite(write);
  if ('errors' in notification) return notification;
  const patched = applyAgentPatch(current, write.body, write.mask);
  if ('errors' in patched) return patched;
  const { next, written } = patched;
  if (notification.written) next.notificationConfig = notification.config;
  const content = contentOf(next);
  const errors = contentErrors(content);
  return errors.length > 0 ? { errors } : { next, written, content, notification };
}

/** What a new agent starts from before its create request is applied: defaults, with the caller as owner. */
export function newAgentBase(owner: string, body: Record<string, unknown>): Patchable | { errors: FieldError[] } {
  if (typeof body.name !== 'string') return { errors: [{ field: 'name', message: 'name is required' }] };
  return {
    ...defaultContent(body.name, (body.type as VariationContent['type'] | undefined) ?? 'task'),
    accessConfig: { owner, orgAccess: 'none', grants: [] },
    notificationConfig: null,
  };
}

/** Restoring a variation is a write of its whole content (and nothing of the agent's own settings). */
export function restoreWrite(content: VariationContent): AgentWrite {
  return { body: { ...content }, mask: { kind: 'paths', paths: [...CONTENT_FIELDS] } };
}
