import { execFile, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { DEVELOPMENT_JWT_SECRET } from '../src/infrastructure/config/app-config';
import { MIGRATIONS } from '../src/infrastructure/database/migrations';
import { startApp } from './support/app-process';
import { ownDatabase, withDatabase } from './support/database';
import { eventually } from './support/runs';

const ROOT = resolve(__dirname, '..');
const run = promisify(execFile);

/** `npm run agentry -- …` as the script it runs, with only the environment given (no .env: the tests' cwd has none). */
async function agentry(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/agentry.mjs', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** `events tail --follow …` left running: the events it printed so far, and a stop (SIGINT, as Ctrl-C) that resolves to how it exited. */
function follower(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['scripts/agentry.mjs', 'events', 'tail', '--follow', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolveExit) => child.once('exit', (code) => resolveExit({ code, stderr })));
  return {
    // Whole lines only: the last piece is '' or a line still being written.
    events: () => stdout.split('\n').slice(0, -1).map((line) => JSON.parse(line) as { orgId: string; type: string }),
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}

/** The claims of an HS256 JWT whose signature `secret` made (jose cannot load under jest's CommonJS). */
function verifiedClaims(token: string, secret: string): Record<string, unknown> {
  const [header, payload, signature] = token.split('.');
  expect(createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')).toBe(signature);
  expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
  return JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
}

const tables = (url: string) =>
  withDatabase(async (db) => (await db.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((row: { tablename: string }) => row.tablename), url);

describe('Operator commands (npm run agentry)', () => {
  it('answers --help for itself and each command', async () => {
    const help = await agentry(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['migrate status|up|down', 'token', 'api-key create|list|revoke', 'events tail']) expect(help.stdout).toContain(command);
    for (const [command, usage] of [['migrate', 'migrate status|up|down'], ['token', '--org <org uuid> --sub <user id>'], ['api-key', 'api-key revoke --org'], ['events', 'events tail']]) {
      const answer = await agentry([command!, '--help']);
      expect({ code: answer.code, usage: answer.stdout.includes(usage!) }).toEqual({ code: 0, usage: true });
    }
    const unknown = await agentry(['frobnicate']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');
  });

  it('mints a token the service accepts: the development secret by default, AUTH_JWT_SECRET when set', async () => {
    const org = randomUUID();
    const development = await agentry(['token', '--org', org, '--sub', 'alice', '--admin', '--groups', 'a,b']);
    expect(development.code).toBe(0);
    expect(verifiedClaims(development.stdout.trim(), DEVELOPMENT_JWT_SECRET)).toMatchObject({ sub: 'alice', org_id: org, org_role: 'org:admin', groups: ['a', 'b'] });
    const secret = 'an-operator-secret-that-is-long-enough-for-hs256';
    const configured = await agentry(['token', '--org', org, '--sub', 'bob'], { AUTH_JWT_SECRET: secret, AUTH_JWT_ISSUER: 'https://issuer.example' });
    expect(verifiedClaims(configured.stdout.trim(), secret)).toMatchObject({ sub: 'bob', org_role: 'org:member', iss: 'https://issuer.example' });
    const production = await agentry(['token', '--org', org, '--sub', 'bob'], { NODE_ENV: 'production' });
    expect(production.code).toBe(1);
    expect(production.stderr).toMatch(/set AUTH_JWT_SECRET/);
  });

  describe('on a database of its own', () => {
    let database: { url: string; drop: () => Promise<void> };

    beforeAll(async () => {
      database = await ownDatabase('agentry_operator');
    });

    afterAll(async () => {
      await database?.drop();
    });

    it('migrates up, reverts every migration with down, and migrates up again', async () => {
      const env = { DATABASE_URL: database.url };
      const fresh = await agentry(['migrate', 'status'], env);
      expect(fresh.stdout).toContain(`${MIGRATIONS.length} pending: run \`npm run agentry -- migrate up\``);

      expect((await agentry(['migrate', 'up'], env)).code).toBe(0);
      const migrated = await tables(database.url);
      expect((await agentry(['migrate', 'status'], env)).stdout).toContain('The schema is up to date.');

      const newest = await agentry(['migrate', 'down'], env);
      expect(newest.stdout).toBe(`Reverted ${MIGRATIONS[MIGRATIONS.length - 1]!.name}.\n`);
      expect((await agentry(['migrate', 'status'], env)).stdout).toContain('1 pending');

      const all = await agentry(['migrate', 'down', '--steps', String(MIGRATIONS.length)], env);
      expect(all.code).toBe(0);
      expect(all.stdout).toContain('Nothing to revert');
      // Every down undid its up: only TypeORM's own bookkeeping table is left.
      expect(await tables(database.url)).toEqual(['migrations']);

      expect((await agentry(['migrate', 'up'], env)).code).toBe(0);
      expect(await tables(database.url)).toEqual(migrated);
    }, 120_000);

    it('manages API keys and tails the event log', async () => {
      const env = { DATABASE_URL: database.url };
      const org = randomUUID();
      const created = await agentry(['api-key', 'create', '--org', org, '--name', 'deploy bot', '--role', 'runtime'], env);
      expect(created.code).toBe(0);
      const key = JSON.parse(created.stdout) as { id: string; key: string; role: string };
      expect(key).toMatchObject({ role: 'runtime', key: expect.stringMatching(/^pk_live_/) });
      expect((await agentry(['api-key', 'list', '--org', org], env)).stdout).toContain(`"id":"${key.id}"`);
      expect((await agentry(['api-key', 'revoke', '--org', org, '--id', key.id], env)).stdout).toBe(`Revoked ${key.id}.\n`);
      expect((await agentry(['api-key', 'list', '--org', org], env)).stdout).toBe('');

      const tail = await agentry(['events', 'tail', '--org', org], env);
      const events = tail.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; actorSubject: string });
      expect(events.map((event) => event.type)).toEqual(['api_key.created', 'api_key.revoked']);
      expect(events[0]!.actorSubject).toBe('user:operator-cli');

      const usage = await agentry(['api-key', 'create', '--org', org], env);
      expect({ code: usage.code, usage: usage.stderr.includes('--name <name> --role') }).toEqual({ code: 1, usage: true });
    }, 180_000);

    it("tails every org's events without --org and follows the log, of the org named only when one is", async () => {
      const env = { DATABASE_URL: database.url };
      const [org, other] = [randomUUID(), randomUUID()];
      const created = JSON.parse((await agentry(['api-key', 'create', '--org', org, '--name', 'bot', '--role', 'runtime'], env)).stdout) as { id: string };
      const followers = { all: follower([], env), ofOrg: follower(['--org', org], env) };
      try {
        const printed = (which: keyof typeof followers, done: (events: { orgId: string; type: string }[]) => boolean) =>
          eventually(async () => (done(followers[which].events()) ? followers[which].events() : undefined), 30_000, `the events ${which} prints`);
        // Each has printed the newest events, the org's key last, and is following.
        expect(await printed('ofOrg', (events) => events.length > 0)).toEqual([expect.objectContaining({ orgId: org, type: 'api_key.created' })]);
        const before = (await printed('all', (events) => events.at(-1)?.orgId === org)).length;
        expect((await agentry(['api-key', 'create', '--org', other, '--name', 'bot', '--role', 'runtime'], env)).code).toBe(0);
        expect((await agentry(['api-key', 'revoke', '--org', org, '--id', created.id], env)).code).toBe(0);
        const later = (await printed('all', (events) => events.length >= before + 2)).slice(before);
        expect(later.map((event) => [event.orgId, event.type])).toEqual([[other, 'api_key.created'], [org, 'api_key.revoked']]);
        expect((await printed('ofOrg', (events) => events.length >= 2)).map((event) => [event.orgId, event.type])).toEqual([[org, 'api_key.created'], [org, 'api_key.revoked']]);

        const tail = await agentry(['events', 'tail', '--lines', '3'], env);
        expect(tail.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { orgId: string; type: string }).orgId)).toEqual([org, other, org]);
      } finally {
        // Ctrl-C ends a follower cleanly (stderr is in the result for a failure's message).
        expect(await Promise.all([followers.all.stop(), followers.ofOrg.stop()])).toEqual([expect.objectContaining({ code: 0 }), expect.objectContaining({ code: 0 })]);
      }
      expect(followers.ofOrg.events()).toHaveLength(2);
    }, 180_000);

    it('with AUTO_MIGRATE=false refuses to start on a schema that is behind, naming the command', async () => {
      await agentry(['migrate', 'down'], { DATABASE_URL: database.url });
      const app = await startApp({ DATABASE_URL: database.url, AUTH_JWT_SECRET: 'e2e-secret-that-is-long-enough-for-hs256-signing', AUTO_MIGRATE: 'false' }, { waitForReady: false });
      expect(await app.exited).toBe(1);
      expect(app.output()).toMatch(/schema is behind: 1 migration\(s\) pending \(\w+\) and AUTO_MIGRATE=false\. Run `npm run agentry -- migrate up`/);
      expect(app.output()).not.toMatch(/\n\s+at /);
    }, 60_000);
  });
});
