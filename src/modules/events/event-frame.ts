import { LoggedEvent } from './domain/event';
import { toEventResponse } from './event-response.mapper';
import { sseMessage } from './sse';

/** An event as streams send it: its id and its SSE message, made once however many streams send it. */
export interface FramedEvent {
  readonly event: LoggedEvent;
  readonly id: string;
  readonly message: string;
}

export function frame(event: LoggedEvent): FramedEvent {
  const data = toEventResponse(event);
  return { event, id: data.id, message: sseMessage({ id: data.id, event: event.type, data }) };
}

/** The text of `events[from..to)`, one chunk: one write, one system call, whatever their number. */
export function joinMessages(events: readonly FramedEvent[], from = 0, to = events.length): string {
  let text = '';
  for (let i = from; i < to; i++) text += events[i].message;
  return text;
}

/**
 * One read of an org's live events, framed once for all of the org's streams here. Most streams
 * show every event of a read (no filter, or the filter the burst was written for): they share one
 * joined text instead of each building its own.
 */
export class FramedBatch {
  private joined: string | undefined;

  constructor(readonly events: readonly FramedEvent[]) {}

  get text(): string {
    this.joined ??= joinMessages(this.events);
    return this.joined;
  }
}
