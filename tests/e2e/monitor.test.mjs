// Monitoring in a real browser. The app is served with later months beside it (a plain
// static server: the build under /flowbook/, real TLC files under /months/). A Monitor cell
// added to the default notebook checks its model on four months: the bundled 2021-02, then
// 2021-03, 2023-01 and 2023-02 fetched from the server. The 2023 months call for retraining
// and the 2021 ones do not; 2021-02's RMSE is the Train cell's validation RMSE; the charts
// are drawn and the changed zone pairs are named. The model can also be named by its run
// or its registered version (the reference then found by its digest among open files). The monitoring run, pushed to a real
// MLflow server, is there once, with one RMSE per month as its steps. A page whose training
// worker cannot start checks on its own thread, says so, and gets the same figures.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cellValRmse, notebookWithoutWorker, openPanel, REPO, SHARED_DATA, waitAllFresh } from './app_page.mjs';
import { launchBrowser } from './browser.mjs';
import { freePort, startMlflow, stopGroup, waitForOk } from './servers.mjs';

const VENV = process.env.FLOWBOOK_VENV || join(homedir(), '.cache', 'flowbook', 'venv');
const LONG = { timeout: 240_000 };
const EXPERIMENT = 'monitor-e2e';
const MONTHS = [
  'data/green_tripdata_2021-02.parquet',
  '../months/green_tripdata_2021-03.parquet',
  '../months/green_tripdata_2023-01.parquet',
  '../months/green_tripdata_2023-02.parquet',
];

/**
 * Waits for the Monitor cell's check to end: 'done' once its summary counts `months`
 * months, or the error that the cell's state explains.
 */
async function checkEnded(page, months) {
  const ended = await page.waitForFunction(
    (count) => {
      const cell = document.querySelector('[data-testid="cell"][data-kind="monitor"]');
      const state = cell?.querySelector('[data-testid="cell-state"]');
      if (state?.dataset.state === 'error') return `error: ${state.title}`;
      return cell?.querySelector('[data-testid="cell-monitor-summary"]')?.dataset.months === String(count) && 'done';
    },
    months,
    LONG,
  );
  return ended.jsonValue();
}

