import 'reflect-metadata';
import { Global, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig, ConfigError, validateConfig } from '../infrastructure/config/app-config';
import { AppConfigModule } from '../infrastructure/config/config.module';
import { DatabaseModule } from '../infrastructure/database/database.module';
import { EmbeddedDatabase } from '../infrastructure/database/embedded-database';
import { migrateExclusively, pendingMigrations, withMigrationLock } from '../infrastructure/database/migrate-exclusively';
import { typeormOptions } from '../infrastructure/database/typeorm-options';
import { Jobs } from '../infrastructure/jobs/jobs.service';
import { MetricsModule } from '../infrastructure/metrics/metrics.module';
import { ApiKeysService } from '../modules/auth/api-keys.service';
import { AuthModule } from '../modules/auth/auth.module';
import { Principal } from '../modules/auth/domain/principal';
import { EventsModule } from '../modules/events/events.module';
import { NotificationsModule } from '../modules/notifications/notifications.module';
import { RunsModule } from '../modules/runs/runs.module';

/**
 * The operator commands that need the compiled service (scripts/agentry.mjs answers --help and `token`
 * itself, without a build, and hands the rest here): `migrate`, `api-key`, `events tail`.
 */

/** The database the service would use: DATABASE_URL, else its embedded one (reached if it runs, started for the command if not). */
async function openDatabase(config: AppConfig): Promise<{ url: string; close(): Promise<void> }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, close: async () => undefined };
  const url = `postgres://postgres:postgres@127.0.0.1:${config.EMBEDDED_PG_PORT}/agentry`;
  const probe = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await probe.connect();
    await probe.end();
    return { url, close: async () => undefined };
  } catch {
    await probe.end().catch(() => undefined);
  }
  if (!existsSync(config.EMBEDDED_PG_DATA_DIR)) process.stderr.write(`No DATABASE_URL: creating the embedded PostgreSQL in ${config.EMBEDDED_PG_DATA_DIR}\n`);
  const embedded = await EmbeddedDatabase.start({ dataDir: config.EMBEDDED_PG_DATA_DIR, port: config.EMBEDDED_PG_PORT, persistent: true });
  return { url: embedded.url, close: () => embedded.stop() };
}

