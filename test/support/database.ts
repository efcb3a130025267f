import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * Runs `fn` on a fresh connection to the e2e database (or `url`) and always closes it. For the few
 * tests that must set up what the API cannot, such as an expired transfer or a sequence near a boundary.
 */
export async function withDatabase<T>(fn: (db: Client) => Promise<T>, url = process.env.E2E_DATABASE_URL): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A database of its own on the suite's PostgreSQL server, for a service whose background work must
 * not mix with the suite service's (another configuration working the same queues). Drop it after.
 */
export async function ownDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const url = new URL(process.env.E2E_DATABASE_URL ?? '');
  url.pathname = `/${name}`;
  await withDatabase((db) => db.query(`CREATE DATABASE ${name}`));
  return { url: url.toString(), drop: () => withDatabase((db) => db.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined) };
}
