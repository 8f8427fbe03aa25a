// The run store across a browser restart (a real profile directory, the browser closed and
// started again) and with a full storage quota (Chromium's own quota override): the run is
// kept in the first case, and explained while it stays on the page in the second.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPanel, runAll, runRows } from './app_page.mjs';
import { BROWSER, launchBrowser, launchPersistent } from './browser.mjs';

const BASE_URL = process.env.FLOWBOOK_URL;

/** Runs the default notebook (its two Train cells record a run each); the OLS run's id. */
async function trainOnce(page) {
  await page.goto(BASE_URL, { waitUntil: 'load' });
  await runAll(page);
  await openPanel(page, 'runs');
  await page.getByTestId('run-row').nth(1).waitFor({ timeout: 60_000 });
  return (await runRows(page)).find((r) => r.model === 'ols').id;
}

describe('Run storage', () => {
  const profile = mkdtempSync(join(tmpdir(), 'flowbook-profile-'));
  after(() => rmSync(profile, { recursive: true, force: true }));

  test('a run survives closing the browser and starting it again', async (t) => {
    assert.ok(BASE_URL, 'set FLOWBOOK_URL to the served app');
    let context = await launchPersistent(profile);
    t.after(() => context.close());
    const clientId = await trainOnce(context.pages()[0] ?? (await context.newPage()));
    // The write is committed before the run row's save finishes; give it that moment.
    await new Promise((r) => setTimeout(r, 1000));
    await context.close();

    context = await launchPersistent(profile);
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(BASE_URL, { waitUntil: 'load' });
    await openPanel(page, 'runs');
    const row = page.locator(`[data-testid="run-row"][data-client-id="${clientId}"]`);
    await row.waitFor({ timeout: 60_000 });
    assert.ok(Number(await row.locator('[data-column="metrics.val_rmse"]').getAttribute('data-value')) > 0);
  });

  test('a full storage quota is explained and the run stays on the page', async (t) => {
    // Far less than one run with its model file and charts: in Chromium, its quota
    // override for the origin (over CDP); in Firefox, a limit on all of the profile's
    // temporary storage, in KiB (a preference).
    const browser = await launchBrowser({ 'dom.quotaManager.temporaryStorage.fixedLimit': 50 });
    // Closed even when an assertion fails: an open browser would keep the test file running.
    t.after(() => browser.close());
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(BASE_URL, { waitUntil: 'load' });
    if (BROWSER === 'chromium') {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(BASE_URL).origin, quotaSize: 50_000 });
    }
    await trainOnce(page);
    const status = page.getByTestId('runs-status');
    await status.waitFor({ timeout: 30_000 });
    assert.match(await status.textContent(), /storage is full/);
    assert.equal(await page.getByTestId('run-row').count(), 2, 'the runs are still shown');
  });
});
