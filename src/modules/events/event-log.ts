import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows, sendRows } from '../../infrastructure/database/query-rows';
import { EventAnnouncer } from '../../infrastructure/database/event-announcer';
import { ReaderOutcome, UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { LoggedEvent, NewEvent } from './domain/event';
import { isEventType } from './domain/event-types';
import { APPEND_EVENTS_SQL, APPEND_EVENTS_UNREAD_SQL, appendParameters } from './event-log.sql';
import { EventDatabaseRow, toEvent } from './event-row';

/**
 * Something that follows the log in the transaction that appends to it, from the events as stored
 * (the Slack outbox): committed with them or not at all, like the events themselves. `wants` says
 * which events it reads; an append holding none of them does not wait for its rows.
 */
export interface LogReader {
  wants(event: NewEvent): boolean;
  read(db: EntityManager, events: readonly LoggedEvent[]): Promise<void>;
}

/**
 * The writer's side of the event log (SPEC §13). `append` has the shape of a reader of the write
 * seam (UnitOfWork.addReader): it runs in the transaction of the changes it records, before COMMIT,
 * so a rolled-back change leaves no event and a committed one always has its events.
 */
@Injectable()
export class EventLog implements OnModuleInit {
  private readonly readers: LogReader[] = [];

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly announcer: EventAnnouncer,
  ) {}

  /** Every change any use case records becomes an event, in its transaction. */
  onModuleInit(): void {
    this.unitOfWork.addReader((db, changes) => this.append(db, changes));
  }

  /** Readers register when their module starts, as the write seam's do. */
  addReader(reader: LogReader): void {
    this.readers.push(reader);
  }

  /**
   * Appends `events` in the caller's transaction, in one statement, and hands the stored events to the
   * log's readers that want them there; what it leaves for after COMMIT tells the streams. When no
   * reader wants any of them, the append is sent without waiting for its answer and goes out with the
   * transaction's COMMIT, in one write, for most writes (a PATCH's `agent.updated`): the unit of work
   * learns of a failure after COMMIT, which PostgreSQL then answered with ROLLBACK.
   */
  async append(db: EntityManager, events: readonly NewEvent[]): Promise<ReaderOutcome | undefined> {
    if (events.length === 0) return undefined;
    if (!db.queryRunner?.isTransactionActive) throw new Error('EventLog.append runs in the transaction of the change it records');
    const unknown = events.find((event) => !isEventType(event.type));
    if (unknown) throw new Error(`unknown event type ${JSON.stringify(unknown.type)}: add it to EVENT_TYPES`);
    const orgIds = new Set(events.map((event) => event.orgId));
    const afterCommit = () => this.announcer.announce(orgIds);
    const readers = this.readers.filter((reader) => events.some((event) => reader.wants(event)));
    if (readers.length === 0) {
      const { rows } = await sendRows(db, APPEND_EVENTS_UNREAD_SQL, appendParameters(events));
      return { unanswered: rows, afterCommit };
    }
    const stored = (await queryRows<EventDatabaseRow>(db, APPEND_EVENTS_SQL, appendParameters(events))).map(toEvent);
    for (const reader of readers) await reader.read(db, stored);
    return { afterCommit };
  }
}
