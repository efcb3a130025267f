import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../../infrastructure/database/query-rows';
import { AfterCommit, UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { NewEvent } from './domain/event';
import { isEventType } from './domain/event-types';
import { EventAnnouncer } from './event-announcer';
import { APPEND_EVENTS_SQL, appendParameters } from './event-log.sql';

/**
 * The writer's side of the event log (SPEC §13). `append` has the shape of a reader of the write
 * seam (UnitOfWork.addReader): it runs in the transaction of the changes it records, before COMMIT,
 * so a rolled-back change leaves no event and a committed one always has its events.
 */
@Injectable()
export class EventLog implements OnModuleInit {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly announcer: EventAnnouncer,
  ) {}

  /** Every change any use case records becomes an event, in its transaction. */
  onModuleInit(): void {
    this.unitOfWork.addReader((db, changes) => this.append(db, changes));
  }

  /** Appends `events` in the caller's transaction, in one statement; what it returns tells the streams, after COMMIT. */
  async append(db: EntityManager, events: readonly NewEvent[]): Promise<AfterCommit | undefined> {
    if (events.length === 0) return undefined;
    if (!db.queryRunner?.isTransactionActive) throw new Error('EventLog.append runs in the transaction of the change it records');
    const unknown = events.find((event) => !isEventType(event.type));
    if (unknown) throw new Error(`unknown event type ${JSON.stringify(unknown.type)}: add it to EVENT_TYPES`);
    const stored = await queryRows<{ org_id: string }>(db, APPEND_EVENTS_SQL, appendParameters(events));
    const orgIds = new Set(stored.map((row) => row.org_id));
    return () => this.announcer.announce(orgIds);
  }
}
