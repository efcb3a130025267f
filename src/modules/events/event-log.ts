import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../../infrastructure/database/query-rows';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { NewEvent } from './domain/event';
import { isEventType } from './domain/event-types';
import { APPEND_EVENTS_SQL, appendParameters } from './event-log.sql';

/**
 * The writer's side of the event log (SPEC §13). `append` has the shape of a reader of the write
 * seam (UnitOfWork.addReader): it runs in the transaction of the changes it records, before COMMIT,
 * so a rolled-back change leaves no event and a committed one always has its events.
 */
@Injectable()
export class EventLog implements OnModuleInit {
  constructor(private readonly unitOfWork: UnitOfWork) {}

  /** Every change any use case records becomes an event, in its transaction. */
  onModuleInit(): void {
    this.unitOfWork.addReader((db, changes) => this.append(db, changes));
  }

  /** Appends `events` in the caller's transaction, in one statement; open streams hear of them at COMMIT. */
  async append(db: EntityManager, events: readonly NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (!db.queryRunner?.isTransactionActive) throw new Error('EventLog.append runs in the transaction of the change it records');
    const unknown = events.find((event) => !isEventType(event.type));
    if (unknown) throw new Error(`unknown event type ${JSON.stringify(unknown.type)}: add it to EVENT_TYPES`);
    await queryRows(db, APPEND_EVENTS_SQL, appendParameters(events));
  }
}
