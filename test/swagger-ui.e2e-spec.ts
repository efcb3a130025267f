import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { AGENTS, freshOrg } from './support/agents';
import { api } from './support/http';
import { tokenFor } from './support/tokens';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// CI sets REQUIRE_BROWSER=1 so that a missing Chromium fails instead of skipping.
const required = process.env.REQUIRE_BROWSER === '1';
const available = existsSync(CHROMIUM);
const SCREENSHOTS = resolve(__dirname, '../test-results/swagger-ui');
// Without the background-networking flags Chromium keeps dialling out, and this closed network refuses each try.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

if (!available && !required) process.stdout.write(`Swagger UI browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).\n`);

const walk = available || required ? it : it.skip;

describe('Swagger UI, as a new user tries it', () => {
  let profile: string | undefined;
  let context: BrowserContext | undefined;

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** Runs one step; on failure keeps a screenshot named after it and says where. */
  async function step<T>(page: Page, name: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const file = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
      throw new Error(`Swagger UI step "${name}" failed (screenshot: ${file}): ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Expands an operation, presses "Try it out" and returns its block. */
  async function tryOut(page: Page, operationId: string) {
    const block = page.locator(`#operations-Agents-${operationId}`);
    await block.locator('.opblock-summary').first().click();
    await block.locator('button.try-out__btn').click();
    return block;
  }

  async function execute(block: ReturnType<Page['locator']>): Promise<{ status: number; body: string }> {
    await block.locator('button.execute').click();
    const response = block.locator('.live-responses-table .response').first();
    await response.waitFor();
    const status = Number((await response.locator('.response-col_status').innerText()).trim());
    const body = await response.locator('.response-col_description pre').first().innerText();
    return { status, body };
  }

  walk(
    'authorizes, creates an agent with the unedited example, lists it, and renames it by typing only the name',
    async () => {
      const token = tokenFor({ org: freshOrg(), sub: 'swagger-ui-user' });
      profile = mkdtempSync(join(tmpdir(), 'agentry-chromium-'));
      context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      const page = context.pages()[0] ?? (await context.newPage());

      await step(page, '1-open', async () => {
        await page.goto(`${process.env.E2E_BASE_URL}/docs`);
        await page.locator('#operations-Agents-createAgent').waitFor();
      });

      await step(page, '2-authorize', async () => {
        await page.locator('button.authorize').first().click();
        const dialog = page.locator('.dialog-ux');
        await expect(dialog.innerText()).resolves.toContain('npm run token');
        const bearer = dialog.locator('.auth-container').filter({ hasText: 'bearer' }).first();
        await bearer.locator('input').first().fill(token);
        await bearer.locator('button.authorize').click();
        await dialog.locator('button.btn-done').first().click();
      });

      const created = await step(page, '3-create', async () => {
        const block = await tryOut(page, 'createAgent');
        const result = await execute(block);
        expect(result.status).toBe(201);
        return JSON.parse(result.body) as { id: number; name: string; variation: { trigger: unknown } };
      });

      await step(page, '4-list', async () => {
        const result = await execute(await tryOut(page, 'listAgents'));
        expect(result.status).toBe(200);
        expect((JSON.parse(result.body) as { agents: { id: number }[] }).agents.map((agent) => agent.id)).toContain(created.id);
      });

      await step(page, '5-rename', async () => {
        const block = await tryOut(page, 'updateAgent');
        await block.locator('tr[data-param-name="id"] input').fill(String(created.id));
        await block.locator('textarea.body-param__text').fill('{"name": "Renamed in Swagger UI"}');
        const result = await execute(block);
        expect(result.status).toBe(200);
      });

      const after = await api('GET', `${AGENTS}/${created.id}`, { token });
      const rest = (agent: Record<string, unknown>) => ({ ...agent, name: undefined, etag: undefined, updatedAt: undefined });
      expect(after.body.name).toBe('Renamed in Swagger UI');
      expect(after.body.variation.trigger).toEqual(created.variation.trigger);
      expect(rest(after.body)).toEqual(rest(created as unknown as Record<string, unknown>));
    },
    90_000,
  );
});
