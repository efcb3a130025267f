// The floor the service is measured against (npm run bench): plain Fastify + pg on the service's own
// schema, doing only the SQL each benchmarked operation needs. No framework, no ORM, no validation, no
// logging, no auth beyond the one read an API key needs (a JWT needs none); rows go out as they come. It is a yardstick, not a second implementation:
// the service must stay within a ratio of it (README, "Benchmark").
// Env: DATABASE_URL, PORT, ORG_ID (every request acts in that org), DB_POOL_SIZE (as the service's).
import Fastify from 'fastify';
import pg from 'pg';

const org = process.env.ORG_ID;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_SIZE ?? 10), application_name: 'agentry-floor' });

// What a caller sees of an agent: the row, its grants and a pending transfer, as the service reads it.
const AGENT = `a.id, a.uid, a.org_id, a.slug, a.status, a.name, a.type, a.description, a.owner, a.org_access,
  COALESCE((SELECT json_agg(json_build_object('principal', g.principal, 'access', g.access) ORDER BY g.position)
            FROM agent_grants g WHERE g.agent_id = a.id), '[]') AS grants,
  a.notification_config, a.is_schedule_active, a.next_run_at, a.active_variation_id, a.draft_variation_id,
  a.has_unpublished_changes, a.latest_version, a.version, a.runs_count, a.created_at, a.updated_at, a.deleted_at,
  (SELECT json_build_object('id', t.id, 'from', t.from_principal, 'to', t.to_principal)
   FROM ownership_transfers t WHERE t.agent_id = a.id AND t.state = 'pending' AND t.expires_at > now()) AS pending_transfer`;

async function inTransaction(work) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

const app = Fastify({ logger: false });

app.get('/health', async () => ({ ok: true }));

// GET one agent: one query, the agent with the variation it shows (the draft, else the active one).
app.get('/agents/:id', async (request, reply) => {
  const { rows } = await pool.query(
    `SELECT ${AGENT}, v.id AS variation_id, v.version AS variation_version, v.state AS variation_state, v.content
     FROM agents a LEFT JOIN variations v ON v.id = COALESCE(a.draft_variation_id, a.active_variation_id)
     WHERE a.org_id = $1 AND a.id = $2`,
    [org, Number(request.params.id)],
  );
  if (!rows[0]) return reply.code(404).send({ status: 404 });
  return rows[0];
});

// A keyset page of the agents a member can use (owner, org access or a grant), newest first.
app.get('/agents', async (request) => {
  const { subject, principals = '', pageSize = '50', after } = request.query;
  const values = [org, subject, principals.split(',').filter(Boolean), Number(pageSize) + 1];
  const cursor = after ? `AND a.id < $${values.push(Number(after))}` : '';
  const { rows } = await pool.query(
    `SELECT ${AGENT} FROM agents a
     WHERE a.org_id = $1 AND a.status <> 'deleted' ${cursor}
       AND (a.owner = $2 OR a.org_access <> 'none'
            OR EXISTS (SELECT 1 FROM agent_grants g WHERE g.agent_id = a.id AND g.principal = ANY($3::text[])))
     ORDER BY a.id DESC LIMIT $4`,
    values,
  );
  const page = rows.slice(0, Number(pageSize));
  return { agents: page, nextPageToken: rows.length > page.length ? String(page.at(-1).id) : null };
});

// PATCH of one field under the row lock: lock, write the draft's content, bump the agent's version.
app.patch('/agents/:id', async (request, reply) => {
  const description = request.body?.description ?? null;
  const agent = await inTransaction(async (client) => {
    const { rows: [locked] } = await client.query(`SELECT id, draft_variation_id FROM agents WHERE org_id = $1 AND id = $2 FOR UPDATE`, [org, Number(request.params.id)]);
    if (!locked?.draft_variation_id) return undefined;
    await client.query(
      `UPDATE variations SET content = jsonb_set(content, '{description}', to_jsonb($2::text)),
         content_hash = md5(jsonb_set(content, '{description}', to_jsonb($2::text))::text) || md5($2::text), updated_at = now()
       WHERE id = $1 AND state = 'draft'`,
      [locked.draft_variation_id, description],
    );
    const { rows } = await client.query(
      `UPDATE agents a SET description = $2, version = version + 1, updated_at = now() WHERE a.id = $1 RETURNING ${AGENT}`,
      [locked.id, description],
    );
    return rows[0];
  });
  if (!agent) return reply.code(404).send({ status: 404 });
  return agent;
});

// A runtime's API key is a row to read (by its lookup prefix, as the service's index has it) before
// anything else: the runtime routes' answers need it, where a JWT needs no SQL. The hash check is the
// service's CPU, not SQL, and is left out.
const API_KEY_LOOKUP = 'pk_live_'.length + 12;
async function apiKeyOk(request, reply) {
  const key = request.headers['x-api-key'];
  const { rows } = typeof key === 'string'
    ? await pool.query(`SELECT org_id, role FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL`, [key.slice(0, API_KEY_LOOKUP)])
    : { rows: [] };
  if (rows[0]?.org_id !== org) {
    reply.code(401).send({ status: 401 });
    return false;
  }
  return true;
}

// Claim: one statement takes the oldest claimable run (SKIP LOCKED) and returns it with its agent and variation.
app.post('/claim', async (request, reply) => {
  if (!(await apiKeyOk(request, reply))) return reply;
  const { rows } = await pool.query(
    `WITH claimed AS (
       UPDATE runs r SET claimed_by = 'floor', claimed_at = now(), lease_expires_at = now() + interval '1 hour'
       WHERE r.id = (
         SELECT q.id FROM runs q JOIN agents a ON a.id = q.agent_id AND a.status = 'active'
         WHERE q.org_id = $1 AND q.status = 'queued' AND q.lease_expires_at IS NULL AND NOT q.capacity_limited
         ORDER BY q.seq LIMIT 1 FOR UPDATE OF q SKIP LOCKED)
       RETURNING r.*)
     SELECT c.*, a.uid AS agent_uid, a.name AS agent_name, a.type AS agent_type, v.version, v.content
     FROM claimed c JOIN agents a ON a.id = c.agent_id JOIN variations v ON v.id = c.variation_id`,
    [org],
  );
  if (!rows[0]) return reply.code(204).send();
  return rows[0];
});

// An event under the run's row lock: check the status, append the event and move the run in one statement.
app.post('/runs/:id/events', async (request, reply) => {
  if (!(await apiKeyOk(request, reply))) return reply;
  const run = await inTransaction(async (client) => {
    const { rows: [locked] } = await client.query(`SELECT status FROM runs WHERE id = $1 AND org_id = $2 FOR UPDATE`, [request.params.id, org]);
    if (!locked || !['queued', 'running'].includes(locked.status)) return undefined;
    const { rows } = await client.query(
      `WITH moved AS (
         UPDATE runs SET status = 'running', started_at = COALESCE(started_at, now()), lease_expires_at = NULL,
           timeout_at = now() + interval '15 minutes', last_event_seq = last_event_seq + 1
         WHERE id = $1 RETURNING *),
       event AS (INSERT INTO run_events (run_id, seq, type, message) SELECT id, last_event_seq, $2, $3 FROM moved)
       SELECT * FROM moved`,
      [request.params.id, request.body?.type ?? 'started', request.body?.message ?? null],
    );
    return rows[0];
  });
  if (!run) return reply.code(409).send({ status: 409 });
  return run;
});

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
const stop = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