describe('The Monitor cell', () => {
  let site;
  let mlflow;
  let trackingUri;
  let browser;
  let page;
  let runId;
  let siteUrl;
  /** Each month's RMSE as the worker's check gave it, by month label. */
  const workerRmse = {};
  const pageErrors = [];
  const monitor = () => page.locator('[data-testid="cell"][data-kind="monitor"]');

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowbook-monitor-host-'));
    symlinkSync(resolve(REPO, 'dist'), join(dir, 'flowbook'), 'dir');
    symlinkSync(SHARED_DATA, join(dir, 'months'), 'dir');
    const port = await freePort();
    site = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], { stdio: 'ignore' });
    siteUrl = `http://127.0.0.1:${port}/flowbook/`;
    await waitForOk(siteUrl, 30_000, site);
    const mlflowPort = await freePort();
    trackingUri = `http://127.0.0.1:${mlflowPort}`;
    mlflow = startMlflow(VENV, mlflowPort, mkdtempSync(join(tmpdir(), 'flowbook-monitor-e2e-')));
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(siteUrl, { waitUntil: 'load' });
    await page.locator('[data-testid="cell"][data-kind="data"]').waitFor(LONG);
  });

  after(async () => {
    await browser?.close();
    site?.kill();
    if (mlflow) stopGroup(mlflow);
  });

  test('four months: the 2023 ones call for retraining, charts drawn, zone pairs named', async () => {
    await page.getByTestId('run-all').click();
    await cellValRmse(page);
    await waitAllFresh(page, LONG.timeout);
    // The Monitor cell reads the nearest Train cell above it: the notebook's last.
    const lastTrain = page.locator('[data-testid="cell"][data-kind="train"]').last();
    const validationRmse = Number(await lastTrain.getByTestId('cell-val-rmse').getAttribute('data-value'));
    await page.getByTestId('add-cell').last().selectOption('monitor');
    await monitor().waitFor();
    await monitor().getByTestId('monitor-months').fill(MONTHS.join('\n'));
    // Once the notebook has run, an edit re-runs the cell by itself.
    await monitor().getByTestId('monitor-months').blur();
    const summary = monitor().getByTestId('cell-monitor-summary');
    assert.equal(await checkEnded(page, 4), 'done');
    const rows = monitor().getByTestId('monitor-month');
    assert.equal(await rows.count(), 4);
    const verdicts = [];
    for (let i = 0; i < 4; i += 1) {
      const month = await rows.nth(i).getAttribute('data-month');
      verdicts.push([month, await rows.nth(i).getAttribute('data-retrain')]);
      workerRmse[month] = await rows.nth(i).getAttribute('data-rmse');
    }
    assert.deepEqual(verdicts, [['2021-02', 'false'], ['2021-03', 'false'], ['2023-01', 'true'], ['2023-02', 'true']]);
    assert.equal(await summary.getAttribute('data-retrain'), '2');
    // The month after training is the validation file: the same model, the same RMSE.
    const february = Number(await rows.first().getAttribute('data-rmse'));
    assert.ok(Math.abs(february - validationRmse) <= 1e-9, `2021-02 RMSE ${february} vs validation ${validationRmse}`);
    for (const chart of ['chart-monitor-rmse', 'chart-monitor-target-drift', 'chart-monitor-heatmap']) {
      await monitor().locator(`[data-testid="${chart}"][data-drawn="true"]`).waitFor();
    }
    const pairs = monitor().getByTestId('monitor-pair');
    assert.equal(await pairs.count(), 10);
    const firstPair = await pairs.first().locator('td').first().textContent();
    assert.match(firstPair, /^[A-Z].+\(.+\) → [A-Z].+\(.+\)$/, `a zone pair by name: ${firstPair}`);
    runId = await summary.getAttribute('data-run');
    console.log(`monitor: ${await summary.textContent()}`);
    // Checked in the training worker: no note that the page did the work.
    assert.equal(await monitor().getByTestId('cell-monitor-note').count(), 0);
    assert.deepEqual(pageErrors, []);
  });

  test('a model named by its run or its registered version, and a name that is neither', async () => {
    const expected = await monitor().getByTestId('monitor-month').evaluateAll((rows) => rows.map((r) => r.dataset.rmse));
    // The notebook's last Train cell trains trees: its run, by id.
    const gbdt = page.locator('[data-testid="run-row"]').filter({
      has: page.locator('[data-column="params.model"][data-value="gbdt"]'),
    }).first();
    const runId = await gbdt.getAttribute('data-client-id');
    const checkWith = async (model, label) => {
      await monitor().getByTestId('monitor-model').fill(model);
      await monitor().getByTestId('monitor-model').blur();
      await page.waitForFunction(
        (prefix) => document.querySelector('[data-testid="cell-monitor-summary"]')?.textContent.startsWith(prefix),
        label,
        LONG,
      );
      await waitAllFresh(page, LONG.timeout);
      const summary = monitor().getByTestId('cell-monitor-summary');
      const rmse = await monitor().getByTestId('monitor-month').evaluateAll((rows) => rows.map((r) => r.dataset.rmse));
      return { text: await summary.textContent(), run: await summary.getAttribute('data-run'), rmse };
    };
    // The check runs in the training worker, so the page keeps answering: a timer ticking
    // every 10 ms never pauses for half of the check (on the page's thread it would pause
    // for nearly all of it).
    const started = await page.evaluate(() => {
      window.flowbookTicks = [];
      window.flowbookTicker = setInterval(() => window.flowbookTicks.push(performance.now()), 10);
      return performance.now();
    });
    const byRun = await checkWith(runId, 'run ');
    const { longest, span } = await page.evaluate((t0) => {
      clearInterval(window.flowbookTicker);
      const ticks = [t0, ...window.flowbookTicks, performance.now()];
      let longest = 0;
      for (let i = 1; i < ticks.length; i += 1) longest = Math.max(longest, ticks[i] - ticks[i - 1]);
      return { longest, span: ticks.at(-1) - t0 };
    }, started);
    console.log(`monitor by run: the page's longest pause ${longest.toFixed(0)} ms of ${span.toFixed(0)} ms`);
    assert.ok(longest < span / 2, `the page paused ${longest} ms during a ${span} ms check`);
    assert.match(byRun.text, new RegExp(`^run .+ \\(${runId}\\): 4 month`));
    assert.deepEqual(byRun.rmse, expected, 'the same model gives the same RMSE per month');
    // Registered as a version, named by the registry's reference.
    await openPanel(page, 'registry');
    await page.getByTestId('register-run').selectOption(runId);
    await page.getByTestId('register-name').fill('taxi-duration');
    await page.getByTestId('register').click();
    await page.locator('[data-testid="register-status"][data-state="done"]').waitFor();
    const byVersion = await checkWith('taxi-duration/1', 'taxi-duration version 1');
    assert.match(byVersion.text, /^taxi-duration version 1 \(taxi-duration\/1\): 4 month/);
    assert.deepEqual(byVersion.rmse, expected);
    // A name that is neither: the cell says so, and nothing is recorded.
    const runsBefore = await page.locator('[data-testid="run-row"]').count();
    await monitor().getByTestId('monitor-model').fill('nope@champion');
    await monitor().getByTestId('monitor-model').blur();
    const state = monitor().getByTestId('cell-state');
    await monitor().locator('[data-testid="cell-state"][data-state="error"]').waitFor(LONG);
    assert.match(await state.getAttribute('title'), /No registered model named 'nope'/);
    assert.equal(await page.locator('[data-testid="run-row"]').count(), runsBefore);
    await monitor().getByTestId('monitor-model').fill('');
    await monitor().getByTestId('monitor-model').blur();
    await waitAllFresh(page, LONG.timeout);
    assert.deepEqual(pageErrors, []);
  });

  test('no training worker: the check runs on the page, says so, and gives the worker\'s figures', async () => {
    // A page of its own whose worker script cannot load (no service worker to answer it
    // from a cache): the notebook trains on the page, and so does the Monitor cell.
    const errors = [];
    const { context, page: alone, cell } = await notebookWithoutWorker(browser, siteUrl, 'monitor', errors, {
      viewport: { width: 1366, height: 900 },
    });
    // One month open in the page (the bundled February), one fetched for the check.
    await cell.getByTestId('monitor-months').fill([MONTHS[0], MONTHS[2]].join('\n'));
    await cell.getByTestId('monitor-months').blur();
    assert.equal(await checkEnded(alone, 2), 'done');
    const note = (await cell.getByTestId('cell-monitor-note').textContent()).trim();
    assert.match(note, /^Checked on the page, which could not respond meanwhile: the training worker did not start/);
    const rows = cell.getByTestId('monitor-month');
    const got = await rows.evaluateAll((r) => r.map((row) => [row.dataset.month, row.dataset.rmse, row.dataset.retrain]));
    assert.deepEqual(got.map(([month, rmse]) => [month, rmse]), [['2021-02', workerRmse['2021-02']], ['2023-01', workerRmse['2023-01']]],
      'the page computes what the worker computed, to the last digit');
    assert.deepEqual(got.map(([, , retrain]) => retrain), ['false', 'true']);
    await cell.locator('[data-testid="chart-monitor-heatmap"][data-drawn="true"]').waitFor();
    await context.close();
    assert.deepEqual(errors, []);
  });

  test('pushed, MLflow has the monitoring run once, one RMSE per month, nothing left to push', async () => {
    await waitForOk(`${trackingUri}/health`, 90_000, mlflow);
    await openPanel(page, 'mlflow');
    await page.getByTestId('mlflow-url').fill(trackingUri);
    await page.getByTestId('mlflow-experiment').fill(EXPERIMENT);
    await page.getByTestId('mlflow-push').click();
    await page.locator('[data-testid="mlflow-status"][data-state="done"]').waitFor(LONG);
    // Everything is on the server: a second push has nothing to send.
    await page.waitForFunction(() => document.querySelector('[data-testid="mlflow-push"]')?.disabled === true);
    const script = `
import json, sys
from mlflow import MlflowClient
c = MlflowClient(sys.argv[1])
exp = c.get_experiment_by_name(sys.argv[2])
runs = [r for r in c.search_runs([exp.experiment_id], max_results=1000) if r.data.tags.get("flowbook.client_id") == sys.argv[3]]
history = c.get_metric_history(runs[0].info.run_id, "rmse") if runs else []
print(json.dumps({"count": len(runs), "steps": sorted(m.step for m in history),
  "tags": runs[0].data.tags if runs else {}}))
`;
    const seen = JSON.parse(execFileSync(join(VENV, 'bin', 'python'), ['-c', script, trackingUri, EXPERIMENT, runId], {
      encoding: 'utf8', env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' },
    }));
    assert.equal(seen.count, 1);
    assert.deepEqual(seen.steps, [0, 1, 2, 3]);
    assert.equal(seen.tags['flowbook.kind'], 'monitoring');
    const digest = createHash('sha256').update(readFileSync(join(SHARED_DATA, 'green_tripdata_2021-01.parquet'))).digest('hex');
    assert.equal(seen.tags['flowbook.monitor.reference_digest'], digest);
    assert.equal(seen.tags['flowbook.monitor.alert'], 'true');
    assert.deepEqual(pageErrors, []);
  });
});
