import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { EventEmitter } from 'node:events';
import { Client } from 'pg';
import { AppConfig } from '../../infrastructure/config/app-config';
import { RUN_QUEUE_CHANNEL } from './runs.repository';

const RECONNECT_DELAY_MS = 1000;

/**
 * Wakes long-polling claims when a run becomes claimable in their org, on any instance: one
 * LISTEN connection per instance, shared by every waiting claim, so a waiting claim holds no pool
 * connection. Waiters also time out on their own (see RuntimeService), so a lost notification or a
 * dropped listener costs latency, never a run.
 */
@Injectable()
export class RunQueueSignal implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RunQueueSignal.name);
  private readonly wakeups = new EventEmitter().setMaxListeners(0);
  private client: Client | undefined;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly http: HttpAdapterHost,
  ) {}

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
    await this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.stop();
    await this.client?.end().catch(() => undefined);
  }

  private stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
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

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.config.DATABASE_URL, application_name: 'agentry-run-queue' });
    client.on('notification', (message) => {
      if (message.payload) this.wakeups.emit(message.payload);
    });
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'run-queue listener lost its connection; reconnecting');
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${RUN_QUEUE_CHANNEL}`);
      this.client = client;
    } catch (error) {
      this.logger.warn({ err: error }, 'run-queue listener could not connect; claims poll until it does');
      this.reconnect(client);
    }
  }

  private reconnect(failed: Client): void {
    if (this.stopped || this.reconnectTimer || (this.client && this.client !== failed)) return;
    this.client = undefined;
    void failed.end().catch(() => undefined);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.listen();
    }, RECONNECT_DELAY_MS);
  }
}