async function withDataSource<T>(config: AppConfig, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const database = await openDatabase(config);
  try {
    const dataSource = await new DataSource({ ...typeormOptions(config, database.url), extra: { ...typeormOptions(config, database.url).extra, max: 2 } }).initialize();
    try {
      return await work(dataSource);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await database.close();
  }
}

/** Applied and pending migrations, oldest first. */
async function migrationStates(dataSource: DataSource): Promise<{ name: string; applied: boolean }[]> {
  const pending = new Set(await pendingMigrations(dataSource));
  return dataSource.migrations.map((migration) => migration.name ?? migration.constructor.name).map((name) => ({ name, applied: !pending.has(name) }));
}

async function migrate(config: AppConfig, action: string | undefined, options: { steps: number }): Promise<void> {
  await withDataSource(config, async (dataSource) => {
    if (action === 'status') {
      const states = await migrationStates(dataSource);
      for (const state of states) process.stdout.write(`${state.applied ? 'applied' : 'pending'}  ${state.name}\n`);
      const pending = states.filter((state) => !state.applied).length;
      process.stdout.write(pending === 0 ? 'The schema is up to date.\n' : `${pending} pending: run \`npm run agentry -- migrate up\`.\n`);
      return;
    }
    if (action === 'up') {
      const before = (await migrationStates(dataSource)).filter((state) => !state.applied).map((state) => state.name);
      await migrateExclusively(dataSource);
      process.stdout.write(before.length === 0 ? 'Nothing to apply: the schema is up to date.\n' : `Applied ${before.join(', ')}.\n`);
      return;
    }
    if (action === 'down') {
      await withMigrationLock(dataSource, async () => {
        for (let step = 0; step < options.steps; step += 1) {
          const applied = (await migrationStates(dataSource)).filter((state) => state.applied);
          const last = applied[applied.length - 1];
          if (!last) {
            process.stdout.write('Nothing to revert: no migration is applied.\n');
            return;
          }
          await dataSource.undoLastMigration({ transaction: 'each' });
          process.stdout.write(`Reverted ${last.name}.\n`);
        }
      });
      return;
    }
    throw new ConfigError('usage: npm run agentry -- migrate status|up|down [--steps n]');
  });
}

/**
 * The background work the modules register, never started: a command is not an instance, and starting
 * pg-boss (and its workers) cost a busy machine seconds per command. Sending a job would fail loudly.
 */
@Injectable()
class IdleJobs extends Jobs {
  override async onApplicationBootstrap(): Promise<void> {}
  override async beforeApplicationShutdown(): Promise<void> {}
}

@Global()
@Module({ providers: [{ provide: Jobs, useClass: IdleJobs }], exports: [Jobs] })
class IdleJobsModule {}

/**
 * What the api-key commands need of the service: the keys, what a revocation means for runs, and the
 * event log and notification outbox, which read every change of a unit of work as it commits.
 */
// MetricsModule: the use cases count what they do (the counts stay in this short-lived process).
@Module({ imports: [AppConfigModule, DatabaseModule, IdleJobsModule, MetricsModule, AuthModule, RunsModule, EventsModule, NotificationsModule] })
class OperatorModule {}

/** The operator acts as an org admin of the org they name; what they change is logged under this subject. */
const operatorOf = (orgId: string): Principal => ({ orgId, subject: `user:operator-cli`, groups: [], isOrgAdmin: true });

async function apiKey(config: AppConfig, action: string | undefined, options: { org?: string; name?: string; role?: string; id?: string }): Promise<void> {
  if (!options.org || !/^[0-9a-f-]{36}$/i.test(options.org)) throw new ConfigError('--org <org uuid> is required');
  const org = options.org;
  if (action === 'create' && !(options.name && options.role)) throw new ConfigError('usage: npm run agentry -- api-key create --org <uuid> --name <name> --role admin|member|runtime');
  if (action === 'revoke' && !options.id) throw new ConfigError('usage: npm run agentry -- api-key revoke --org <uuid> --id <key id>');
  if (action !== 'create' && action !== 'list' && action !== 'revoke') throw new ConfigError('usage: npm run agentry -- api-key create|list|revoke --org <uuid> …');
  const database = await openDatabase(config);
  process.env.DATABASE_URL = database.url;
  const app = await NestFactory.createApplicationContext(OperatorModule, { logger: ['error', 'warn'] });
  try {
    const keys = app.get(ApiKeysService);
    if (action === 'create') {
      const created = await keys.create(operatorOf(org), { name: options.name!, role: options.role as 'admin' | 'member' | 'runtime' });
      process.stdout.write(`${JSON.stringify(created)}\n`);
      process.stderr.write('The key is shown this once: store it now.\n');
    } else if (action === 'list') {
      for (const key of await keys.list(operatorOf(org))) process.stdout.write(`${JSON.stringify(key)}\n`);
    } else {
      await keys.revoke(operatorOf(org), options.id!);
      process.stdout.write(`Revoked ${options.id}.\n`);
    }
  } finally {
    await app.close();
    await database.close();
  }
}

interface EventRow {
  txid: string;
  seq: string;
}

/** Prints the newest events as JSON lines, oldest first; with follow, keeps printing new ones as they commit. */
async function eventsTail(config: AppConfig, options: { org?: string; lines: number; follow: boolean }): Promise<void> {
  await withDataSource(config, async (dataSource) => {
    // Positions are printed as text (JSON has no 64-bit integers); ORDER BY names events.* so it sorts the numbers, not that text.
    const columns = `seq::text, txid::text, type, at, org_id AS "orgId", agent_id AS "agentId", run_id AS "runId", actor_subject AS "actorSubject", actor_kind AS "actorKind", request_id AS "requestId", data`;
    // One text per shape of filter, as the service's statements: the org's condition only when an org is
    // named (its id is then $1), and each statement's own parameters numbered after the filter's.
    const filters = options.org === undefined ? [] : [options.org];
    const ofOrg = filters.length > 0 ? ['org_id = $1::uuid'] : [];
    const parameter = (n: number) => `$${filters.length + n}`;
    const where = (conditions: string[]) => (conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '');
    // Following reads only events below the oldest transaction still running, as the event log's readers
    // do: one committing later can then not land behind the position already printed.
    const visible = ['txid < pg_snapshot_xmin(pg_current_snapshot())', ...ofOrg];
    const print = (rows: EventRow[]) => rows.forEach((row) => process.stdout.write(`${JSON.stringify(row)}\n`));
    const newest = ((await dataSource.query(`SELECT ${columns} FROM events ${where(options.follow ? visible : ofOrg)} ORDER BY events.txid DESC, events.seq DESC LIMIT ${parameter(1)}`, [...filters, options.lines])) as EventRow[]).reverse();
    print(newest);
    if (!options.follow) return;
    let last = newest[newest.length - 1] ?? ((await dataSource.query(`SELECT '0'::text AS txid, '0'::text AS seq`)) as EventRow[])[0]!;
    let stopped = false;
    process.once('SIGINT', () => (stopped = true));
    process.once('SIGTERM', () => (stopped = true));
    while (!stopped) {
      const later = `(txid, seq) > (${parameter(1)}::xid8, ${parameter(2)}::bigint)`;
      const rows = (await dataSource.query(`SELECT ${columns} FROM events ${where([...visible, later])} ORDER BY events.txid, events.seq LIMIT 1000`, [...filters, last.txid, last.seq])) as EventRow[];
      print(rows);
      if (rows.length > 0) last = rows[rows.length - 1]!;
      else await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  });
}

export interface OperatorArguments {
  command: string;
  action?: string;
  options: Record<string, string | boolean | undefined>;
}

export async function runOperatorCommand({ command, action, options }: OperatorArguments): Promise<void> {
  const config = validateConfig({ LOG_LEVEL: 'warn', ...process.env });
  if (command === 'migrate') return migrate(config, action, { steps: Number(options.steps ?? 1) });
  if (command === 'api-key') return apiKey(config, action, options as Record<string, string>);
  if (command === 'events' && action === 'tail') {
    return eventsTail(config, { org: options.org as string | undefined, lines: Number(options.lines ?? 20), follow: options.follow === true });
  }
  throw new ConfigError(`Unknown command "${[command, action].filter(Boolean).join(' ')}": see npm run agentry -- --help`);
}

export { ConfigError };
