import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { migrateExclusively, pendingMigrations } from './migrate-exclusively';
import { typeormOptions } from './typeorm-options';
import { UnitOfWork } from './unit-of-work';

/** The factory below gets only the options: AUTO_MIGRATE rides along with them (TypeORM ignores the extra key). */
type AgentryDataSourceOptions = DataSourceOptions & { autoMigrate?: boolean };

/** With AUTO_MIGRATE=false nothing migrates at start: a schema that is behind stops the start, naming the command that migrates. */
async function refuseSchemaBehind(dataSource: DataSource): Promise<void> {
  const pending = await pendingMigrations(dataSource);
  if (pending.length === 0) return;
  await dataSource.destroy();
  throw new Error(
    `The database schema is behind: ${pending.length} migration(s) pending (${pending.join(', ')}) and AUTO_MIGRATE=false. ` +
      'Run `npm run agentry -- migrate up` (or `node scripts/agentry.mjs migrate up` in the image) first, or start with AUTO_MIGRATE=true.',
  );
}

/** The database, and the unit of work every module writes through (global, like the pool it wraps). */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        if (!config.DATABASE_URL) throw new Error('DATABASE_URL must be resolved before the application starts');
        return { ...typeormOptions(config, config.DATABASE_URL), retryAttempts: 0, autoMigrate: config.AUTO_MIGRATE };
      },
      dataSourceFactory: async (options) => {
        if (!options) throw new Error('no TypeORM options');
        const dataSource = await new DataSource(options).initialize();
        if ((options as AgentryDataSourceOptions).autoMigrate === false) await refuseSchemaBehind(dataSource);
        else await migrateExclusively(dataSource);
        return dataSource;
      },
    }),
  ],
  providers: [UnitOfWork],
  exports: [UnitOfWork],
})
export class DatabaseModule {}
