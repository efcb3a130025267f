import { DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { MIGRATIONS } from './migrations';

/** One place builds the connection options, for the service and for the migration CLI alike. */
export function typeormOptions(config: AppConfig, url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [],
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    extra: {
      max: config.DB_POOL_SIZE,
      connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
      statement_timeout: config.DB_STATEMENT_TIMEOUT_MS,
      application_name: 'agentry',
    },
  };
}
