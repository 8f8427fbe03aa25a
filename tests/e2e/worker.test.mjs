// Training in the web worker, in a real browser: a long ridge sweep in the notebook's Train
// cell shows its progress advancing while the page keeps painting and ends at the
// reference; Cancel stops a sweep without recording a run and the next training works; a
// single OLS training gives the reference's numbers, and the same f64 as training on the page.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cell, cellRuns, cellValRmse, openApp, reference, waitAllFresh } from './app_page.mjs';
import { launchBrowser } from './browser.mjs';

const BASE_URL = process.env.FLOWBOOK_URL;
const LONG = { timeout: 180_000 };

/** `count` alphas spread from 1e-3 to 1e3 (log scale), then `last`. */
function sweepAlphas(count, last) {
  const alphas = Array.from({ length: count - 1 }, (_, i) => 10 ** (-3 + (6 * i) / (count - 2)));
  return [...alphas.map((a) => a.toPrecision(6)), String(last)].join(', ');
}

/** Records, from now on, the progress bar's values and the longest gap between frames. */
async function watchPage(page) {
  await page.evaluate(() => {
    const watch = { values: [], longestGapMs: 0, frames: 0, stop: false };
    window.flowbookWatch = watch;
    let last = performance.now();
    const frame = (now) => {
      watch.longestGapMs = Math.max(watch.longestGapMs, now - last);
      last = now;
      watch.frames += 1;
      const bar = document.querySelector('[data-testid="cell"][data-kind="train"] [data-testid="train-progress-bar"]');
      if (bar) {
        const value = Number(bar.value);
        if (watch.values[watch.values.length - 1] !== value) watch.values.push(value);
      }
      if (!watch.stop) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
}

async function stopWatching(page) {
  return page.evaluate(() => {
    window.flowbookWatch.stop = true;
    return window.flowbookWatch;
  });
}

async function setSweep(page, text) {
  const input = cell(page, 'train').getByTestId('cell-sweep');
  await input.fill(text);
  await input.dispatchEvent('change');
}

describe('Training in the worker', () => {
  let browser;
  let page;
  const pageErrors = [];

  before(async () => {
    assert.ok(BASE_URL, 'set FLOWBOOK_URL to the served app');
    browser = await launchBrowser();
    page = await openApp(browser, pageErrors);
    await page.locator('[data-testid="cell"]').first().waitFor(LONG);
  });

  after(async () => {
    await browser?.close();
  });

  // The OLS validation RMSE the worker gave, as the page prints it: training on the page
  // (below) must print the very same f64.
  let workerVal;

  test('a single OLS training in the worker matches the reference', async () => {
    await page.getByTestId('run-all').click();
    const cellVal = await cellValRmse(page);
    const want = reference('PU_DO', 'ols');
    assert.ok(Math.abs(cellVal - want.val_rmse) <= 1e-3, `cell val ${cellVal} vs ${want.val_rmse}`);
    await waitAllFresh(page);
    const trainCell = cell(page, 'train');
    const train = Number(await trainCell.getByTestId('cell-train-rmse').getAttribute('data-value'));
    assert.ok(Math.abs(train - want.train_rmse) <= 1e-5, `train ${train} vs ${want.train_rmse}`);
    // It went through the worker: no note about training on the page.
    assert.equal(await trainCell.getByTestId('cell-train-note').count(), 0);
    workerVal = await trainCell.getByTestId('cell-val-rmse').getAttribute('data-value');
    assert.deepEqual(pageErrors, []);
  });

  test('a 300-alpha ridge sweep shows progress while the page keeps painting, and ends at the reference', async () => {
    const trainCell = cell(page, 'train');
    await trainCell.getByTestId('cell-model').selectOption('ridge');
    await waitAllFresh(page);
    const before = await cellRuns(page, 'train');
    await watchPage(page);
    const started = Date.now();
    await setSweep(page, sweepAlphas(300, 10));
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="cell"][data-kind="train"]').dataset.runs) > n,
      before,
      LONG,
    );
    const sweepMs = Date.now() - started;
    const watch = await stopWatching(page);
    await waitAllFresh(page);
    console.log(
      `300-alpha sweep: ${sweepMs} ms; progress values seen: ${watch.values.length} ` +
        `(${watch.values.slice(0, 5).join(', ')} … ${watch.values.slice(-3).join(', ')}); ` +
        `longest gap between frames: ${watch.longestGapMs.toFixed(1)} ms over ${watch.frames} frames`,
    );
    assert.ok(watch.values.length >= 2, `the bar was seen at ${watch.values.length} values`);
    assert.ok(watch.values.every((v, i) => i === 0 || v > watch.values[i - 1]), `${watch.values}`);
    assert.ok(watch.longestGapMs < 500, `the page froze for ${watch.longestGapMs} ms`);
    assert.ok(watch.longestGapMs < sweepMs / 2, `longest gap ${watch.longestGapMs} ms of a ${sweepMs} ms sweep`);
    const last = await cellValRmse(page);
    const ten = reference('PU_DO', 'ridge alpha=10');
    assert.ok(Math.abs(last - ten.val_rmse) <= 1e-3, `sweep's last alpha ${last} vs ${ten.val_rmse}`);
    assert.deepEqual(pageErrors, []);
  });

  test('Cancel stops a sweep, records no run, and the next training works', async () => {
    const rows = await page.getByTestId('run-row').count();
    // Long enough (a few seconds) to be under way when Cancel is clicked.
    await setSweep(page, sweepAlphas(1500, 1));
    const cancel = cell(page, 'train').getByTestId('train-cancel');
    await cancel.waitFor(LONG);
    await cancel.click();
    const error = cell(page, 'train').getByTestId('cell-error');
    await error.waitFor(LONG);
    assert.equal((await error.textContent()).trim(), 'Cancelled');
    await page.waitForTimeout(500);
    assert.equal(await page.getByTestId('run-row').count(), rows, 'a cancelled training records no run');

    // Without the sweep: Ridge(1) on a fresh worker, as in the reference.
    await setSweep(page, '');
    await waitAllFresh(page);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="run-row"]').length === n, rows + 1, LONG);
    const got = await cellValRmse(page);
    const want = reference('PU_DO', 'ridge alpha=1');
    assert.ok(Math.abs(got - want.val_rmse) <= 1e-3, `ridge(1) val ${got} vs ${want.val_rmse}`);
    assert.deepEqual(pageErrors, []);
  });

  /**
   * Runs the default notebook on a fresh page whose worker script is answered by
   * `serveWorker`, and returns the note and validation RMSE of its OLS Train cell. The page
   * is closed without waiting for the cells after it.
   */
  async function trainWithWorker(serveWorker) {
    // Requests from a service worker's cache would not reach the route.
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const fresh = await context.newPage();
    const errors = [];
    fresh.on('pageerror', (error) => errors.push(error.message));
    await context.route('**/flowbook-worker_loader.js', serveWorker);
    await fresh.goto(BASE_URL, { waitUntil: 'load' });
    await fresh.locator('[data-testid="cell"][data-kind="data"]').waitFor(LONG);
    await fresh.getByTestId('run-all').click();
    const trainCell = cell(fresh, 'train');
    await trainCell.getByTestId('cell-train-result').waitFor(LONG);
    const note = (await trainCell.getByTestId('cell-train-note').textContent()).trim();
    const validation = await trainCell.getByTestId('cell-val-rmse').getAttribute('data-value');
    await context.close();
    assert.deepEqual(errors, []);
    return { note, validation };
  }

  test('a worker script that cannot load: the training runs on the page and says so', async () => {
    const { note, validation } = await trainWithWorker((route) => route.abort());
    assert.match(note, /^Trained on the page, which could not respond meanwhile: the training worker did not start/);
    const want = reference('PU_DO', 'ols');
    assert.ok(Math.abs(Number(validation) - want.val_rmse) <= 1e-3, `val ${validation} vs ${want.val_rmse}`);
    // The same engine on the page and in the worker prints the same f64.
    assert.equal(validation, workerVal, 'the page and the worker (first test) agree to the bit');
  });

  test('a worker that never says it is ready: after 20 s the training runs on the page', async () => {
    const started = Date.now();
    const { note, validation } = await trainWithWorker((route) =>
      route.fulfill({ contentType: 'text/javascript', body: '// a worker that never answers\n' }),
    );
    assert.match(note, /the training worker did not start within 20 s/);
    assert.ok(Date.now() - started >= 20_000, 'it waited for the worker first');
    const want = reference('PU_DO', 'ols');
    assert.ok(Math.abs(Number(validation) - want.val_rmse) <= 1e-3, `val ${validation} vs ${want.val_rmse}`);
  });
});
