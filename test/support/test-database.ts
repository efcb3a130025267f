import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDatabase } from '../../src/infrastructure/database/embedded-database';
import { withDatabase } from './database';
import { freePort } from './free-port';

export interface TestDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * TEST_DATABASE_URL when given (its database name must contain "test": the schema is wiped),
 * else a throwaway embedded PostgreSQL on a free port in a temporary directory.
 */
export async function startTestDatabase(): Promise<TestDatabase> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    const name = decodeURIComponent(new URL(external).pathname.slice(1));
    if (!/test/i.test(name)) {
      throw new Error(`Refusing to run tests on database "${name}": TEST_DATABASE_URL must name a database whose name contains "test".`);
    }
    await resetSchema(external);
    return { url: external, stop: async () => undefined };
  }
  const embedded = await EmbeddedDatabase.start({
    dataDir: mkdtempSync(join(tmpdir(), 'agentry-test-pg-')),
    port: await freePort(),
    persistent: false,
  });
  return { url: embedded.url, stop: () => embedded.stop() };
}

function resetSchema(url: string): Promise<void> {
  return withDatabase(async (db) => {
    await db.query('DROP SCHEMA IF EXISTS public CASCADE');
    // pg-boss's jobs belong to the data they were made for: a previous run's would outlive it.
    await db.query('DROP SCHEMA IF EXISTS pgboss CASCADE');
    await db.query('CREATE SCHEMA public');
  }, url);
}
