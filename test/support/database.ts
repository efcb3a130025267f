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
