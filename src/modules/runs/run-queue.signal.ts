import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { EventEmitter } from 'node:events';
import { AppConfig } from '../../infrastructure/config/app-config';
import { PgListener } from '../../infrastructure/database/pg-listener';
import { RUN_QUEUE_CHANNEL } from './runs.repository';

/**
 * Wakes long-polling claims when a run becomes claimable in their org, on any instance: one
 * LISTEN connection per instance, shared by every waiting claim, so a waiting claim holds no pool
 * connection. Waiters also time out on their own (see RuntimeService), so a lost notification or a
 * dropped listener costs latency, never a run.
 */
@Injectable()
export class RunQueueSignal implements OnModuleInit, OnModuleDestroy {
  private readonly wakeups = new EventEmitter().setMaxListeners(0);
  private readonly listener: PgListener;
  private stopped = false;

  constructor(
    config: AppConfig,
    private readonly http: HttpAdapterHost,
  ) {
    // Waiting claims retry on their own at least once a second, so nothing needs waking after a reconnect.
    this.listener = new PgListener({
      url: config.DATABASE_URL ?? '',
      channel: RUN_QUEUE_CHANNEL,
      applicationName: 'agentry-run-queue',
      onNotification: (orgId) => this.wakeups.emit(orgId),
    });
  }

  /** True once the service is shutting down: waiting claims answer 204 at once instead of holding the drain. */
  get stopping(): boolean {
    return this.stopped;
  }

  async onModuleInit(): Promise<void> {
    // preClose runs when the HTTP server starts closing, before it waits for in-flight requests.
    const fastify = this.http.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('preClose', (done) => {
      this.stop();
      done();
    });
    await this.listener.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.stop();
    await this.listener.stop();
  }

  private stop(): void {
    this.stopped = true;
    this.wakeups.emit('stop');
  }

  /** Resolves when a run may have become claimable in the org, or after `ms`, whichever comes first. */
  wait(orgId: string, ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeups.off(orgId, done);
        this.wakeups.off('stop', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeups.on(orgId, done);
      this.wakeups.on('stop', done);
    });
  }
}
