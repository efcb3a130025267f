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
 * Something that must follow every recorded change, committed with it or not at all (the event log,
 * which the Slack outbox reads in turn). It writes through `db`, the transaction's own connection.
 */
export type ChangeReader = (db: EntityManager, changes: readonly RecordedChange[]) => Promise<ReaderOutcome | undefined>;

/**
 * What a reader leaves once it has written: `unanswered`, a statement it sent without waiting
 * (sendRows), which reaches PostgreSQL ahead of the COMMIT and is answered with it; `afterCommit`,
 * what to do once the transaction committed.
 */
export interface ReaderOutcome {
  unanswered?: Promise<unknown>;
  afterCommit?: AfterCommit;
}

/**
 * What a reader does once the transaction has committed (never after a rollback), for what must not
 * be part of it (the event log's announcement). It cannot fail the write: it handles its own errors.
 */
export type AfterCommit = () => void;

/**
 * The one way a use case writes: `run(actor, work => …)` opens the transaction, the use case records
 * what it changed with `work.record`, and before COMMIT the recorded changes go to every reader, in
 * the same transaction; what a reader leaves for after COMMIT runs once it succeeded. A reader's
 * statement sent without waiting is awaited after the COMMIT it went out ahead of: had it failed, the
 * COMMIT rolled back, and the use case fails with its error. A use case that
 * throws rolls back, and its readers never hear of it. The request's idempotency key, if it holds
 * one, is marked used in the same transaction too.
 */
@Injectable()
export class UnitOfWork {
  private readonly readers: ChangeReader[] = [];

  constructor(private readonly dataSource: DataSource) {}

  /** Readers register when their module starts, so a module that writes depends on none of them. */
  addReader(reader: ChangeReader): void {
    this.readers.push(reader);
  }

  /**
   * With `validateOnly` (AIP-163) the use case runs whole, every check and write included, and its
   * transaction is then rolled back: the caller gets what the call would have answered, and nothing
   * is kept, no reader hears of it (no event, no notification), no job is queued and no NOTIFY is sent.
   */
  async run<T>(actor: Actor, use: (work: Work) => Promise<T>, options: { validateOnly?: boolean } = {}): Promise<T> {
    if (options.validateOnly) {
      try {
        await this.dataSource.transaction(async (db) => {
          throw new RolledBack(await use({ db, record: () => undefined }));
        });
      } catch (error) {
        if (error instanceof RolledBack) return error.result as T;
        throw error;
      }
      throw new Error('a validate-only unit of work always rolls back');
    }
    const afterCommit: AfterCommit[] = [];
    const unanswered: Promise<unknown>[] = [];
    const transaction = this.dataSource.transaction(async (db) => {
      const recorded: RecordedChange[] = [];
      const record = (changes: Change | readonly Change[]) => {
        for (const change of Array.isArray(changes) ? changes : [changes]) recorded.push({ ...change, actor });
      };
      const value = await use({ db, record });
      if (recorded.length > 0) {
        for (const reader of this.readers) {
          const outcome = await reader(db, recorded);
          if (outcome?.unanswered) {
            // Its failure is reported after the transaction, not as an unhandled rejection before.
            outcome.unanswered.catch(() => undefined);
            unanswered.push(outcome.unanswered);
          }
          if (outcome?.afterCommit) afterCommit.push(outcome.afterCommit);
        }
      }
      // A request with an Idempotency-Key marks its key used in the same transaction as its write.
      await currentIdempotencyScope()?.committed(db, value);
      return value;
    });
    // What failed behind an unanswered statement that failed (the idempotency key's write, or the
    // COMMIT, which PostgreSQL answered with ROLLBACK: TimeoutSafeClient) failed because of it: its
    // own error is the one to report.
    const result = await transaction.catch(async (error: unknown) => {
      await Promise.all(unanswered);
      throw error;
    });
    await Promise.all(unanswered);
    for (const then of afterCommit) then();
    return result;
  }
}

/** Carries a validate-only use case's answer out of the transaction it rolls back. */
class RolledBack {
  constructor(readonly result: unknown) {}
}
