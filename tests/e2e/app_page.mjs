// What the end-to-end tests read and do on Flowbook's page, shared by the test files: the
// reference results, the notebook's cells (training with its Train cell), the runs table,
// and typing a number the way a person does.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROWSER } from './browser.mjs';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DATA = resolve(REPO, '..', 'shared', 'data');
/** scikit-learn's converged results on the bundled January (train) / February (validation). */
export const REFERENCE = JSON.parse(readFileSync(resolve(SHARED_DATA, 'reference_2021-01_2021-02.json'), 'utf8'));

/** The reference row whose first feature and model name are these. */
export function reference(firstFeature, model) {
  const row = REFERENCE.results.find((r) => r.features[0] === firstFeature && r.model === model);
  assert.ok(row, `no reference row for ${firstFeature} ${model}`);
  return row;
}

/**
 * Replaces an input's text by selecting it and typing, as a person does. Playwright's
 * `fill` does not select the text of an `<input type="number">` in Firefox (over WebDriver
 * BiDi) and would append to it; the keyboard works the same in both browsers.
 */
export async function typeInto(input, text) {
  await input.click();
  await input.press('ControlOrMeta+A');
  if (text === '') await input.press('Delete');
  else await input.pressSequentially(text);
}

/**
 * Opens the app (`url`, by default the served one) on a new page in a context of its own;
 * the page's errors are collected in `pageErrors`.
 */
export async function openApp(browser, pageErrors, { url = process.env.FLOWBOOK_URL, contextOptions = {} } = {}) {
  const page = await (await browser.newContext(contextOptions)).newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(url, { waitUntil: 'load' });
  return page;
}

/**
 * Opens the app in a context of its own whose training worker script cannot load (and no
 * service worker answers it from a cache), runs the whole default notebook, which then
 * trains on the page, and adds a cell of `kind`. The page's errors go to `errors`.
 */
export async function notebookWithoutWorker(browser, url, kind, errors, contextOptions = {}) {
  const context = await browser.newContext({ ...contextOptions, serviceWorkers: 'block' });
  await context.route('**/flowbook-worker_loader.js', (route) => route.abort());
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url, { waitUntil: 'load' });
  // Training on the page takes longer than in a worker.
  const timeout = 240_000;
  await page.locator('[data-testid="cell"][data-kind="data"]').waitFor({ timeout });
  await page.getByTestId('run-all').click();
  await waitAllFresh(page, timeout);
  await page.getByTestId('add-cell').last().selectOption(kind);
  const added = page.locator(`[data-testid="cell"][data-kind="${kind}"]`);
  await added.waitFor();
  return { context, page, cell: added };
}

/**
 * Clicks "Export experiment" and returns the path of the file the page offered.
 *
 * Chromium's download is saved as it is. Playwright over WebDriver BiDi reports no download
 * for a `blob:` address in Firefox, so there the file is read from the address of the link
 * the page clicks, at the moment it clicks it.
 */
export async function exportExperiment(page) {
  await openPanel(page, 'runs');
  const path = join(mkdtempSync(join(tmpdir(), 'flowbook-export-')), 'flowbook-experiment.json');
  if (BROWSER !== 'firefox') {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-experiment').click()]);
    await download.saveAs(path);
    return path;
  }
  await page.evaluate(() => {
    const click = HTMLAnchorElement.prototype.click;
    window.flowbookOffered = new Promise((resolve, reject) => {
      HTMLAnchorElement.prototype.click = function offered() {
        HTMLAnchorElement.prototype.click = click;
        fetch(this.href).then((response) => response.text()).then((text) => resolve({ name: this.download, text }), reject);
        return click.call(this);
      };
    });
  });
  await page.getByTestId('export-experiment').click();
  const offered = await page.evaluate(() => window.flowbookOffered);
  assert.equal(offered.name, 'flowbook-experiment.json');
  writeFileSync(path, offered.text);
  return path;
}

// --- The notebook ----------------------------------------------------------------------

export const cell = (page, kind) => page.locator(`[data-testid="cell"][data-kind="${kind}"]`).first();

/** How many times the first cell of this kind has run (its `data-runs`). */
export async function cellRuns(page, kind) {
  return Number(await cell(page, kind).getAttribute('data-runs'));
}

export async function waitAllFresh(page, timeout = 120_000) {
  await page.waitForFunction(
    () => {
      const states = [...document.querySelectorAll('[data-testid="cell-state"]')];
      return states.length > 0 && states.every((s) => s.dataset.state === 'fresh');
    },
    null,
    { timeout },
  );
}

/** The Train cell's validation RMSE, once shown. */
export async function cellValRmse(page, timeout = 120_000) {
  const value = cell(page, 'train').getByTestId('cell-val-rmse');
  await value.waitFor({ timeout });
  return Number(await value.getAttribute('data-value'));
}

/** How many trainings the page's Train cells ran since it loaded (each one a run). */
export function trainingsMade(page) {
  return page
    .locator('[data-testid="cell"][data-kind="train"]')
    .evaluateAll((cells) => cells.reduce((sum, c) => sum + Number(c.dataset.runs), 0));
}

/** Resolves after the browser has painted twice: what a change event set is on screen. */
export function nextFrames(page) {
  return page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
}

/** Waits until the bundled files are in: both decoded, their previews shown. */
export function waitForBundledFiles(page, timeout = 120_000) {
  return page.waitForFunction(() => document.querySelectorAll('[data-testid="preview"]').length >= 2, null, { timeout });
}

/** Runs the whole notebook once the bundled files are in, and waits until it is up to date. */
export async function runAll(page, timeout = 120_000) {
  await page.locator('[data-testid="cell"][data-kind="data"]').waitFor({ timeout });
  await waitForBundledFiles(page, timeout);
  await page.getByTestId('run-all').click();
  await waitAllFresh(page, timeout);
}

