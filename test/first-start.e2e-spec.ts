import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startProdArgs } from './support/app-process';
import { freePort } from './support/free-port';

const ROOT = resolve(__dirname, '..');

/**
 * The service as `npm start` runs it with nothing configured (an embedded database of its own), in a
 * process group of its own, as a terminal runs a command: a signal sent to the group is Ctrl-C.
 */
async function startAlone(env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, startProdArgs(), {
    cwd: ROOT,
    env: { PATH: process.env.PATH, NODE_ENV: 'development', LOG_LEVEL: 'info', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return { child, port, output: () => output, exited };
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolveProbe) => {
    const probe = createServer();
    probe.once('error', () => resolveProbe(true));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolveProbe(false)));
  });
}

describe('A first start without configuration', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentry-first-start-'));
  // As root, PostgreSQL runs as the postgres user, who must be able to enter it (mkdtemp makes it 0700).
  chmodSync(dataDir, 0o755);

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('names the port and what to do when the embedded database port is taken', async () => {
    const pgPort = await freePort();
    const taken: Server = createServer();
    await new Promise<void>((resolveListen) => taken.listen(pgPort, '127.0.0.1', resolveListen));
    try {
      const app = await startAlone({ EMBEDDED_PG_DATA_DIR: join(dataDir, 'clash'), EMBEDDED_PG_PORT: String(pgPort) });
      expect(await app.exited).toBe(1);
      expect(app.output()).toContain(`Agentry failed to start: Port ${pgPort} is already in use, so the embedded PostgreSQL cannot start on it`);
      expect(app.output()).toContain('set EMBEDDED_PG_PORT to a free port, or DATABASE_URL');
      expect(app.output()).not.toMatch(/undefined|\n\s+at /);
    } finally {
      await new Promise((resolveClose) => taken.close(resolveClose));
    }
  });

  it('says what it does while the database initialises, and on Ctrl-C drains, stops the database, then says it stopped', async () => {
    const pgPort = await freePort();
    const app = await startAlone({ EMBEDDED_PG_DATA_DIR: join(dataDir, 'pg'), EMBEDDED_PG_PORT: String(pgPort) });
    try {
      const deadline = Date.now() + 170_000;
      while (!app.output().includes('Agentry listening on') && Date.now() < deadline && app.child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
      expect(app.output()).toContain(`No DATABASE_URL: creating an embedded PostgreSQL in ${join(dataDir, 'pg')} on port ${pgPort} (first start only`);
      expect(app.output()).toMatch(/Embedded PostgreSQL ready after \d+\.\d s/);
      expect(app.output()).toContain('Agentry listening on');
      // Nest's route table is debug detail now.
      expect(app.output()).not.toContain('Mapped {');
      // JSON lines when stdout is not a terminal.
      expect(app.output()).toMatch(/^\{"level":30,.*"msg":"Agentry listening on/m);

      // Ctrl-C: SIGINT to the whole process group, as a terminal sends it.
      process.kill(-app.child.pid!, 'SIGINT');
      expect(await app.exited).toBe(0);
      const afterSignal = app.output().slice(app.output().indexOf('SIGINT'));
      expect(afterSignal).toMatch(/SIGINT: draining in-flight requests, then stopping[\s\S]*"msg":"Agentry stopped"/);
      expect(app.output()).not.toMatch(/\n\s+at |FATAL|terminating connection/);
      expect(await listening(pgPort)).toBe(false);
    } finally {
      if (app.child.exitCode === null) process.kill(-app.child.pid!, 'SIGKILL');
      // The server runs in a group of its own: a failed test must not leave it behind.
      const pidFile = join(dataDir, 'pg', 'postmaster.pid');
      if (existsSync(pidFile)) {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGINT');
        } catch {
          // already gone
        }
      }
    }
  }, 200_000);
});
