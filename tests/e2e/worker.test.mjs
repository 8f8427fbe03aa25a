// Training in the web worker, in a real browser: a long ridge sweep in the notebook's Train
// cell shows its progress advancing while the page keeps painting and ends at the
// reference; Cancel stops a sweep without recording a run and the next training works; a
// single OLS training gives the reference's numbers and the Train panel's, to the bit.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './browser.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const REFERENCE = JSON.parse(
  readFileSync(resolve(REPO, '..', 'shared', 'data', 'reference_2021-01_2021-02.json'), 'utf8'),
);
const BASE_URL = process.env.FLOWBOOK_URL;
const LONG = { timeout: 180_000 };

function reference(firstFeature, model) {
  const row = REFERENCE.results.find((r) => r.features[0] === firstFeature && r.model === model);
  assert.ok(row, `no reference row for ${firstFeature} ${model}`);
  return row;
}

/** `count` alphas spread from 1e-3 to 1e3 (log scale), then `last`. */
function sweepAlphas(count, last) {
  const alphas = Array.from({ length: count - 1 }, (_, i) => 10 ** (-3 + (6 * i) / (count - 2)));
  return [...alphas.map((a) => a.toPrecision(6)), String(last)].join(', ');
}

const cell = (page, kind) => page.locator(`[data-testid="cell"][data-kind="${kind}"]`).first();

async function cellRuns(page, kind) {
  return Number(await cell(page, kind).getAttribute('data-runs'));
}

async function waitAllFresh(page) {
  await page.waitForFunction(
    () => {
      const states = [...document.querySelectorAll('[data-testid="cell-state"]')];
      return states.length > 0 && states.every((s) => s.dataset.state === 'fresh');
    },
    null,
    LONG,
  );
}

async function cellValRmse(page) {
  const value = cell(page, 'train').getByTestId('cell-val-rmse');
  await value.waitFor(LONG);
  return Number(await value.getAttribute('data-value'));
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
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (m) => { if (m.type() === 'error') console.log('console:', m.text().slice(0, 300)); });
    await page.goto(BASE_URL, { waitUntil: 'load' });
    await page.locator('[data-testid="cell"]').first().waitFor(LONG);
  });

  after(async () => {
    await browser?.close();
  });

  test('a single OLS training matches the reference, and the panel and the cell agree to the bit', async () => {
    await page.getByTestId('run-all').click();
    const cellVal = await cellValRmse(page);
    const want = reference('PU_DO', 'ols');
    assert.ok(Math.abs(cellVal - want.val_rmse) <= 1e-3, `cell val ${cellVal} vs ${want.val_rmse}`);
    await waitAllFresh(page);

    await page.waitForFunction(() => !document.querySelector('[data-testid="train"]')?.disabled, null, LONG);
    await page.getByTestId('train').click();
    await page.getByTestId('train-result').waitFor(LONG);
    const panelVal = await page.getByTestId('val-rmse').getAttribute('data-value');
    const panelTrain = Number(await page.getByTestId('train-rmse').getAttribute('data-value'));
    assert.ok(Math.abs(panelTrain - want.train_rmse) <= 1e-5, `train ${panelTrain} vs ${want.train_rmse}`);
    // Both went through the worker (no note about training on the page) and print the same f64.
    assert.equal(await page.getByTestId('train-note').count(), 0);
    assert.equal(panelVal, await cell(page, 'train').getByTestId('cell-val-rmse').getAttribute('data-value'));
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
});