/**
 * The Prepare cell's categorical features: 'PU_DO' (the zone pair) or 'PU+DO' (pickup and
 * dropoff zones apart). Each box changed is an edit, which the notebook reruns. Returns
 * whether any box changed.
 */
export async function chooseFeatures(page, features) {
  const wanted = features === 'PU+DO' ? ['PULocationID', 'DOLocationID'] : ['PU_DO'];
  const box = (name) => cell(page, 'prepare').getByTestId(`prepare-feature-${name}`);
  let changed = false;
  // Boxes are ticked before others are cleared, so no edit leaves the cell without features.
  for (const name of wanted) {
    if (!(await box(name).isChecked())) {
      await box(name).check();
      changed = true;
    }
  }
  for (const name of ['PU_DO', 'PULocationID', 'DOLocationID'].filter((n) => !wanted.includes(n))) {
    if (await box(name).isChecked()) {
      await box(name).uncheck();
      changed = true;
    }
  }
  return changed;
}

/**
 * Trains a model with the notebook's (first) Train cell, the one way Flowbook trains: each
 * setting changed in the cells is an edit, which the notebook reruns with what reads it (a
 * notebook not run yet runs whole); with nothing to change, a notebook not run yet is run
 * with Run all. Every training is recorded as a run. Resolves once the cell shows this
 * model's result and every cell is up to date, with the RMSEs it shows.
 */
export async function trainInCell(page, { model, alpha, features } = {}, timeout = 120_000) {
  const train = cell(page, 'train');
  await page.locator('[data-testid="cell"][data-kind="data"]').waitFor({ timeout });
  let edited = features ? await chooseFeatures(page, features) : false;
  const modelSelect = train.getByTestId('cell-model');
  if (model && (await modelSelect.inputValue()) !== model) {
    await modelSelect.selectOption(model);
    edited = true;
  }
  const chosen = await modelSelect.inputValue();
  const alphaInput = train.getByTestId('cell-alpha');
  if (alpha && chosen !== 'ols' && Number(await alphaInput.inputValue()) !== Number(alpha)) {
    await typeInto(alphaInput, alpha);
    await alphaInput.dispatchEvent('change');
    edited = true;
  }
  if (!edited && (await train.getByTestId('cell-train-result').count()) === 0) await runAll(page, timeout);
  assert.ok(['ols', 'ridge', 'lasso'].includes(chosen), `trainInCell knows OLS, Ridge and Lasso, not ${chosen}`);
  assert.equal(await train.getByTestId('cell-sweep').inputValue(), '', 'trainInCell trains one model, not a sweep');
  const label = chosen === 'ols' ? 'ols' : `${chosen} alpha=${Number(await alphaInput.inputValue())}`;
  await train.locator(`[data-testid="cell-train-result"][data-label="${label}"]`).waitFor({ timeout });
  await nextFrames(page);
  await waitAllFresh(page, timeout);
  const value = async (id) => Number(await train.getByTestId(id).getAttribute('data-value'));
  return { train: await value('cell-train-rmse'), validation: await value('cell-val-rmse') };
}

/**
 * Sets the notebook toolbar's "Run on open": off, a reload leaves the notebook as it is
 * (and records no runs) until the user runs it.
 */
export async function setRunOnOpen(page, on) {
  const box = page.getByTestId('run-on-open');
  if (on) await box.check();
  else await box.uncheck();
}

// --- The registry ------------------------------------------------------------------------

/** Predicts a 1.5-mile East Harlem trip (74 → 75) through the registry's `reference`. */
export async function predictThroughRegistry(page, reference, trip = { pickup: '74', dropoff: '75', distance: '1.5' }) {
  await openPanel(page, 'registry');
  await page.getByTestId('predict-reference').fill(reference);
  await page.getByTestId('predict-pickup').fill(trip.pickup);
  await page.getByTestId('predict-dropoff').fill(trip.dropoff);
  await page.getByTestId('predict-distance').fill(trip.distance);
  await page.getByTestId('predict').click();
  const shown = page.locator('[data-testid="predict-box"] [data-testid="prediction"]');
  await shown.waitFor();
  return shown;
}

// --- The runs table ----------------------------------------------------------------------

/**
 * Waits until every run save the page started is committed: a page closed or reloaded
 * before then would lose the change (the runs card counts them in `data-saving`).
 */
export function waitForSaved(page, timeout = 30_000) {
  return page.waitForFunction(() => document.querySelector('[data-testid="runs"]')?.dataset.saving === '0', null, {
    timeout,
  });
}

/** Waits until the runs table shows exactly `n` rows. */
export function waitForRunRows(page, n, timeout = 60_000) {
  return page.waitForFunction((n) => document.querySelectorAll('[data-testid="run-row"]').length === n, n, {
    timeout,
  });
}

/** The runs table's rows as the page shows them. */
export function runRows(page) {
  return page.getByTestId('run-row').evaluateAll((trs) =>
    trs.map((tr) => {
      const value = (column) => tr.querySelector(`[data-column="${column}"]`)?.dataset.value;
      return {
        id: tr.dataset.clientId,
        deleted: tr.dataset.deleted === 'true',
        name: value('run_name'),
        model: value('params.model'),
        alpha: value('params.alpha'),
        val: Number(value('metrics.val_rmse')),
      };
    }),
  );
}

/**
 * Opens the side panel `key` (data, runs, compare, registry or mlflow) by its tab, as a
 * person does before using what is in it; nothing happens when it is already open.
 */
export async function openPanel(page, key) {
  const tab = page.getByTestId(`tab-${key}`);
  if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
  await page.getByTestId(`panel-${key}`).waitFor();
}
