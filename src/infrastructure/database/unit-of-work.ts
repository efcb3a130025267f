import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { currentIdempotencyScope } from '../idempotency/idempotency-scope';
import { Actor, Change, RecordedChange } from './change';

/** A use case's transaction: its connection, and where it records what it changed. */
export interface Work {
  readonly db: EntityManager;
  /** Records what the use case changed (one change, or the many a sweep made). */
  record(changes: Change | readonly Change[]): void;
}

/**
 * Something that must follow every recorded change, committed with it or not at all (the Slack
 * outbox today, the event log next). It writes through `db`, the transaction's own connection.
 */
export type ChangeReader = (db: EntityManager, changes: readonly RecordedChange[]) => Promise<void>;

/**
 * The one way a use case writes: `run(actor, work => …)` opens the transaction, the use case records
 * what it changed with `work.record`, and before COMMIT the recorded changes go to every reader, in
 * the same transaction. A use case that throws rolls back, and its readers never hear of it. The
 * request's idempotency key, if it holds one, is marked used in the same transaction too.
 */
@Injectable()
export class UnitOfWork {
  private readonly readers: ChangeReader[] = [];

  constructor(private readonly dataSource: DataSource) {}

  /** Readers register when their module starts, so a module that writes depends on none of them. */
  addReader(reader: ChangeReader): void {
    this.readers.push(reader);
  }

  run<T>(actor: Actor, use: (work: Work) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (db) => {
      const recorded: RecordedChange[] = [];
      const record = (changes: Change | readonly Change[]) => {
        for (const change of Array.isArray(changes) ? changes : [changes]) recorded.push({ ...change, actor });
      };
      const result = await use({ db, record });
      if (recorded.length > 0) for (const reader of this.readers) await reader(db, recorded);
      // A request with an Idempotency-Key marks its key used in the same transaction as its write.
      await currentIdempotencyScope()?.committed(db, result);
      return result;
    });
  }
}
