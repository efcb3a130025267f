import { Module } from '@nestjs/common';
import { EventLog } from './event-log';

/**
 * The event log as a building block: the writer (EventLog.append) that the modules recording changes
 * call in their transactions. It imports nothing, so any module may import it; the routes that read
 * the log (EventsModule) sit above agents and runs.
 */
@Module({ providers: [EventLog], exports: [EventLog] })
export class EventLogModule {}
