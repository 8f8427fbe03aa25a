// Local experiment tracking in a real browser: every training becomes a run, the runs
// survive a reload (IndexedDB), and the runs table filters with MLflow's search syntax.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { exportExperiment, openApp, openPanel, runRows, typeInto, waitForSaved, waitForTrainEnabled } from './app_page.mjs';
import { launchBrowser } from './browser.mjs';

const BASE_URL = process.env.FLOWBOOK_URL;

describe('Runs', () => {
  let browser;
  let page;
  const pageErrors = [];
  const trained = [];

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
    await waitForTrainEnabled(page, 60_000);
    assert.equal(await page.getByTestId('run-row').count(), 0, 'a fresh browser has no runs');
    for (const [model, alpha] of [['ols', ''], ['ridge', '1'], ['lasso', '0.01']]) {
      await page.getByTestId('model').selectOption(model);
      if (alpha) await typeInto(page.getByTestId('alpha'), alpha);
      await page.getByTestId('train').click();
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid="run-row"]').length === n, trained.length + 1);
      const val = Number(await page.getByTestId('val-rmse').getAttribute('data-value'));
      trained.push({ model, val });
    }
    const shown = await rows();
    assert.equal(shown.length, 3);
    for (const { model, val } of trained) {
      const row = shown.find((r) => r.model === model);
      assert.ok(row, `no row for ${model}`);
      assert.equal(row.val, val, `${model}: the table shows the trained value`);
    }
  });

  test('runs survive a page reload', async () => {
    const before = (await rows()).map((r) => r.id).sort();
    await waitForSaved(page);
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 3, null, {
      timeout: 30_000,
    });
    const afterReload = await rows();
    assert.deepEqual(afterReload.map((r) => r.id).sort(), before);
    for (const { model, val } of trained) {
      assert.equal(afterReload.find((r) => r.model === model).val, val);
    }
  });

  test('filters select the right runs; a malformed filter is explained', async () => {
    const ridge = trained.find((t) => t.model === 'ridge').val;
    await openPanel(page, 'runs');
    const filter = page.getByTestId('runs-filter');
    await filter.fill(`metrics.val_rmse < ${ridge + 1e-6} and params.model = 'ridge'`);
    let shown = await rows();
    assert.deepEqual(shown.map((r) => r.model), ['ridge']);

    const cutoff = Math.max(...trained.map((t) => t.val));
    await filter.fill(`metrics.val_rmse < ${cutoff}`);
    shown = await rows();
    const expected = trained.filter((t) => t.val < cutoff).map((t) => t.model).sort();
    assert.deepEqual(shown.map((r) => r.model).sort(), expected);

    await filter.fill('metrics.val_rmse <');
    const message = await page.getByTestId('runs-filter-error').textContent();
    assert.match(message, /position/);
    assert.equal(await page.getByTestId('run-row').count(), 0);

    await filter.fill('params.model = ridge');
    assert.match(await page.getByTestId('runs-filter-error').textContent(), /quote|'/);
    await filter.fill('');
    assert.equal(await page.getByTestId('run-row').count(), 3);
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
    assert.equal(exported.runs.length, 3);

    const fresh = await browser.newContext();
    const other = await fresh.newPage();
    other.on('pageerror', (error) => pageErrors.push(error.message));
    await other.goto(BASE_URL, { waitUntil: 'load' });
    await openPanel(other, 'runs');
    assert.equal(await other.getByTestId('run-row').count(), 0, 'a fresh profile has no runs');
    await other.getByTestId('import-experiment').setInputFiles(path);
    await other.locator('[data-testid="exchange-status"][data-state="done"]').waitFor();
    assert.match(await other.getByTestId('exchange-status').textContent(), /Imported 3 run\(s\)/);
    const imported = (await runRows(other)).sort((a, b) => a.id.localeCompare(b.id));
    assert.deepEqual(imported, original);

    // Importing again adds nothing; imported runs survive a reload; garbage is explained.
    await other.getByTestId('import-experiment').setInputFiles(path);
    await other.waitForFunction(() => document.querySelector('[data-testid="exchange-status"]')?.textContent.includes('3 were already here'));
    await other.reload({ waitUntil: 'load' });
    await other.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 3, null, {
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
