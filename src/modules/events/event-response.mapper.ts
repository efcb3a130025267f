import { LoggedEvent } from './domain/event';
import { encodeEventId } from './domain/event-position';
import { EventResponseDto } from './dto/event.dto';

export function toEventResponse(event: LoggedEvent): EventResponseDto {
  return {
    id: encodeEventId(event.position),
    type: event.type,
    at: event.at.toISOString(),
    orgId: event.orgId,
    agentId: event.agentId,
    runId: event.runId,
    actor: event.actor,
    requestId: event.requestId,
    data: event.data,
  };
}
