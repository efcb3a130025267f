import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { migrateExclusively } from './migrate-exclusively';
import { typeormOptions } from './typeorm-options';
import { EventAnnouncer } from './event-announcer';
import { UnitOfWork } from './unit-of-work';

/** The factory below gets only the options: AUTO_MIGRATE rides along with them (TypeORM ignores the extra key). */
type AgentryDataSourceOptions = DataSourceOptions & { autoMigrate?: boolean };

/**
 * The database, the unit of work every module writes through, and the announcer that tells the event
 * streams what committed (global, like the pool they wrap).
 */
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
        // With AUTO_MIGRATE=false main.ts has checked, before Nest started, that nothing is pending.
        if ((options as AgentryDataSourceOptions).autoMigrate !== false) await migrateExclusively(dataSource);
        return dataSource;
      },
    }),
  ],
  providers: [UnitOfWork, EventAnnouncer],
  exports: [UnitOfWork, EventAnnouncer],
})
export class DatabaseModule {}
