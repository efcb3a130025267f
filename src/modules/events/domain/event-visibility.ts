import { AccessRights } from '../../access/domain/access.policy';
import { AccessLevel } from '../../access/domain/access-config';
import { Principal } from '../../auth/domain/principal';
import { LoggedEvent } from './event';
import { EVENT_TYPE_NAMES, EventType } from './event-types';

/**
 * What a member must be allowed on an event's agent to see the event: its runs and schedule come
 * with using the agent; everything else about it (configuration, access, ownership) with managing it.
 */
export function accessNeededFor(type: EventType): AccessLevel {
  return type.startsWith('run.') || type.startsWith('schedule.') ? 'use' : 'manage';
}

/** The types a member sees with `use` of the agent; the SQL filter of the audit route is built from this list. */
export const TYPES_SEEN_WITH_USE: readonly EventType[] = EVENT_TYPE_NAMES.filter((type) => accessNeededFor(type) === 'use');

/**
 * Whether `principal` may see `event` (SPEC §13). Another org's events: never. Org admins: all of
 * their org's. Everyone else: their own actions, and the events of agents they can use (run and
 * schedule events) or manage (all of that agent's events). `rights` is the access policy's verdict
 * (evaluateAccess) on the event's agent as it stands now, undefined when the event names none or
 * the agent is gone.
 */
export function canSeeEvent(principal: Principal, event: Pick<LoggedEvent, 'orgId' | 'type' | 'agentId' | 'actor'>, rights: AccessRights | undefined): boolean {
  if (event.orgId !== principal.orgId) return false;
  if (principal.isOrgAdmin || event.actor.subject === principal.subject) return true;
  if (event.agentId === null || !rights) return false;
  return accessNeededFor(event.type) === 'use' ? rights.canUse : rights.canManage;
}
