import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from './free-port';

export interface AppProcess {
  url: string;
  process: ChildProcess;
  output(): string;
  /** Resolves with the exit code once the process ends by itself. */
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would end it: nothing runs after, no request drains, no connection closes cleanly. */
  kill(): Promise<number | null>;
}

const ROOT = resolve(__dirname, '../..');

/** `npm run start:prod` as arguments after `node` (its heap budget, then `dist/main.js`): tests run the service as deployed. */
export function startProdArgs(): string[] {
  const { scripts } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return scripts['start:prod'].trim().split(/\s+/).slice(1);
}

/**
 * The suite service's configuration (global-setup), with `overrides`. Every instance on the shared
 * database works the same notification queue, so each must reach the same fake Slack the same way:
 * an instance without SLACK_BOT_TOKEN there would deliver other tests' notifications to its log.
 */
export function suiteEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    DATABASE_URL: process.env.E2E_DATABASE_URL,
    AUTH_JWT_SECRET: process.env.E2E_JWT_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-e2e',
    SLACK_API_URL: process.env.E2E_SLACK_API_URL,
    SLACK_TIMEOUT_MS: '2000',
    // Sweeps (lapsed claims, timeouts, retention, digests) every 200 ms, so tests of them wait seconds, not minutes.
    JOBS_SWEEP_INTERVAL_MS: '200',
    // Notification retries after 300 ms, 1.2 s, 4.8 s…: the retry tests wait seconds.
    NOTIFY_RETRY_BASE_MS: '300',
    // Webhooks to the tests' loopback receivers (plain http, 127.0.0.1; still never a private or
    // metadata address), retried after 100 ms, a try given up after 1 s. Host names resolve through
    // WEBHOOKS_HOSTS alone, never DNS, so no test depends on DNS or reaches a host by name (the one
    // name there leads to an address the service refuses).
    WEBHOOKS_ALLOW_PRIVATE: 'true',
    WEBHOOKS_TIMEOUT_MS: '1000',
    WEBHOOKS_RETRY_DELAYS_MS: '100,100,100,100,100,100,100',
    WEBHOOKS_HOSTS: 'private.example.test=10.0.0.5',
    // Every test calls from 127.0.0.1 and many send bad credentials on purpose (the fuzz alone sends
    // hundreds): the per-address limit on failed authentications would answer everyone 429. The
    // rate-limit tests start services of their own with low limits.
    RATE_LIMIT_AUTH_FAILURES_PER_ADDRESS: '0',
    ...overrides,
  };
}

/** Runs the built service as `npm run start:prod` does, with the given environment. */
export async function startApp(env: Record<string, string | undefined>, { waitForReady = true, readyWithinMs = 30_000 } = {}): Promise<AppProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  // HOST: undefined (given, not left out) starts the service with HOST unset, to test its own default.
  const childEnv = { PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env, PORT: String(port) };
  const child = spawn(process.execPath, startProdArgs(), { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const app: AppProcess = {
    // Where it can be reached: the address HOST names, else loopback (HOST unset or every interface).
    url: `http://${childEnv.HOST && childEnv.HOST !== '0.0.0.0' ? childEnv.HOST : '127.0.0.1'}:${port}`,
    process: child,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
  if (waitForReady) await waitUntilReady(app, exited, readyWithinMs);
  return app;
}

async function waitUntilReady(app: AppProcess, exited: Promise<number | null>, withinMs: number): Promise<void> {
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (hasExited) throw new Error(`the service exited during start:\n${app.output()}`);
    try {
      const response = await fetch(`${app.url}/health/ready`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await app.stop();
  throw new Error(`the service did not become ready within ${withinMs / 1000} s:\n${app.output()}`);
}
