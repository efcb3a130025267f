import { isoOrNull } from '../../common/http/iso-date';
import { RunEventResponseDto, RunResponseDto } from './dto/run.dto';
import { RunEventRow, RunRow } from './run.row';

/** The one function that decides what of a run leaves the service (claims and leases stay inside). */
export function toRunResponse(run: RunRow, events?: RunEventRow[]): RunResponseDto {
  return {
    id: run.id,
    agentId: run.agentId,
    variationId: run.variationId,
    variationVersion: run.variationVersion,
    environment: run.environment,
    routedTo: run.routedTo,
    status: run.status,
    trigger: run.trigger,
    scheduledFor: isoOrNull(run.scheduledFor),
    input: run.input,
    output: run.output,
    error: run.error,
    approval: run.approval,
    attempt: run.attempt,
    createdBy: run.createdBy,
    createdAt: new Date(run.createdAt).toISOString(),
    claimedAt: isoOrNull(run.claimedAt),
    startedAt: isoOrNull(run.startedAt),
    finishedAt: isoOrNull(run.finishedAt),
    usage: run.usage,
    // Only on replays, so every other run keeps the shape it always had.
    ...(run.replayOf ? { replayOf: run.replayOf } : {}),
    ...(events ? { events: events.map((event) => toRunEventResponse(event, run.retries > 0)) } : {}),
  };
}

/** A run tried more than once numbers its events by attempt; one tried once shows them as it always did. */
function toRunEventResponse(event: RunEventRow, numbered: boolean): RunEventResponseDto {
  return { seq: event.seq, ...(numbered ? { attempt: event.attempt } : {}), type: event.type, message: event.message, data: event.data, at: new Date(event.at).toISOString() };
}
