import { DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { MIGRATIONS } from './migrations';
import { TimeoutSafeClient } from './timeout-safe-client';

/**
 * How much longer the client waits for an answer than the server's statement timeout: a reachable
 * server answers a slow statement with its own error first; past this, the server is not answering
 * (a partition), and the request gets a 503 instead of hanging until the network heals.
 */
const QUERY_TIMEOUT_MARGIN_MS = 1000;

/** One place builds the connection options, for the service and for the migration CLI alike. */
export function typeormOptions(config: AppConfig, url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [],
    migrations: MIGRATIONS,
    // Run by migrateExclusively once connected, under a lock that TypeORM's own run does not take.
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    extra: {
      max: config.DB_POOL_SIZE,
      connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
      statement_timeout: config.DB_STATEMENT_TIMEOUT_MS,
      query_timeout: config.DB_STATEMENT_TIMEOUT_MS + QUERY_TIMEOUT_MARGIN_MS,
      Client: TimeoutSafeClient,
      // Statements a use case sends together go out at once (queryPipelined); one at a time, as before.
      pipeline: true,
      application_name: 'agentry',
    },
  };
}
