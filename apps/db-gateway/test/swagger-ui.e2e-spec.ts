import { existsSync } from 'node:fs';
import { Browser, Page, chromium } from 'playwright-core';
import { describeWhen } from './support/docker-engine';
import { TestGateway, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

const CHROMIUM = '/usr/bin/chromium';
const ADMIN = 'swagger-ui-admin-key-000000';

/** Presses "Try it out" then "Execute" on one operation, with its examples as they are, and returns the status shown. */
async function tryItOut(page: Page, tag: string, operationId: string): Promise<{ status: string; body: string }> {
  const block = page.locator(`#operations-${tag}-${operationId}`);
  await block.locator('.opblock-summary').first().click();
  await block.locator('button.try-out__btn').click();
  await block.locator('button.execute').click();
  const status = block.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor({ timeout: 15_000 });
  const body = await block.locator('.live-responses-table .response-col_description pre').first().innerText();
  return { status: (await status.innerText()).trim(), body };
}

describeWhen(
  existsSync(CHROMIUM) ? { available: true, reason: 'Debian chromium' } : { available: false, reason: `no browser at ${CHROMIUM} (apt-get install chromium)` },
  'the Swagger explorer in headless Chromium',
  () => {
    let gateway: TestGateway;
    let browser: Browser;

    beforeAll(async () => {
      gateway = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: ADMIN });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await gateway?.close();
      await removeDataDir(gateway.dataDir);
    });

    it('spawns a database, creates a table, inserts and queries with the examples as they are, after entering the key once', async () => {
      const page = await browser.newPage();
      const url = (await gateway.app.getUrl()).replace('[::1]', '127.0.0.1');
      await page.goto(`${url}/docs`);
      await page.locator('.swagger-ui .information-container').waitFor();
      for (const tag of ['admin', 'data', 'keys', 'health']) await page.locator(`#operations-tag-${tag}`).waitFor();

      // Authorize once, with the bearer scheme.
      await page.locator('button.authorize').first().click();
      await page.locator('.modal-ux input[type=text], .modal-ux input[type=password]').first().fill(ADMIN);
      await page.locator('.modal-ux button.modal-btn.auth.authorize').first().click();
      await page.locator('.modal-ux button.btn-done').first().click();

      expect(await tryItOut(page, 'admin', 'AdminController_spawn')).toMatchObject({ status: '201' });
      expect(await tryItOut(page, 'data', 'DataController_createTable')).toMatchObject({ status: '201' });
      expect(await tryItOut(page, 'data', 'DataController_insertRows')).toMatchObject({ status: '201' });
      const query = await tryItOut(page, 'data', 'DataController_query');
      expect(query.status).toBe('200');
      expect(JSON.parse(query.body)).toEqual({ data: [{ id: 1, name: 'Ada', age: 36 }, { id: 2, name: 'Alan', age: 41 }], rows_affected: 2 });
    }, 90_000);
  },
);
