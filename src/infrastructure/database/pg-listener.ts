import { Logger } from '@nestjs/common';
import { Client } from 'pg';

const RECONNECT_DELAY_MS = 1000;
/** How long opening the connection may take: a database that went silent would otherwise hold a connect for the OS's TCP timeout (minutes). */
const CONNECT_TIMEOUT_MS = 5000;
/**
 * How often the connection is asked to answer, and how long it has to. A LISTEN connection only
 * receives: when the database's host dies or fails over without a reset, nothing tells it, and it
 * would wait for notifications that never come (live streams would go quiet until a restart).
 */
const LIVENESS_INTERVAL_MS = 10_000;
const LIVENESS_TIMEOUT_MS = 5000;
/** How long stop() waits for the database to acknowledge the goodbye. */
const STOP_WAIT_MS = 1000;

/** Closes the client's socket at once. */
const destroy = (client: Client): void => (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();

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
  /** The liveness check's timing (tests shorten it). */
  liveness?: { intervalMs: number; timeoutMs: number };
}

/**
 * One LISTEN connection, outside the pool, kept open for the life of the service: it reconnects a
 * second after it drops or stops answering its liveness check, for as long as it is not stopped.
 */
export class PgListener {
  private readonly logger: Logger;
  private client: Client | undefined;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PgListenerOptions) {
    this.logger = new Logger(`PgListener(${options.channel})`);
  }

  async start(): Promise<void> {
    const client = new Client({
      connectionString: this.options.url,
      application_name: this.options.applicationName,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // Its only queries are LISTEN and the liveness check, both instant on a database that answers.
      query_timeout: this.options.liveness?.timeoutMs ?? LIVENESS_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: LIVENESS_INTERVAL_MS,
    });
    client.on('notification', (message) => {
      if (message.payload) this.options.onNotification(message.payload);
    });
    client.on('error', (error) => {
      // A connection already given up (its liveness check failed) errors once more as it is destroyed.
      if (this.client === client) this.logger.warn({ err: error }, 'listener lost its connection; reconnecting');
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
      // Stopped while connecting: stop() found no connection to close, so this one is closed here.
      if (this.stopped) return destroy(client);
      this.client = client;
      this.watch(client);
      this.options.onListening?.();
    } catch (error) {
      this.logger.warn({ err: error }, 'listener could not connect; retrying');
      this.reconnect(client);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.livenessTimer);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    // A goodbye that a dead peer never answers must not hold up the shutdown.
    await Promise.race([client.end().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
    destroy(client);
  }

  /** Asks the connection to answer now and then; one that does not in time is given up and replaced. */
  private watch(client: Client): void {
    clearInterval(this.livenessTimer);
    // One check at a time: with a timeout longer than the interval, a second would queue behind the first on the connection (pg 9 refuses that).
    let checking = false;
    this.livenessTimer = setInterval(() => {
      if (checking) return;
      checking = true;
      client
        .query('SELECT 1')
        .catch((error: unknown) => {
          if (this.client !== client) return;
          this.logger.warn({ err: error }, 'listener connection stopped answering; reconnecting');
          this.reconnect(client);
        })
        .finally(() => (checking = false));
    }, this.options.liveness?.intervalMs ?? LIVENESS_INTERVAL_MS).unref();
  }

  private reconnect(failed: Client): void {
    // Destroyed, not ended: ending says goodbye and waits for an answer that a dead peer never sends.
    destroy(failed);
    if (this.stopped || this.reconnectTimer || (this.client && this.client !== failed)) return;
    this.client = undefined;
    clearInterval(this.livenessTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.start();
    }, RECONNECT_DELAY_MS);
  }
}
