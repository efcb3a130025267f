import { Client, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { validateConfig } from '../src/infrastructure/config/app-config';
import { queryPipelined, sendRows } from '../src/infrastructure/database/query-rows';
import { TimeoutSafeClient } from '../src/infrastructure/database/timeout-safe-client';
import { typeormOptions } from '../src/infrastructure/database/typeorm-options';

/**
 * The service's connections pipeline: a transaction's BEGIN goes out with its first statement, and
 * statements sent together (queryPipelined) share one round trip. What must hold is what one at a
 * time gave: each statement in order, inside its transaction, a read behind a lock seeing what the
 * lock's holder committed, and the first error reported.
 */
describe('pipelined statements', () => {
  const url = process.env.E2E_DATABASE_URL ?? '';
  const table = `pipelined_${process.pid}`;
  let dataSource: DataSource;
  let other: Client;
  let watcher: Client;

  beforeAll(async () => {
    dataSource = new DataSource(typeormOptions(validateConfig({ DATABASE_URL: url, DB_POOL_SIZE: '2' }), url));
    await dataSource.initialize();
    other = new Client({ connectionString: url });
    await other.connect();
    watcher = new Client({ connectionString: url });
    await watcher.connect();
    await other.query(`CREATE TABLE ${table} (id int PRIMARY KEY, holder text NOT NULL, note text)`);
  });

  afterAll(async () => {
    await other.query(`DROP TABLE IF EXISTS ${table}`);
    await other.end();
    await watcher.end();
    await dataSource.destroy();
  });

  beforeEach(() => other.query(`TRUNCATE ${table}; INSERT INTO ${table} VALUES (1, 'first', NULL)`));

  it('the service pool pipelines', async () => {
    await dataSource.transaction(async (db) => {
      expect(((await db.queryRunner!.connect()) as PoolClient & { pipeline: boolean }).pipeline).toBe(true);
    });
  });

  it("answers START TRANSACTION without waiting for the server, whose answer comes with the next statement's", async () => {
    const client = new TimeoutSafeClient({ connectionString: url, pipeline: true });
    await client.connect();
    const socket = (client as unknown as { connection: { stream: { pause(): void; resume(): void } } }).connection.stream;
    try {
      socket.pause(); // nothing the server sends is read
      let timer: NodeJS.Timeout | undefined;
      const started = await Promise.race([client.query('START TRANSACTION'), new Promise((resolve) => (timer = setTimeout(() => resolve('waited for the server'), 2000)))]);
      clearTimeout(timer);
      expect(started).toMatchObject({ command: 'START' });
      socket.resume();
      await client.query(`UPDATE ${table} SET note = 'rolled back' WHERE id = 1`);
      expect(client.getTransactionStatus()).toBe('T');
      await client.query('ROLLBACK');
      expect((await other.query(`SELECT note FROM ${table}`)).rows).toEqual([{ note: null }]);
    } finally {
      socket.resume();
      await client.end();
    }
  });

  it('commits a transaction whose use wrote nothing, and keeps what one wrote', async () => {
    await dataSource.transaction(async () => undefined);
    await dataSource.transaction((db) => db.query(`UPDATE ${table} SET note = 'kept' WHERE id = 1`));
    expect((await other.query(`SELECT note FROM ${table}`)).rows).toEqual([{ note: 'kept' }]);
  });

  it('reads, behind a lock it waited for, what the holder committed, both statements sent before the lock was granted', async () => {
    await other.query('BEGIN');
    await other.query(`SELECT 1 FROM ${table} WHERE id = 1 FOR UPDATE`);
    await other.query(`UPDATE ${table} SET holder = 'second' WHERE id = 1`);
    let sent = 0;
    const read = dataSource.transaction(async (db) => {
      const client = (await db.queryRunner!.connect()) as PoolClient;
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: unknown }).query = (...args: unknown[]) => (sent++, query(...args));
      return queryPipelined<[{ id: number }, { holder: string }]>(db, [
        { sql: `SELECT id FROM ${table} WHERE id = $1 FOR UPDATE`, parameters: [1] },
        { sql: `SELECT (SELECT holder FROM ${table} t WHERE t.id = $1) AS holder`, parameters: [1] },
      ]);
    });
    // The pipelined lock waits for the holder, and the read behind it is already sent and waits too.
    // Looked for from its own connection: the holder's open transaction would keep the first snapshot
    // of pg_stat_activity it took, and a look taken before the lock arrived never saw it (CI, once).
    let waiting = false;
    try {
      for (let i = 0; i < 250 && !waiting; i++) {
        const { rows } = await watcher.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`, [`%${table} WHERE id = $1 FOR UPDATE%`]);
        waiting = rows[0].n === 1;
        if (!waiting) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(waiting).toBe(true);
      expect(sent).toBe(2);
    } finally {
      await other.query('COMMIT');
    }
    expect(await read).toEqual([[{ id: 1 }], [{ holder: 'second' }]]);
  });

  it('writes the BEGIN, a pipelined lock and read, and an unanswered statement with the COMMIT, in two writes to the socket', async () => {
    const writes: string[] = [];
    const { rows } = await dataSource.transaction(async (db) => {
      const client = (await db.queryRunner!.connect()) as PoolClient;
      const stream = (client as unknown as { connection: { stream: { _write: Function; _writev: Function } } }).connection.stream;
      const [write, writev] = [stream._write, stream._writev];
      stream._write = function (...args: unknown[]) {
        writes.push('write');
        return write.apply(this, args);
      };
      stream._writev = function (...args: unknown[]) {
        writes.push('writev');
        return writev.apply(this, args);
      };
      await queryPipelined(db, [
        { sql: `SELECT id FROM ${table} WHERE id = $1 FOR UPDATE`, parameters: [1] },
        { sql: `SELECT holder FROM ${table} WHERE id = $1`, parameters: [1] },
      ]);
      const sent = await sendRows(db, `UPDATE ${table} SET note = 'held' WHERE id = $1 RETURNING note`, [1]);
      expect(writes).toHaveLength(1);
      // Not awaited here: its answer comes with the COMMIT's.
      return sent;
    });
    expect(writes).toHaveLength(2);
    expect(await rows).toEqual([{ note: 'held' }]);
    expect((await other.query(`SELECT note FROM ${table}`)).rows).toEqual([{ note: 'held' }]);
  });

  it('writes a held statement alone when its holder awaits its answer before sending another', async () => {
    const note = await dataSource.transaction(async (db) => {
      const { rows } = await sendRows<{ note: string }>(db, `UPDATE ${table} SET note = 'awaited' WHERE id = $1 RETURNING note`, [1]);
      return (await rows)[0]!.note;
    });
    expect(note).toBe('awaited');
  });

  it('fails the COMMIT behind an unanswered statement that failed, even when nobody awaits that statement, and keeps nothing', async () => {
    let client: PoolClient | undefined;
    const run = dataSource.transaction(async (db) => {
      client = (await db.queryRunner!.connect()) as PoolClient;
      await db.query(`UPDATE ${table} SET note = 'rolled back' WHERE id = 1`);
      await sendRows(db, `SELECT 1 / (SELECT count(*)::int - 1 FROM ${table})`);
    });
    await expect(run).rejects.toThrow('COMMIT was answered with ROLLBACK');
    expect((await other.query(`SELECT note FROM ${table}`)).rows).toEqual([{ note: null }]);
    expect((client as unknown as { connection: { stream: { writableCorked: number } } }).connection.stream.writableCorked).toBe(0);
  });

  it('leaves the pool clean after a transaction that failed before its first statement', async () => {
    await expect(
      dataSource.transaction(async () => {
        throw new Error('before any statement');
      }),
    ).rejects.toThrow('before any statement');
    for (let i = 0; i < 3; i++) {
      await dataSource.transaction(async (db) => {
        expect(await db.query(`SELECT ${i} AS i`)).toEqual([{ i }]);
        expect(((await db.queryRunner!.connect()) as PoolClient & Client).getTransactionStatus()).toBe('T');
      });
    }
  });

  it('reports the first failure, not the aborted transaction after it, and rolls back', async () => {
    const run = dataSource.transaction((db) =>
      queryPipelined(db, [
        { sql: `UPDATE ${table} SET note = 'rolled back' WHERE id = 1` },
        { sql: `SELECT 1 / (SELECT count(*)::int - 1 FROM ${table})` },
        { sql: `SELECT 1` },
      ]),
    );
    await expect(run).rejects.toThrow('division by zero');
    expect((await other.query(`SELECT note FROM ${table}`)).rows).toEqual([{ note: null }]);
  });
});
