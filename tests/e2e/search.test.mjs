// Hyperparameter search in a real browser. A Search cell added to the default notebook
// runs 50 TPE trials over linear models in the training worker, then 20 over trees; each
// search is one parent run with its trials nested under it in the runs table; the
// objective and parallel-coordinates charts are drawn; a space with a mistake is named by
// its place and leaves the cell as it was; the best trial registers. Pushed twice to a
// real MLflow server, MLflow's client sees each search once, with exactly its trials as
// children (mlflow.parentRunId), nothing duplicated — also when the first push loses the
// network part-way.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { notebookWithoutWorker, openPanel, waitAllFresh } from './app_page.mjs';
import { launchBrowser } from './browser.mjs';
import { freePort, startMlflow, stopGroup, waitForOk } from './servers.mjs';

const BASE_URL = process.env.FLOWBOOK_URL;
const VENV = process.env.FLOWBOOK_VENV || join(homedir(), '.cache', 'flowbook', 'venv');
const PYTHON = join(VENV, 'bin', 'python');
const LONG = { timeout: 240_000 };
const EXPERIMENT = 'search-e2e';
const MLFLOW_ENV = { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' };

describe('Hyperparameter search', () => {
  let browser;
  let page;
  let server;
  let trackingUri;
  const searches = [];
  const pageErrors = [];
  const searchCell = () => page.locator('[data-testid="cell"][data-kind="search"]');
  const summary = () => searchCell().getByTestId('cell-search-summary');

  async function searched(trials, previousParent) {
    await page.waitForFunction(
      ([n, previous]) => {
        const s = document.querySelector('[data-testid="cell"][data-kind="search"] [data-testid="cell-search-summary"]');
        return s && Number(s.dataset.trials) === n && s.dataset.parent !== previous;
      },
      [trials, previousParent ?? ''],
      LONG,
    );
    await waitAllFresh(page, LONG.timeout);
    const parent = await summary().getAttribute('data-parent');
    const best = Number(await summary().getAttribute('data-best'));
    searches.push({ parent, trials, best });
    return { parent, best };
  }

  before(async () => {
    assert.ok(BASE_URL, 'set FLOWBOOK_URL to the served app');
    const port = await freePort();
    trackingUri = `http://127.0.0.1:${port}`;
    server = startMlflow(VENV, port, mkdtempSync(join(tmpdir(), 'flowbook-search-e2e-')));
    browser = await launchBrowser();
    page = await (await browser.newContext()).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(BASE_URL, { waitUntil: 'load' });
    await page.locator('[data-testid="cell"][data-kind="data"]').waitFor(LONG);
  });

  after(async () => {
    await browser?.close();
    if (server) stopGroup(server);
  });

  test('a 50-trial linear search: trials nested under the search, charts drawn', async () => {
    await page.getByTestId('run-all').click();
    await waitAllFresh(page, LONG.timeout);
    await page.getByTestId('add-cell').last().selectOption('search');
    await searchCell().waitFor();
    assert.equal(await searchCell().getByTestId('search-max-evals').inputValue(), '50');
    const started = Date.now();
    await searchCell().getByTestId('cell-run').click();
    const { parent, best } = await searched(50);
    console.log(`search: 50 linear TPE trials in the browser in ${((Date.now() - started) / 1000).toFixed(1)} s, best val_rmse ${best.toFixed(6)}`);
    assert.ok(best > 5 && best < 7.6, `best linear validation RMSE ${best}`);
    // The trials ran on one worker per core, up to the batch of 4 suggested together.
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    assert.equal(Number(await summary().getAttribute('data-workers')), Math.min(cores, 4));
    assert.match(await summary().textContent(), new RegExp(`on ${Math.min(cores, 4)} workers?`));
    await searchCell().locator('[data-testid="chart-search-objective"][data-drawn="true"]').waitFor();
    await searchCell().locator('[data-testid="chart-search-parallel"][data-drawn="true"]').waitFor();
    assert.equal(await searchCell().getByTestId('search-trial-row').count(), 10);
    // The runs table: the search on one row, its 50 trials folded under it.
    const toggle = page.locator(`[data-testid="run-children-toggle"][data-parent="${parent}"]`);
    assert.equal(await toggle.getAttribute('data-children'), '50');
    const children = page.locator(`[data-testid="run-row"][data-parent="${parent}"]`);
    assert.equal(await children.count(), 0);
    await openPanel(page, 'runs');
    await toggle.getByRole('button').click();
    await children.nth(49).waitFor();
    assert.equal(await children.count(), 50);
    await toggle.getByRole('button').click();
    await children.first().waitFor({ state: 'detached' });
    // Filtering inside a search: its trials alone, with MLflow's syntax.
    await page.getByTestId('runs-filter').fill(`tags.flowbook.parent_client_id = '${parent}' and metrics.val_rmse < 100`);
    await page.waitForFunction(
      (p) => document.querySelectorAll(`[data-testid="run-row"][data-parent="${p}"]`).length === 0
        && document.querySelectorAll('[data-testid="run-row"]').length === 50,
      parent,
    );
    await page.getByTestId('runs-filter').fill('');
    await toggle.waitFor();
    assert.deepEqual(pageErrors, []);
  });

  test('no worker: the search runs on the page, says so, and gives the same trials', async () => {
    const errors = [];
    const { context, cell } = await notebookWithoutWorker(browser, BASE_URL, 'search', errors);
    const onPage = cell.getByTestId('cell-search-summary');
    await onPage.waitFor(LONG);
    assert.match(await cell.getByTestId('cell-search-note').textContent(), /^Searched on the page, which could not respond meanwhile: the training worker did not start/);
    assert.equal(await onPage.getAttribute('data-workers'), '0');
    assert.equal(await onPage.getAttribute('data-trials'), '50');
    // The same seed and batch of 4: the page's search is the workers' one, to the last bit.
    assert.equal(await onPage.getAttribute('data-best'), await summary().getAttribute('data-best'));
    await context.close();
    assert.deepEqual(errors, []);
  });

  test('a space with a mistake is named by its place and the cell keeps its space', async () => {
    const runs = Number(await searchCell().getAttribute('data-runs'));
    const space = searchCell().getByTestId('search-space');
    const before = await space.inputValue();
    const broken = JSON.parse(before);
    broken.space.ridge.alpha = { dist: 'loguniform', low: 5, high: 1 };
    await searchCell().locator('details.search-space summary').click();
    await space.fill(JSON.stringify(broken));
    await space.dispatchEvent('change');
    const message = searchCell().getByTestId('cell-edit-error');
    await message.waitFor();
    assert.match(await message.textContent(), /space\.ridge\.alpha\.low: low \(5\) must be below high \(1\)/);
    assert.equal(Number(await searchCell().getAttribute('data-runs')), runs);
    // The text stays in the box to be fixed; the notebook (as saved) keeps the good space.
    const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('flowbook.notebook')));
    const cell = saved.cells.find((c) => c.kind === 'search');
    assert.deepEqual(cell.space, JSON.parse(before));
  });

  test('a 20-trial tree search, and Register best', async () => {
    const previous = await summary().getAttribute('data-parent');
    const evals = searchCell().getByTestId('search-max-evals');
    await evals.fill('20');
    await evals.dispatchEvent('change');
    const linear20 = await searched(20, previous);
    await searchCell().getByTestId('search-preset').selectOption('trees');
    const started = Date.now();
    const { parent, best } = await searched(20, linear20.parent);
    console.log(`search: 20 tree TPE trials in the browser in ${((Date.now() - started) / 1000).toFixed(1)} s, best val_rmse ${best.toFixed(6)}`);
    assert.ok(best < searches[0].best, `trees ${best} should beat the linear search's ${searches[0].best}`);
    const toggle = page.locator(`[data-testid="run-children-toggle"][data-parent="${parent}"]`);
    assert.equal(await toggle.getAttribute('data-children'), '20');
    await searchCell().getByTestId('search-register-best').click();
    const registered = searchCell().getByTestId('search-register-message');
    await registered.waitFor();
    assert.match(await registered.textContent(), /Registered taxi-duration version 1/);
    assert.deepEqual(pageErrors, []);
  });

  test('pushed, cut off and pushed again, MLflow sees each search once with exactly its trials nested', async () => {
    await waitForOk(`${trackingUri}/health`, 90_000, server);
    await openPanel(page, 'mlflow');
    await page.getByTestId('mlflow-url').fill(trackingUri);
    await page.getByTestId('mlflow-experiment').fill(EXPERIMENT);
    // The first push loses the network part-way through the trials (as a dropped Wi-Fi
    // would); the second, on a good network, resumes: nothing twice, nothing missing.
    let requests = 0;
    const cut = async (route) => ((requests += 1) > 60 ? route.abort('internetdisconnected') : route.continue());
    await page.route(`${trackingUri}/**`, cut);
    await page.getByTestId('mlflow-push').click();
    await page.locator('[data-testid="mlflow-status"][data-state="failed"]').waitFor(LONG);
    await page.unroute(`${trackingUri}/**`, cut);
    const pendingAfterCut = await page.locator('[data-testid="sync-state"][data-state="synced"]').count();
    assert.ok(requests > 60, `the cut happened after ${requests} requests`);
    await page.getByTestId('mlflow-push').click();
    await page.locator('[data-testid="mlflow-status"][data-state="done"]').waitFor(LONG);
    console.log(`search push: cut after 60 requests (${pendingAfterCut} runs synced), then resumed`);
    const script = `
import json, sys
from collections import Counter
from mlflow import MlflowClient
c = MlflowClient(sys.argv[1])
exp = c.get_experiment_by_name(sys.argv[2])
runs = c.search_runs([exp.experiment_id], max_results=5000)
ids = Counter(r.data.tags.get("flowbook.client_id") for r in runs)
out = {"duplicates": [k for k, n in ids.items() if n > 1], "searches": {}}
for parent in json.loads(sys.argv[3]):
    found = [r for r in runs if r.data.tags.get("flowbook.client_id") == parent]
    kids = [r for r in runs if found and r.data.tags.get("mlflow.parentRunId") == found[0].info.run_id]
    out["searches"][parent] = {"parents": len(found), "children": len(kids),
        "best": found[0].data.metrics.get("best_val_rmse") if found else None}
print(json.dumps(out))
`;
    const parents = searches.map((s) => s.parent);
    const view = JSON.parse(execFileSync(PYTHON, ['-c', script, trackingUri, EXPERIMENT, JSON.stringify(parents)], { encoding: 'utf8', env: MLFLOW_ENV }));
    assert.deepEqual(view.duplicates, []);
    for (const search of searches) {
      const seen = view.searches[search.parent];
      assert.equal(seen.parents, 1, `search ${search.parent}`);
      assert.equal(seen.children, search.trials, `search ${search.parent}`);
      assert.ok(Math.abs(seen.best - search.best) < 1e-12, `best ${seen.best} vs ${search.best}`);
    }
    assert.deepEqual(pageErrors, []);
  });

  test('Stop keeps the batches back as a search, and the next search starts fresh workers', async () => {
    const previous = await summary().getAttribute('data-parent');
    await searchCell().getByTestId('search-preset').selectOption('linear');
    const linear = await searched(20, previous);
    const evals = searchCell().getByTestId('search-max-evals');
    await evals.fill('100000');
    await evals.dispatchEvent('change');
    await page.waitForFunction(() => {
      const bar = document.querySelector('[data-testid="search-progress"] progress');
      return bar && Number(bar.getAttribute('value')) >= 12;
    }, null, LONG);
    await searchCell().getByTestId('search-cancel').click();
    await page.waitForFunction(
      (p) => {
        const s = document.querySelector('[data-testid="cell"][data-kind="search"] [data-testid="cell-search-summary"]');
        return s && s.dataset.parent !== p;
      },
      linear.parent,
      LONG,
    );
    const stopped = Number(await summary().getAttribute('data-trials'));
    assert.ok(stopped >= 12 && stopped < 100000, `${stopped} trials kept`);
    assert.equal(stopped % 4, 0, 'only whole batches are kept');
    assert.match(await summary().textContent(), /stopped/);
    const toggle = page.locator(`[data-testid="run-children-toggle"][data-parent="${await summary().getAttribute('data-parent')}"]`);
    assert.equal(await toggle.getAttribute('data-children'), String(stopped));
    const stoppedParent = await summary().getAttribute('data-parent');
    await evals.fill('8');
    await evals.dispatchEvent('change');
    await searched(8, stoppedParent);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    assert.equal(Number(await summary().getAttribute('data-workers')), Math.min(cores, 4));
    assert.deepEqual(pageErrors, []);
  });
});
