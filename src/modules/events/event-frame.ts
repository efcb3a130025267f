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
 * One read of an org's live events, framed once for all of the org's streams here. Streams with the
 * same view (the same caller, as access sees it, and the same filters) show the same events of it:
 * `select` works that out once per view and the selection's joined text is shared too, so a thousand
 * streams of one caller cost one pass over the batch, not a thousand.
 */
export class FramedBatch {
  private joined: Buffer | undefined;
  private readonly views = new Map<string, FramedBatch>();

  constructor(readonly events: readonly FramedEvent[]) {}

  /** The joined text, encoded once: a thousand streams writing a string would each encode it again. */
  get bytes(): Buffer {
    this.joined ??= Buffer.from(joinMessages(this.events));
    return this.joined;
  }

  /** The events of the batch that `view` shows (`shows` decides, for the first stream of that view). */
  select(view: string, shows: (event: LoggedEvent) => boolean): FramedBatch {
    let selected = this.views.get(view);
    if (!selected) {
      const events = this.events.filter((framed) => shows(framed.event));
      selected = events.length === this.events.length ? this : new FramedBatch(events);
      this.views.set(view, selected);
    }
    return selected;
  }
}
