// Local experiment tracking in a real browser: every training becomes a run, the runs
// survive a reload (IndexedDB), and the runs table filters with MLflow's search syntax.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  exportExperiment, openApp, openPanel, runRows, trainingsMade, trainInCell, waitAllFresh, waitForSaved,
} from './app_page.mjs';
import { launchBrowser } from './browser.mjs';

const BASE_URL = process.env.FLOWBOOK_URL;

describe('Runs', () => {
  let browser;
  let page;
  const pageErrors = [];
  const trained = [];
  // Every run the table should show, once the notebook has settled.
  let expectedRows = 0;

  before(async () => {
    assert.ok(BASE_URL, 'set FLOWBOOK_URL to the served app');
    browser = await launchBrowser();
    page = await openApp(browser, pageErrors);
  });

  after(async () => {
    await browser?.close();
  });

  const rows = () => runRows(page);

  test('each training is recorded with its metrics', async () => {
    await page.locator('[data-testid="cell"][data-kind="data"]').waitFor({ timeout: 60_000 });
    assert.equal(await page.getByTestId('run-row').count(), 0, 'a fresh browser has no runs');
    for (const [model, alpha] of [['ols'], ['ridge', '1'], ['lasso', '0.01']]) {
      const { validation } = await trainInCell(page, { model, alpha });
      trained.push({ model, val: validation });
    }
    // Every training is one row: Run all's two (OLS and the trees), Ridge, Lasso at 0.01,
    // and possibly Lasso at the alpha it had before 0.01 was typed.
    expectedRows = await trainingsMade(page);
    assert.ok(expectedRows >= 4, `${expectedRows} trainings`);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="run-row"]').length === n, expectedRows);
    const shown = await rows();
    for (const { model, val } of trained) {
      const row = shown.find((r) => r.model === model && r.val === val);
      assert.ok(row, `no row for ${model} with val_rmse ${val}`);
    }
    assert.ok(shown.some((r) => r.model === 'gbdt'), 'the trees of Run all');
  });

  test('runs survive a page reload', async () => {
    const before = (await rows()).map((r) => r.id).sort();
    await waitForSaved(page);
    await page.reload({ waitUntil: 'load' });
    // A notebook this browser has run runs again by itself once its files are in: its
    // trainings add to the runs kept.
    await page.locator('[data-testid="cell"][data-kind="data"]').waitFor({ timeout: 60_000 });
    await waitAllFresh(page);
    expectedRows = before.length + (await trainingsMade(page));
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="run-row"]').length === n, expectedRows, {
      timeout: 30_000,
    });
    const afterReload = await rows();
    const kept = afterReload.filter((r) => before.includes(r.id));
    assert.deepEqual(kept.map((r) => r.id).sort(), before);
    for (const { model, val } of trained) {
      assert.ok(kept.find((r) => r.model === model && r.val === val), `${model} ${val} kept`);
    }
  });

  test('filters select the right runs; a malformed filter is explained', async () => {
    const ridge = trained.find((t) => t.model === 'ridge').val;
    await openPanel(page, 'runs');
    const filter = page.getByTestId('runs-filter');
    const all = await rows();
    await filter.fill(`metrics.val_rmse < ${ridge + 1e-6} and params.model = 'ridge'`);
    let shown = await rows();
    assert.deepEqual(shown.map((r) => r.model), ['ridge']);

    const cutoff = Math.max(...trained.map((t) => t.val));
    await filter.fill(`metrics.val_rmse < ${cutoff}`);
    shown = await rows();
    const expected = all.filter((t) => t.val < cutoff).map((t) => t.model).sort();
    assert.deepEqual(shown.map((r) => r.model).sort(), expected);

    await filter.fill('metrics.val_rmse <');
    const message = await page.getByTestId('runs-filter-error').textContent();
    assert.match(message, /position/);
    assert.equal(await page.getByTestId('run-row').count(), 0);

    await filter.fill('params.model = ridge');
    assert.match(await page.getByTestId('runs-filter-error').textContent(), /quote|'/);
    await filter.fill('');
    assert.equal(await page.getByTestId('run-row').count(), expectedRows);
  });

  test('clicking a column header sorts by it, again reverses', async () => {
    const header = page.locator('button.sort[data-column="metrics.val_rmse"]');
    await header.click();
    const ascending = (await rows()).map((r) => r.val);
    assert.deepEqual(ascending, [...ascending].sort((a, b) => a - b));
    await header.click();
    const descending = (await rows()).map((r) => r.val);
    assert.deepEqual(descending, [...ascending].reverse());
    assert.deepEqual(pageErrors, []);
    await page.screenshot({ path: '/tmp/flowbook-runs.png', fullPage: true });
  });

  test('an exported experiment imports into a fresh browser profile with nothing lost', async () => {
    const original = (await rows()).sort((a, b) => a.id.localeCompare(b.id));
    const path = await exportExperiment(page);
    const exported = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(exported.format, 'flowbook-experiment');
    assert.equal(exported.runs.length, expectedRows);

    const fresh = await browser.newContext();
    const other = await fresh.newPage();
    other.on('pageerror', (error) => pageErrors.push(error.message));
    await other.goto(BASE_URL, { waitUntil: 'load' });
    await openPanel(other, 'runs');
    assert.equal(await other.getByTestId('run-row').count(), 0, 'a fresh profile has no runs');
    await other.getByTestId('import-experiment').setInputFiles(path);
    await other.locator('[data-testid="exchange-status"][data-state="done"]').waitFor();
    assert.match(await other.getByTestId('exchange-status').textContent(), new RegExp(`Imported ${expectedRows} run\\(s\\)`));
    const imported = (await runRows(other)).sort((a, b) => a.id.localeCompare(b.id));
    assert.deepEqual(imported, original);

    // Importing again adds nothing; imported runs survive a reload; garbage is explained.
    await other.getByTestId('import-experiment').setInputFiles(path);
    await other.waitForFunction(
      (n) => document.querySelector('[data-testid="exchange-status"]')?.textContent.includes(`${n} were already here`),
      expectedRows,
    );
    await other.reload({ waitUntil: 'load' });
    await other.waitForFunction((n) => document.querySelectorAll('[data-testid="run-row"]').length === n, expectedRows, {
      timeout: 30_000,
    });
    await other.getByTestId('import-experiment').setInputFiles({
      name: 'notes.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"hello": 1}'),
    });
    const failed = other.locator('[data-testid="exchange-status"][data-state="failed"]');
    await failed.waitFor();
    assert.match(await failed.textContent(), /Could not import notes\.json: this is not a Flowbook experiment file/);
    await fresh.close();
    assert.deepEqual(pageErrors, []);
  });
});
