import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, RecordedChange, SYSTEM_ACTOR } from './change';
import { UnitOfWork } from './unit-of-work';

// Jest cannot load Nest's ESM packages (the app does, through require(esm)); the class only needs its decorator.
jest.mock('@nestjs/common', () => ({ Injectable: () => () => undefined }));

/** A DataSource whose transactions only log what reaches the database: BEGIN, statements, COMMIT or ROLLBACK. */
function fakeDatabase() {
  const log: string[] = [];
  const dataSource = {
    transaction: async <T>(work: (db: EntityManager) => Promise<T>): Promise<T> => {
      log.push('BEGIN');
      const db = { query: async (sql: string) => log.push(sql) } as unknown as EntityManager;
      try {
        const result = await work(db);
        log.push('COMMIT');
        return result;
      } catch (error) {
        log.push('ROLLBACK');
        throw error;
      }
    },
  } as unknown as DataSource;
  return { log, unitOfWork: new UnitOfWork(dataSource) };
}

const alice: Actor = { subject: 'user:alice', kind: 'user', requestId: 'req-1' };

describe('UnitOfWork', () => {
  it('validate-only: runs the use case whole, answers its result, rolls back and tells no reader', async () => {
    const { log, unitOfWork } = fakeDatabase();
    const heard: RecordedChange[][] = [];
    unitOfWork.addReader(async (_db, changes) => {
      heard.push([...changes]);
    });
    const result = await unitOfWork.run(
      alice,
      async (work) => {
        await work.db.query('UPDATE agents');
        work.record({ type: 'agent.updated', orgId: 'org', agentId: 7 });
        return 'would answer';
      },
      { validateOnly: true },
    );
    expect(result).toBe('would answer');
    expect(log).toEqual(['BEGIN', 'UPDATE agents', 'ROLLBACK']);
    expect(heard).toEqual([]);
    await expect(unitOfWork.run(alice, async () => Promise.reject(new Error('refused')), { validateOnly: true })).rejects.toThrow('refused');
  });

  it("hands the recorded changes, with the actor, to every reader through the transaction's connection, before COMMIT", async () => {
    const { log, unitOfWork } = fakeDatabase();
    const heard: RecordedChange[][] = [];
    unitOfWork.addReader(async (db, changes) => {
      heard.push([...changes]);
      await db.query('INSERT INTO outbox');
    });
    unitOfWork.addReader(async (db) => {
      await db.query('INSERT INTO events');
    });

    const result = await unitOfWork.run(alice, async (work) => {
      await work.db.query('UPDATE agents');
      work.record({ type: 'agent.paused', orgId: 'org', agentId: 7 });
      work.record([{ type: 'agent.updated', orgId: 'org', agentId: 7, data: { changes: [] } }]);
      return 'answer';
    });

    expect(result).toBe('answer');
    expect(log).toEqual(['BEGIN', 'UPDATE agents', 'INSERT INTO outbox', 'INSERT INTO events', 'COMMIT']);
    expect(heard).toEqual([
      [
        { type: 'agent.paused', orgId: 'org', agentId: 7, actor: alice },
        { type: 'agent.updated', orgId: 'org', agentId: 7, data: { changes: [] }, actor: alice },
      ],
    ]);
  });

  it('delivers nothing to readers from a transaction that rolls back', async () => {
    const { log, unitOfWork } = fakeDatabase();
    const reader = jest.fn(async () => undefined);
    unitOfWork.addReader(reader);

    await expect(
      unitOfWork.run(alice, async (work) => {
        await work.db.query('UPDATE agents');
        work.record({ type: 'agent.deleted', orgId: 'org', agentId: 7 });
        throw new Error('a later check refused the write');
      }),
    ).rejects.toThrow('a later check refused the write');

    expect(reader).not.toHaveBeenCalled();
    expect(log).toEqual(['BEGIN', 'UPDATE agents', 'ROLLBACK']);
  });

  it('rolls the change back when a reader fails: a change is never committed without what reads it', async () => {
    const { log, unitOfWork } = fakeDatabase();
    unitOfWork.addReader(async () => {
      throw new Error('outbox unavailable');
    });

    await expect(
      unitOfWork.run(SYSTEM_ACTOR, async (work) => {
        await work.db.query('UPDATE runs');
        work.record({ type: 'run.timed_out', orgId: 'org', agentId: 7, runId: 'run-1' });
      }),
    ).rejects.toThrow('outbox unavailable');

    expect(log).toEqual(['BEGIN', 'UPDATE runs', 'ROLLBACK']);
  });

  it("runs what a reader leaves for after COMMIT once the transaction committed, and never after a rollback", async () => {
    const { log, unitOfWork } = fakeDatabase();
    unitOfWork.addReader(async (db, changes) => {
      await db.query('INSERT INTO events');
      return { afterCommit: () => log.push(`announce ${changes.map((change) => change.orgId).join(',')}`) };
    });

    await unitOfWork.run(alice, async (work) => {
      work.record({ type: 'agent.paused', orgId: 'org', agentId: 7 });
    });
    await expect(
      unitOfWork.run(alice, async (work) => {
        work.record({ type: 'agent.paused', orgId: 'other', agentId: 8 });
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');

    expect(log).toEqual(['BEGIN', 'INSERT INTO events', 'COMMIT', 'announce org', 'BEGIN', 'ROLLBACK']);
  });

  it("fails with a reader's unanswered statement's error, found after the COMMIT it went out ahead of, and announces nothing", async () => {
    const { log, unitOfWork } = fakeDatabase();
    unitOfWork.addReader(async (db) => {
      await db.query('INSERT INTO events');
      const unanswered = Promise.reject(new Error('the append failed, so PostgreSQL rolled back'));
      unanswered.catch(() => undefined);
      return { unanswered, afterCommit: () => log.push('announce') };
    });

    await expect(
      unitOfWork.run(alice, async (work) => {
        work.record({ type: 'agent.updated', orgId: 'org', agentId: 7 });
      }),
    ).rejects.toThrow('the append failed, so PostgreSQL rolled back');
    expect(log).toEqual(['BEGIN', 'INSERT INTO events', 'COMMIT']);
  });

  it("reports an unanswered statement's failure, not the failure of what was sent behind it", async () => {
    const { unitOfWork } = fakeDatabase();
    unitOfWork.addReader(async () => {
      const unanswered = Promise.reject(new Error('the append failed'));
      unanswered.catch(() => undefined);
      return { unanswered };
    });
    unitOfWork.addReader(async () => {
      throw new Error('current transaction is aborted');
    });

    await expect(
      unitOfWork.run(alice, async (work) => {
        work.record({ type: 'agent.updated', orgId: 'org', agentId: 7 });
      }),
    ).rejects.toThrow('the append failed');
  });

  it('commits and announces once an unanswered statement succeeded', async () => {
    const { log, unitOfWork } = fakeDatabase();
    unitOfWork.addReader(async () => ({ unanswered: Promise.resolve([]), afterCommit: () => log.push('announce') }));

    await unitOfWork.run(alice, async (work) => {
      work.record({ type: 'agent.updated', orgId: 'org', agentId: 7 });
    });
    expect(log).toEqual(['BEGIN', 'COMMIT', 'announce']);
  });

  it('asks no reader anything when nothing was recorded', async () => {
    const { log, unitOfWork } = fakeDatabase();
    const reader = jest.fn(async () => undefined);
    unitOfWork.addReader(reader);

    await unitOfWork.run(alice, async (work) => {
      await work.db.query('SELECT 1 FOR UPDATE');
    });

    expect(reader).not.toHaveBeenCalled();
    expect(log).toEqual(['BEGIN', 'SELECT 1 FOR UPDATE', 'COMMIT']);
  });

  it('keeps each transaction to its own changes, however they interleave', async () => {
    const { unitOfWork } = fakeDatabase();
    const heard: string[][] = [];
    unitOfWork.addReader(async (_db, changes) => {
      heard.push(changes.map((change) => `${change.actor.subject} ${change.type}`));
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));

    const first = unitOfWork.run(alice, async (work) => {
      work.record({ type: 'agent.paused', orgId: 'org', agentId: 1 });
      await held;
    });
    await unitOfWork.run(SYSTEM_ACTOR, async (work) => {
      work.record({ type: 'run.timed_out', orgId: 'org', runId: 'run-1' });
    });
    release();
    await first;

    expect(heard).toEqual([['system run.timed_out'], ['user:alice agent.paused']]);
  });
});

describe('the write seam', () => {
  /**
   * Slack's own bookkeeping (delivery tries, digests) and the webhook fan-out change no state of an
   * agent, run or key (docs/decisions.md, "Code shape"); the schedule's read is a READ ONLY snapshot.
   */
  const OWN_TRANSACTIONS = ['notification-delivery.ts', 'digest.sweeper.ts', 'webhook-fanout.ts', 'schedules.service.ts'];

  it('is the only way a module opens a transaction, so no use case can write without recording', () => {
    const modules = join(__dirname, '..', '..', 'modules');
    const sources = (readdirSync(modules, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'));
    const opening = sources.filter((file) => /\.transaction\(/.test(readFileSync(join(modules, file), 'utf8')));
    expect(opening.map((file) => basename(file)).sort()).toEqual(OWN_TRANSACTIONS.sort());
  });
});
