// The notebook in a real browser: the default walk-through runs on the bundled files and
// its Train cell reaches the converged scikit-learn optimum of
// ../shared/data/reference_2021-01_2021-02.json; an edit re-runs only the cells that read
// the edited one; the notebook survives a reload and a round-trip through its file; and a
// damaged file is explained while the notebook on screen stays as it was.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { cell, cellRuns, cellValRmse, REFERENCE, reference, typeInto, waitAllFresh, waitForBundledFiles, waitForSaved } from './app_page.mjs';
import { launchBrowser } from './browser.mjs';

const BASE_URL = process.env.FLOWBOOK_URL;
const WORK = mkdtempSync(join(tmpdir(), 'flowbook-notebook-'));
const LONG = { timeout: 120_000 };

/** Waits for the app to mount the notebook (the page's `load` comes before the wasm runs). */
async function waitForCells(page) {
  await page.locator('[data-testid="cell"]').first().waitFor(LONG);
}

async function cellSummary(page) {
  return page.$$eval('[data-testid="cell"]', (cells) =>
    cells.map((c) => `${c.dataset.cellId}:${c.dataset.kind}`),
  );
}

describe('Notebook', () => {
  let browser;
  let context;
  let page;
  let savedPath;
  let ridgeRmse;
  const pageErrors = [];

  before(async () => {
    assert.ok(BASE_URL, 'set FLOWBOOK_URL to the served app');
    browser = await launchBrowser();
    context = await browser.newContext({ acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await browser?.close();
  });

  test('the default notebook runs and its OLS PU_DO Train cell matches the reference', async () => {
    const started = Date.now();
    await page.goto(BASE_URL, { waitUntil: 'load' });
    await waitForCells(page);
    const kinds = await page.$$eval('[data-testid="cell"]', (cells) => cells.map((c) => c.dataset.kind));
    assert.deepEqual(kinds, [
      'markdown', 'data', 'markdown', 'prepare', 'markdown', 'train', 'evaluate', 'markdown', 'compare',
      'markdown', 'predict', 'markdown', 'train', 'evaluate',
    ]);
    // A first visit waits for the user: nothing runs (and no run is recorded) uninvited.
    assert.equal(await cellRuns(page, 'train'), 0);
    await page.getByTestId('run-all').click();
    const got = await cellValRmse(page);
    const elapsed = Date.now() - started;
    const want = reference('PU_DO', 'ols');
    assert.ok(Math.abs(got - want.val_rmse) <= 1e-3, `val ${got} vs ${want.val_rmse}`);
    const train = Number(await cell(page, 'train').getByTestId('cell-train-rmse').getAttribute('data-value'));
    assert.ok(Math.abs(train - want.train_rmse) <= 1e-5, `train ${train} vs ${want.train_rmse}`);
    console.log(`notebook: page load to first result (validation RMSE on screen): ${elapsed} ms`);

    await waitAllFresh(page);
    // Markdown is rendered HTML, not source.
    assert.equal(await cell(page, 'markdown').locator('h1').count(), 1);
    // Evaluate draws the evaluation charts; Compare draws the RMSE of every run.
    for (const [kind, id] of [
      ['evaluate', 'chart-predicted-vs-actual'],
      ['evaluate', 'chart-residuals'],
      ['compare', 'chart-rmse-per-run'],
    ]) {
      await cell(page, kind).locator(`[data-testid="${id}"][data-drawn="true"]`).waitFor(LONG);
    }
    const predicted = Number(await cell(page, 'predict').getByTestId('cell-prediction').getAttribute('data-value'));
    assert.ok(predicted > 1 && predicted < 60, `a 1.5-mile trip in East Harlem: ${predicted} min`);
    assert.deepEqual(pageErrors, []);
  });

  test('editing Train re-runs Train, Evaluate, Compare and Predict; Data and Prepare stay fresh', async () => {
    const trainCell = cell(page, 'train');
    // Ridge at alpha 1: the reference's second PU_DO row.
    let before = await cellRuns(page, 'train');
    await trainCell.getByTestId('cell-model').selectOption('ridge');
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="cell"][data-kind="train"]').dataset.runs) > n, before, LONG);
    await waitAllFresh(page);
    ridgeRmse = await cellValRmse(page);
    const ridge = reference('PU_DO', 'ridge alpha=1');
    assert.ok(Math.abs(ridgeRmse - ridge.val_rmse) <= 1e-3, `ridge(1) val ${ridgeRmse} vs ${ridge.val_rmse}`);

    const kinds = ['data', 'prepare', 'train', 'evaluate', 'compare', 'predict'];
    const runsBefore = Object.fromEntries(await Promise.all(kinds.map(async (k) => [k, await cellRuns(page, k)])));
    // Every state each cell's badge shows from now on.
    await page.evaluate(() => {
      window.seenStates = {};
      for (const c of document.querySelectorAll('[data-testid="cell"]')) {
        const badge = c.querySelector('[data-testid="cell-state"]');
        const seen = (window.seenStates[c.dataset.kind] ??= []);
        new MutationObserver(() => seen.push(badge.dataset.state)).observe(badge, { attributes: true });
      }
    });
    await typeInto(trainCell.getByTestId('cell-alpha'), '10');
    await trainCell.getByTestId('cell-alpha').dispatchEvent('change');
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="cell"][data-kind="predict"]').dataset.runs) > n,
      runsBefore.predict,
      LONG,
    );
    await waitAllFresh(page);
    const seen = await page.evaluate(() => window.seenStates);
    for (const kind of ['train', 'evaluate', 'compare', 'predict']) {
      assert.equal(await cellRuns(page, kind), runsBefore[kind] + 1, `${kind} ran once more`);
      const states = seen[kind] ?? [];
      assert.ok(states.indexOf('stale') >= 0, `${kind} went stale: ${states}`);
      assert.ok(states.lastIndexOf('fresh') > states.indexOf('stale'), `${kind} came back fresh: ${states}`);
    }
    for (const kind of ['data', 'prepare']) {
      assert.equal(await cellRuns(page, kind), runsBefore[kind], `${kind} did not run again`);
      assert.deepEqual(seen[kind] ?? [], [], `${kind} stayed fresh`);
    }
    const tenRmse = await cellValRmse(page);
    assert.notEqual(tenRmse, ridgeRmse, 'alpha 10 gives another model');
    const ten = reference('PU_DO', 'ridge alpha=10');
    assert.ok(Math.abs(tenRmse - ten.val_rmse) <= 1e-3, `ridge(10) val ${tenRmse} vs ${ten.val_rmse}`);
    ridgeRmse = tenRmse;
    assert.deepEqual(pageErrors, []);
  });

  test('the notebook is kept across a reload and round-trips through its file', async () => {
    const cellsBefore = await cellSummary(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-notebook').click()]);
    savedPath = join(WORK, 'saved.json');
    await download.saveAs(savedPath);
    const saved = JSON.parse(readFileSync(savedPath, 'utf8'));
    assert.equal(saved.format, 'flowbook-notebook');
    const savedTrain = saved.cells.find((c) => c.kind === 'train');
    assert.equal(savedTrain.model, 'ridge');
    assert.equal(savedTrain.alpha, 10);

    await page.reload({ waitUntil: 'load' });
    await waitForCells(page);
    assert.deepEqual(await cellSummary(page), cellsBefore);
    assert.equal(await cell(page, 'train').getByTestId('cell-model').inputValue(), 'ridge');
    assert.equal(await cell(page, 'train').getByTestId('cell-alpha').inputValue(), '10');
    // Once run here, the notebook runs by itself on the next visit.
    assert.ok(Math.abs((await cellValRmse(page)) - ridgeRmse) <= 1e-9, 'same result after reload');

    // "Run on open" is the user's to turn off: the next visit then waits for a click, and
    // running the notebook there keeps that choice.
    const runOnOpen = page.getByTestId('run-on-open');
    assert.equal(await runOnOpen.isChecked(), true);
    await waitAllFresh(page);
    await runOnOpen.uncheck();
    await waitForSaved(page);
    const runsKept = await page.getByTestId('run-row').count();
    await page.reload({ waitUntil: 'load' });
    await waitForCells(page);
    await waitForBundledFiles(page, LONG.timeout);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await cellRuns(page, 'train'), 0, 'nothing ran by itself');
    assert.equal(await page.getByTestId('run-row').count(), runsKept, 'no run was recorded by the visit');
    assert.equal(await runOnOpen.isChecked(), false);
    await page.getByTestId('run-all').click();
    assert.ok(Math.abs((await cellValRmse(page)) - ridgeRmse) <= 1e-9, 'same result when run by hand');
    await waitAllFresh(page);
    assert.equal(await runOnOpen.isChecked(), false, 'running keeps the choice');
    await runOnOpen.check();

    const fresh = await browser.newContext();
    const other = await fresh.newPage();
    other.on('pageerror', (error) => pageErrors.push(error.message));
    await other.goto(BASE_URL, { waitUntil: 'load' });
    await waitForCells(other);
    await other.getByTestId('open-notebook').setInputFiles(savedPath);
    await other.getByTestId('notebook-message').filter({ hasText: 'Opened' }).waitFor(LONG);
    assert.deepEqual(await cellSummary(other), cellsBefore);
    await other.getByTestId('run-all').click();
    assert.ok(Math.abs((await cellValRmse(other)) - ridgeRmse) <= 1e-9, 'same result in a fresh profile');
    await fresh.close();
    assert.deepEqual(pageErrors, []);
  });

  test('a damaged notebook file is explained and the notebook on screen stays as it was', async () => {
    const text = readFileSync(savedPath, 'utf8');
    const cellsBefore = await cellSummary(page);
    const truncated = join(WORK, 'truncated.json');
    writeFileSync(truncated, text.slice(0, Math.floor(text.length / 2)));
    await page.getByTestId('open-notebook').setInputFiles(truncated);
    const message = page.getByTestId('notebook-message');
    await message.filter({ hasText: 'truncated.json' }).waitFor(LONG);
    assert.match(await message.textContent(), /ends early \(line \d+, column \d+\)/);

    const wrong = JSON.parse(text);
    const trainIndex = wrong.cells.findIndex((c) => c.kind === 'train');
    wrong.cells[trainIndex].alpha = 'abc';
    const wrongType = join(WORK, 'wrong-type.json');
    writeFileSync(wrongType, JSON.stringify(wrong, null, 2));
    await page.getByTestId('open-notebook').setInputFiles(wrongType);
    await message.filter({ hasText: 'wrong-type.json' }).waitFor(LONG);
    const said = await message.textContent();
    assert.match(said, new RegExp(`cells\\[${trainIndex}\\]\\.alpha`), said);
    assert.match(said, /"abc"/, said);

    assert.deepEqual(await cellSummary(page), cellsBefore);
    assert.equal(await cell(page, 'train').getByTestId('cell-alpha').inputValue(), '10');
    assert.ok(Math.abs((await cellValRmse(page)) - ridgeRmse) <= 1e-9);
    assert.deepEqual(pageErrors, []);
    await page.screenshot({ path: '/tmp/flowbook-notebook.png' });
  });

  test('?notebook=<url> opens a notebook from an address; cells can be added, moved, copied and deleted', async () => {
    const shared = JSON.parse(readFileSync(savedPath, 'utf8'));
    shared.title = 'A notebook shared by address';
    // A teacher's own web server, on another origin that allows reading its files.
    const teacher = createServer((request, response) => {
      if (request.url !== '/shared-notebook.json') {
        response.writeHead(404, { 'access-control-allow-origin': '*' }).end('not found');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      response.end(JSON.stringify(shared));
    });
    await new Promise((resolve) => teacher.listen(0, '127.0.0.1', resolve));
    const teacherUrl = `http://127.0.0.1:${teacher.address().port}`;
    const fresh = await browser.newContext();
    const other = await fresh.newPage();
    other.on('pageerror', (error) => pageErrors.push(error.message));
    await other.goto(`${BASE_URL}?notebook=${encodeURIComponent(`${teacherUrl}/shared-notebook.json`)}`, { waitUntil: 'load' });
    await other.getByTestId('notebook-title').filter({ hasText: shared.title }).waitFor(LONG);
    assert.match(await other.getByTestId('notebook-message').textContent(), /Opened http:\/\/127\.0\.0\.1:\d+\/shared-notebook\.json/);
    assert.equal(await cell(other, 'train').getByTestId('cell-alpha').inputValue(), '10');

    const ids = async () => (await cellSummary(other)).map((c) => c.split(':')[0]);
    const start = await ids();
    const predictId = await cell(other, 'predict').getAttribute('data-cell-id');
    await cell(other, 'predict').getByTestId('cell-duplicate').click();
    const copied = await ids();
    assert.equal(copied.length, start.length + 1);
    const copy = copied.find((id) => !start.includes(id));
    assert.ok(copy, `the copy has a new id: ${copied}`);
    assert.equal(copied.indexOf(copy), start.indexOf(predictId) + 1, 'the copy comes right after its original');
    await other.locator(`[data-cell-id="${copy}"]`).getByTestId('cell-move-up').click();
    assert.equal((await ids()).indexOf(copy), copied.indexOf(copy) - 1);
    await other.locator(`[data-cell-id="${copy}"]`).getByTestId('cell-delete').click();
    assert.deepEqual(await ids(), start);
    await other.getByTestId('add-cell').first().selectOption('markdown');
    assert.equal((await cellSummary(other))[0].split(':')[1], 'markdown');
    assert.equal((await ids()).length, start.length + 1);

    await other.goto(`${BASE_URL}?notebook=${encodeURIComponent(`${teacherUrl}/no-such-notebook.json`)}`, { waitUntil: 'load' });
    await other.getByTestId('notebook-message').filter({ hasText: 'Could not open' }).waitFor(LONG);
    assert.match(await other.getByTestId('notebook-message').textContent(), /no-such-notebook\.json/);
    await fresh.close();
    teacher.close();
    assert.deepEqual(pageErrors, []);
  });

  test('a sweep in the Train cell draws the validation error against alpha in Compare', async () => {
    const trainCell = cell(page, 'train');
    const before = await cellRuns(page, 'compare');
    await trainCell.getByTestId('cell-sweep').fill('1, 10');
    await trainCell.getByTestId('cell-sweep').dispatchEvent('change');
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="cell"][data-kind="compare"]').dataset.runs) > n,
      before,
      LONG,
    );
    await waitAllFresh(page);
    await cell(page, 'compare').locator('[data-testid="chart-sweep"][data-drawn="true"]').waitFor(LONG);
    // The cell shows the sweep's last alpha: Ridge(10) of the reference.
    const last = await cellValRmse(page);
    const ten = reference('PU_DO', 'ridge alpha=10');
    assert.ok(Math.abs(last - ten.val_rmse) <= 1e-3, `sweep's last alpha ${last} vs ${ten.val_rmse}`);
    assert.deepEqual(pageErrors, []);
  });

  test('Shift+Enter runs the focused cell and what reads it; Ctrl+Enter runs the whole notebook', async () => {
    await waitAllFresh(page);
    const kinds = ['data', 'prepare', 'train', 'evaluate', 'compare', 'predict'];
    const runs = async () => Object.fromEntries(await Promise.all(kinds.map(async (k) => [k, await cellRuns(page, k)])));
    const before = await runs();
    await cell(page, 'predict').focus();
    await page.keyboard.press('Shift+Enter');
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="cell"][data-kind="predict"]').dataset.runs) > n, before.predict, LONG);
    await waitAllFresh(page);
    const afterShift = await runs();
    assert.deepEqual(afterShift, { ...before, predict: before.predict + 1 }, 'only the Predict cell ran');

    await cell(page, 'prepare').focus();
    await page.keyboard.press('ControlOrMeta+Enter');
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="cell"][data-kind="predict"]').dataset.runs) > n, afterShift.predict, LONG);
    await waitAllFresh(page);
    const afterCtrl = await runs();
    for (const kind of kinds) assert.equal(afterCtrl[kind], afterShift[kind] + 1, `${kind} ran once more`);
    assert.deepEqual(pageErrors, []);
  });

  test("an opened notebook gives its Data cell's files their roles, and names a file that is not open", async () => {
    const saved = JSON.parse(readFileSync(savedPath, 'utf8'));
    const data = saved.cells.find((c) => c.kind === 'data');
    assert.ok(data.train.file_name.endsWith('2021-01.parquet') && data.validation.file_name.endsWith('2021-02.parquet'));
    // February trains and January validates: the reverse of the page's own roles.
    [data.train, data.validation] = [data.validation, data.train];
    const swapped = join(WORK, 'swapped.json');
    writeFileSync(swapped, JSON.stringify(saved));
    const fresh = await browser.newContext();
    const other = await fresh.newPage();
    other.on('pageerror', (error) => pageErrors.push(error.message));
    await other.goto(BASE_URL, { waitUntil: 'load' });
    await waitForCells(other);
    // Both bundled months are decoded (their cards are in the closed Data panel).
    await other.getByTestId('dataset').nth(1).getByTestId('row-count').waitFor({ ...LONG, state: 'attached' });
    await other.getByTestId('open-notebook').setInputFiles(swapped);
    await other.getByTestId('notebook-message').filter({ hasText: 'Opened' }).waitFor(LONG);
    const chosen = (testid) => cell(other, 'data').getByTestId(testid).evaluate((select) => select.selectedOptions[0]?.textContent);
    assert.equal(await chosen('cell-train-file'), data.train.file_name);
    assert.equal(await chosen('cell-validation-file'), data.validation.file_name);
    await other.getByTestId('run-all').click();
    await cellValRmse(other);
    const summary = await cell(other, 'train').getByTestId('cell-train-result').textContent();
    // February's and January's trips, as the reference counts them.
    assert.match(summary, new RegExp(`${REFERENCE.val_rows} training rows, ${REFERENCE.train_rows} validation rows`), summary);

    data.train.file_name = 'green_tripdata_2021-03.parquet';
    const missing = join(WORK, 'missing-month.json');
    writeFileSync(missing, JSON.stringify(saved));
    await other.getByTestId('open-notebook').setInputFiles(missing);
    const message = other.getByTestId('notebook-message').filter({ hasText: 'missing-month.json' });
    await message.waitFor(LONG);
    assert.match(await message.textContent(), /training data is green_tripdata_2021-03\.parquet, which is not open here/);
    await fresh.close();
    assert.deepEqual(pageErrors, []);
  });
});
