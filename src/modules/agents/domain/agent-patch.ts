import { FieldError } from '../../../common/errors/field-error';
import { AccessConfig, validateGrants } from '../../access/domain/access-config';
import { NotificationConfig, normalizeNotificationConfig } from './notification-config';
import { CONTENT_FIELDS, defaultContent, VariationContent } from '../../variation-store/domain/variation-content';
import { applyUpdateMask, UpdateMask } from './update-mask';

/** Everything a PATCH can write: the draft's content plus the agent's own, unversioned settings. */
export type Patchable = VariationContent & { accessConfig: AccessConfig; notificationConfig: NotificationConfig | null };

export const UPDATABLE_FIELDS: readonly (keyof Patchable)[] = [...CONTENT_FIELDS, 'accessConfig', 'notificationConfig'];
const REQUIRED: readonly (keyof Patchable)[] = ['name', 'type'];

type AccessConfigInput = { owner?: string; orgAccess?: AccessConfig['orgAccess']; grants?: AccessConfig['grants'] };

function defaultsFor(current: Patchable): Partial<Patchable> {
  const { name: _name, type: _type, ...content } = defaultContent(current.name, current.type);
  return { ...content, accessConfig: { owner: current.accessConfig.owner, orgAccess: 'none', grants: [] }, notificationConfig: null };
}

/** Whether the mask writes a field, and the raw value it gets (absent under a mask means its default). */
export function maskedValue(body: Record<string, unknown>, mask: UpdateMask, field: keyof Patchable): { written: boolean; value: unknown } {
  const present = Object.hasOwn(body, field) && body[field] !== undefined;
  if (mask.kind === 'present') return { written: present, value: body[field] };
  const written = mask.kind === 'all' || mask.paths.includes(field);
  return { written, value: present ? body[field] : undefined };
}

export function nextNotificationConfig(body: Record<string, unknown>, mask: UpdateMask): { written: false } | { written: true; config: NotificationConfig | null } | { errors: FieldError[] } {
  const { written, value } = maskedValue(body, mask, 'notificationConfig');
  if (!written) return { written: false };
  const normalized = normalizeNotificationConfig(value ?? null);
  return 'errors' in normalized ? normalized : { written: true, config: normalized.config };
}

/**
 * Applies a PATCH body to what the locked row holds (AIP-134 semantics), then resolves the fields
 * with rules of their own: accessConfig keeps the owner (and omitted members), voice gets its null.
 */
export function applyAgentPatch(current: Patchable, body: Record<string, unknown>, mask: UpdateMask): { next: Patchable; written: (keyof Patchable)[] } | { errors: FieldError[] } {
  type PatchRecord = Patchable & Record<string, unknown>;
  const applied = applyUpdateMask<PatchRecord>(current as PatchRecord, body, mask, defaultsFor(current) as Partial<PatchRecord>, REQUIRED);
  if ('errors' in applied) return applied;
  const { next, written } = applied;
  const errors: FieldError[] = [];

  if (written.includes('accessConfig')) {
    const input = maskedValue(body, mask, 'accessConfig').value as AccessConfigInput | undefined;
    if (input?.owner !== undefined && input.owner !== current.accessConfig.owner) {
      errors.push({ field: 'accessConfig.owner', message: 'the owner changes only through ownership transfer (POST /api/v1/agents/{id}/ownership-transfer)' });
    }
    next.accessConfig = {
      owner: current.accessConfig.owner,
      orgAccess: input?.orgAccess ?? (input ? current.accessConfig.orgAccess : 'none'),
      grants: input?.grants ?? (input ? current.accessConfig.grants : []),
    };
    errors.push(...validateGrants(next.accessConfig.grants));
  }
  if (written.includes('voice')) next.voice = { enabled: next.voice.enabled, pipelineMode: next.voice.pipelineMode ?? null };
  if (written.includes('name')) next.name = next.name.trim();
  return errors.length > 0 ? { errors } : { next, written: written as (keyof Patchable)[] };
}

/** A validated DTO as the plain JSON the client sent: absent fields gone, `null` kept. */
export function plainBody(dto: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(dto)) as Record<string, unknown>;
}

export function contentOf(patchable: Patchable): VariationContent {
  const { accessConfig: _access, notificationConfig: _notifications, ...content } = patchable;
  return content;
}
