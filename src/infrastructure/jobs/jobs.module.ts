import { Global, Module } from '@nestjs/common';
import { Jobs } from './jobs.service';

/** Background work on pg-boss, for any module: periodic sweeps now, notification delivery and schedules next. */
@Global()
@Module({ providers: [Jobs], exports: [Jobs] })
export class JobsModule {}
