import { Logger } from '@nestjs/common';
import { Client } from 'pg';

const RECONNECT_DELAY_MS = 1000;

export interface PgListenerOptions {
  url: string;
  channel: string;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  onNotification: (payload: string) => void;
  /**
   * Called each time LISTEN is established: notifications sent while it was not are lost, so whoever
   * relies on them looks again for what they might have missed.
   */
  onListening?: () => void;
}

/**
 * One LISTEN connection, outside the pool, kept open for the life of the service: it reconnects a
 * second after it drops, for as long as it is not stopped.
 */
export class PgListener {
  private readonly logger: Logger;
  private client: Client | undefined;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PgListenerOptions) {
    this.logger = new Logger(`PgListener(${options.channel})`);
  }

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.options.url, application_name: this.options.applicationName });
    client.on('notification', (message) => {
      if (message.payload) this.options.onNotification(message.payload);
    });
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'listener lost its connection; reconnecting');
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
      this.client = client;
      this.options.onListening?.();
    } catch (error) {
      this.logger.warn({ err: error }, 'listener could not connect; retrying');
      this.reconnect(client);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }

  private reconnect(failed: Client): void {
    if (this.stopped || this.reconnectTimer || (this.client && this.client !== failed)) return;
    this.client = undefined;
    void failed.end().catch(() => undefined);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.start();
    }, RECONNECT_DELAY_MS);
  }
}
