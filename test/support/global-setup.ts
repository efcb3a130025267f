import type { Server } from 'node:http';
import { EmbeddedDatabaseError } from '../../src/infrastructure/database/embedded-database';
import { AppProcess, startApp, suiteEnv } from './app-process';
import { startFakeSlack } from './fake-slack';
import { startTestDatabase, TestDatabase } from './test-database';

export const TEST_JWT_SECRET = 'e2e-secret-that-is-long-enough-for-hs256-signing';

interface E2eResources {
  database?: TestDatabase;
  slack?: Server;
  app?: AppProcess;
}

declare global {
  // Jest runs globalSetup and globalTeardown in the same process; this is how they share handles.
  var agentryE2e: E2eResources | undefined;
}

/** One database, one fake Slack and one service for the whole e2e run; tests read their addresses from env. */
export default async function globalSetup(): Promise<void> {
  const resources: E2eResources = {};
  globalThis.agentryE2e = resources;
  try {
    resources.database = await startTestDatabase();
    const slack = await startFakeSlack();
    resources.slack = slack.server;
    process.env.E2E_DATABASE_URL = resources.database.url;
    process.env.E2E_SLACK_API_URL = slack.url;
    process.env.E2E_JWT_SECRET = TEST_JWT_SECRET;
    const env = suiteEnv();
    resources.app = await startApp(env);
    process.env.E2E_BASE_URL = resources.app.url;
  } catch (error) {
    await stopE2eResources();
    // Its message says what to do; a stack trace would only bury that line.
    if (error instanceof EmbeddedDatabaseError) error.stack = `${error.name}: ${error.message}`;
    throw error;
  }
}

export async function stopE2eResources(): Promise<void> {
  const resources = globalThis.agentryE2e;
  if (!resources) return;
  globalThis.agentryE2e = undefined;
  await resources.app?.stop();
  await new Promise((resolve) => (resources.slack ? resources.slack.close(resolve) : resolve(undefined)));
  await resources.database?.stop();
}
