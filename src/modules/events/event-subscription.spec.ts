import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { Principal } from '../auth/domain/principal';
import { LoggedEvent } from './domain/event';
import { EventType } from './domain/event-types';
import { frame, FramedBatch } from './event-frame';
import { StreamScope, Subscription } from './event-subscription';
import { SseSink } from './sse';

/** A response whose socket takes nothing: every write waits in `writableLength`, as for a client that stopped reading. */
class StalledResponse extends EventEmitter {
  /** What was written, as written: a batch's shared bytes are one Buffer for every stream. */
  readonly written: (string | Buffer)[] = [];
  writableLength = 0;
  destroyed = false;
  ended = false;
  get chunks(): string[] {
    return this.written.map(String);
  }
  write(chunk: string | Buffer): boolean {
    this.written.push(chunk);
    this.writableLength += Buffer.byteLength(chunk);
    return true;
  }
  end(last?: string): void {
    if (last) this.written.push(last);
    this.ended = true;
  }
}

const admin: Principal = { orgId: 'org', subject: 'user:admin', groups: [], isOrgAdmin: true };

let seq = 0n;
const event = (type: EventType, extra: Partial<LoggedEvent> = {}): LoggedEvent => ({
  position: { txid: 10n, seq: ++seq },
  type,
  at: new Date('2026-01-01T00:00:00Z'),
  orgId: 'org',
  agentId: 1,
  runId: null,
  actor: { subject: 'user:writer', kind: 'user' },
  requestId: null,
  data: {},
  ...extra,
});

function stream(scope: Partial<StreamScope> = {}, maxBufferedBytes = 1_000_000) {
  const raw = new StalledResponse();
  const subscription = new Subscription({ principal: admin, endsAtTerminalRunEvent: false, ...scope }, new SseSink(raw as unknown as ServerResponse, maxBufferedBytes), undefined, {
    accessOf: () => undefined,
  });
  subscription.goLive();
  return { raw, subscription };
}

describe('a stream fed by batches', () => {
  it('writes the events of a batch it shows as one chunk, the text shared by every stream that shows them all', () => {
    const batch = new FramedBatch([event('agent.updated'), event('agent.paused')].map(frame));
    const a = stream();
    const b = stream();
    a.subscription.offer(batch);
    b.subscription.offer(batch);
    expect(a.raw.chunks).toEqual([batch.events[0].message + batch.events[1].message]);
    expect(b.raw.written[0]).toBe(a.raw.written[0]);
  });

  it('writes only the events its filters match, in log order, still as one chunk', () => {
    const batch = new FramedBatch([event('agent.updated'), event('agent.paused'), event('agent.updated'), event('agent.resumed')].map(frame));
    const { raw, subscription } = stream({ types: new Set<EventType>(['agent.updated', 'agent.resumed']) });
    subscription.offer(batch);
    expect(raw.chunks).toEqual([batch.events[0].message + batch.events[2].message + batch.events[3].message]);
  });

  it('works out what a view shows once per batch: streams of one caller and filter share it, another filter or caller gets its own', () => {
    const batch = new FramedBatch([event('agent.updated'), event('agent.paused'), event('agent.updated')].map(frame));
    const updated = new Set<EventType>(['agent.updated']);
    const member: Principal = { orgId: 'org', subject: 'user:member', groups: [], isOrgAdmin: false };
    let judged = 0;
    const counted = (scope: Partial<StreamScope>) => {
      const raw = new StalledResponse();
      const subscription = new Subscription({ principal: admin, endsAtTerminalRunEvent: false, ...scope }, new SseSink(raw as unknown as ServerResponse, 1_000_000), undefined, {
        accessOf: () => {
          judged += 1;
          return { orgId: 'org', accessConfig: { owner: 'user:member', orgAccess: 'none', grants: [] } };
        },
      });
      subscription.goLive();
      return { raw, subscription };
    };
    const same = [counted({ principal: member, types: new Set(updated) }), counted({ principal: member, types: new Set(updated) })];
    const other = counted({ principal: { ...member, subject: 'user:other' }, types: new Set(updated) });
    for (const { subscription } of [...same, other]) subscription.offer(batch);
    // The member owns agent 1: both updates. Another member sees nothing of it.
    expect(same[0].raw.chunks).toEqual([batch.events[0].message + batch.events[2].message]);
    expect(same[1].raw.written[0]).toBe(same[0].raw.written[0]);
    expect(other.raw.chunks).toEqual([]);
    // The agent's access was looked up by the first stream of each view only.
    expect(judged).toBe(2);
  });

  it('sends nothing at or before the last event it sent, so a catch-up and the live feed may overlap', () => {
    const events = [event('agent.updated'), event('agent.updated'), event('agent.updated')].map(frame);
    const { raw, subscription } = stream();
    subscription.sendCaughtUp(events.slice(0, 2));
    subscription.offer(new FramedBatch(events));
    expect(raw.chunks).toEqual([events[0].message + events[1].message, events[2].message]);
  });

  it('ends a run stream after its terminal event, sending nothing after it', () => {
    const events = [event('run.started'), event('run.succeeded'), event('run.action_taken')].map(frame);
    const { raw, subscription } = stream({ endsAtTerminalRunEvent: true });
    subscription.offer(new FramedBatch(events));
    expect(raw.chunks).toEqual([events[0].message + events[1].message]);
    expect(raw.ended).toBe(true);
  });

  it('closes with overflow, naming the last event sent, once what waits for the client passes the limit: as if each event were written alone', () => {
    const events = Array.from({ length: 5 }, () => frame(event('agent.updated', { data: { big: 'x'.repeat(100) } })));
    const size = events[0].message.length;
    // Room for two events; the third is written while the buffer is still within the limit, the fourth is not.
    const { raw, subscription } = stream({}, 2 * size + 1);
    subscription.offer(new FramedBatch(events));
    expect(raw.chunks[0]).toBe(events[0].message + events[1].message + events[2].message);
    expect(raw.ended).toBe(true);
    expect(raw.chunks[1]).toMatch(new RegExp(`^event: overflow\ndata: \\{"lastEventId":"${events[2].id}"`));
  });
});
