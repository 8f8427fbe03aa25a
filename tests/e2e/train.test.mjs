// The Train cell in a real browser: the model trained in wasm on the bundled files must
// reach the converged scikit-learn optimum of ../shared/data/reference_2021-01_2021-02.json.
// It is the one way to train: the notebook's Train cell, with the Prepare cell's features.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  cell, cellRuns, nextFrames, openApp, openPanel, REFERENCE, reference, REPO, SHARED_DATA, trainInCell, typeInto, waitAllFresh,
} from './app_page.mjs';
import { launchBrowser } from './browser.mjs';

const BASE_URL = process.env.FLOWBOOK_URL;
const VENV = process.env.FLOWBOOK_VENV || join(homedir(), '.cache', 'flowbook', 'venv');

/** scikit-learn's converged results for a train/validation pair, computed now by the oracle. */
function oracle(trainName, validationName) {
  const out = execFileSync(
    join(VENV, 'bin', 'python'),
    [join(REPO, 'tests', 'oracle', 'oracle.py'), join(SHARED_DATA, trainName), join(SHARED_DATA, validationName)],
    { encoding: 'utf8', maxBuffer: 16 << 20 },
  );
  return JSON.parse(out);
}

describe('Train cell', () => {
  let browser;
  let page;
  const pageErrors = [];

  before(async () => {
    assert.ok(BASE_URL, 'set FLOWBOOK_URL to the served app');
    browser = await launchBrowser();
    page = await openApp(browser, pageErrors);
  });

  after(async () => {
    await browser?.close();
  });

  test('PU_DO OLS matches the reference within 1e-5 (train) and 1e-3 (validation)', async () => {
    const started = Date.now();
    const got = await trainInCell(page, { model: 'ols' });
    const want = reference('PU_DO', 'ols');
    assert.ok(Math.abs(got.train - want.train_rmse) <= 1e-5, `train ${got.train} vs ${want.train_rmse}`);
    assert.ok(Math.abs(got.validation - want.val_rmse) <= 1e-3, `val ${got.validation} vs ${want.val_rmse}`);
    console.log(`page load to the whole notebook run: ${Date.now() - started} ms (after navigation)`);

    // The evaluation below the Train cell: three charts drawn on canvases, and the residual
    // summary over every validation trip the model predicted.
    const evaluation = cell(page, 'evaluate');
    for (const id of ['chart-predicted-vs-actual', 'chart-residuals', 'chart-coefficients']) {
      const canvas = evaluation.locator(`[data-testid="${id}"][data-drawn="true"]`);
      await canvas.waitFor({ timeout: 30_000 });
      const inked = await canvas.evaluate((element) => {
        const { data } = element.getContext('2d').getImageData(0, 0, element.width, element.height);
        let count = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) count += 1;
        }
        return count / (data.length / 4);
      });
      assert.ok(inked > 0.02, `${id}: only ${(inked * 100).toFixed(2)}% of the canvas is drawn on`);
    }
    const summary = await evaluation.getByTestId('evaluate').textContent();
    assert.match(summary, new RegExp(`${REFERENCE.val_rows} trips: residual mean`));

    // The coefficients, as text too: the largest first, zone pairs named by their zones.
    const coefficients = await evaluation.getByTestId('coefficient-row').evaluateAll((rows) =>
      rows.map((row) => ({ label: row.cells[0].textContent, value: Number(row.cells[1].textContent) })),
    );
    assert.equal(coefficients.length, 15);
    const magnitudes = coefficients.map((c) => Math.abs(c.value));
    assert.deepEqual(magnitudes, [...magnitudes].sort((a, b) => b - a));
    const pairs = coefficients.filter((c) => c.label.startsWith('PU_DO'));
    assert.ok(pairs.length > 0, 'zone pairs among the largest');
    for (const { label } of pairs) assert.match(label, /^PU_DO \d+→\d+: .+ → .+$/, label);
  });

  test('changing the model and alpha retrains: Ridge(1) and Lasso(0.01) on PU+DO', async () => {
    for (const [model, alpha, name] of [
      ['ridge', '1', 'ridge alpha=1'],
      ['lasso', '0.01', 'lasso alpha=0.01'],
    ]) {
      const got = await trainInCell(page, { model, alpha, features: 'PU+DO' });
      const want = reference('PULocationID', name);
      assert.ok(Math.abs(got.train - want.train_rmse) <= 1e-5, `${name} train ${got.train}`);
      assert.ok(Math.abs(got.validation - want.val_rmse) <= 1e-3, `${name} val ${got.validation}`);
    }
  });

  test('a bad alpha is explained, not crashed on, and the last result stays', async () => {
    const train = cell(page, 'train');
    const shown = await train.getByTestId('cell-val-rmse').getAttribute('data-value');
    const runs = await cellRuns(page, 'train');
    const alpha = train.getByTestId('cell-alpha');
    await typeInto(alpha, '');
    await alpha.dispatchEvent('change');
    const message = await train.getByTestId('cell-edit-error').textContent();
    assert.match(message, /Cannot use these settings: .*alpha/);
    await nextFrames(page);
    await waitAllFresh(page);
    assert.equal(await cellRuns(page, 'train'), runs, 'nothing trained');
    assert.equal(await train.getByTestId('cell-val-rmse').getAttribute('data-value'), shown);
    assert.deepEqual(pageErrors, []);
    await page.screenshot({ path: '/tmp/flowbook-train.png', fullPage: true });
  });

  test('giving another file the validation role trains against it', async () => {
    const march = 'green_tripdata_2021-03.parquet';
    await trainInCell(page, { model: 'ols', features: 'PU_DO' });
    await openPanel(page, 'data');
    await page.getByTestId('file-input').setInputFiles(join(SHARED_DATA, march));
    const card = page.locator(`[data-testid="dataset"][data-file-name="${march}"]`);
    await card.getByTestId('role').waitFor({ timeout: 60_000 });
    await card.getByTestId('role').selectOption('validation');
    const february = page.locator('[data-testid="dataset"][data-file-name="green_tripdata_2021-02.parquet"]');
    assert.equal(await february.getByTestId('role').inputValue(), 'other', 'one validation file at a time');
    // The notebook, already run, reruns on the new validation file by itself.
    const data = cell(page, 'data');
    await page.waitForFunction(
      (name) =>
        document.querySelector('[data-testid="cell"][data-kind="data"] [data-testid="cell-summary"]')?.textContent.includes(`Validation: ${name}`),
      march,
      { timeout: 60_000 },
    );
    await waitAllFresh(page);
    const train = cell(page, 'train');
    const got = {
      train: Number(await train.getByTestId('cell-train-rmse').getAttribute('data-value')),
      validation: Number(await train.getByTestId('cell-val-rmse').getAttribute('data-value')),
    };
    const want = oracle('green_tripdata_2021-01.parquet', march).find(
      (r) => r.features[0] === 'PU_DO' && r.model === 'ols',
    );
    assert.ok(Math.abs(got.train - want.train_rmse) <= 1e-5, `train ${got.train} vs ${want.train_rmse}`);
    assert.ok(Math.abs(got.validation - want.val_rmse) <= 1e-3, `val ${got.validation} vs ${want.val_rmse}`);

    // With no validation file, the notebook says what is missing instead of training.
    await card.getByTestId('role').selectOption('other');
    await page.getByTestId('run-all').click();
    await data.getByTestId('cell-error').waitFor({ timeout: 60_000 });
    assert.match(await data.getByTestId('cell-error').textContent(), /Validation: none — choose “Validation” on a dataset card in the Data panel/);
    await train.locator('[data-testid="cell-state"][data-state="blocked"]').waitFor();
    assert.deepEqual(pageErrors, []);
  });
});
