// Pushing runs from the browser to a real MLflow server: started here from the pinned venv
// (sqlite store, proxied artifacts), checked afterwards with MLflow's own Python client.
// MLflow 3.5+ allows http://127.0.0.1:* origins by default, which is where the app is served.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './browser.mjs';

const BASE_URL = process.env.FLOWBOOK_URL;
const VENV = process.env.FLOWBOOK_VENV || join(homedir(), '.cache', 'flowbook', 'venv');
const EXPERIMENT = 'browser-e2e';

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function waitForHealth(url, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

/** What the server holds for the experiment, read with MLflow's Python client. */
function serverView(trackingUri) {
  const script = `
import json, sys
from mlflow import MlflowClient
c = MlflowClient(sys.argv[1])
e = c.get_experiment_by_name(sys.argv[2])
runs = c.search_runs([e.experiment_id]) if e else []
out = []
for r in runs:
    arts = [a.path for a in c.list_artifacts(r.info.run_id)]
    model = [a.path for a in c.list_artifacts(r.info.run_id, "model")]
    out.append({"id": r.info.run_id, "status": r.info.status, "metrics": r.data.metrics,
                "params": r.data.params, "tags": r.data.tags, "artifacts": arts, "model": model,
                "inputs": [d.dataset.digest for d in r.inputs.dataset_inputs]})
print(json.dumps(out))
`;
  const text = execFileSync(join(VENV, 'bin', 'python'), ['-c', script, trackingUri, EXPERIMENT], {
    encoding: 'utf8',
    env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' },
  });
  return JSON.parse(text);
}

describe('MLflow sync from the browser', () => {
  let browser;
  let page;
  let server;
  let store;
  let trackingUri;
  const pageErrors = [];

  before(async () => {
    assert.ok(BASE_URL, 'set FLOWBOOK_URL to the served app');
    store = mkdtempSync(join(tmpdir(), 'flowbook-mlflow-e2e-'));
    const port = await freePort();
    trackingUri = `http://127.0.0.1:${port}`;
    server = spawn(
      join(VENV, 'bin', 'mlflow'),
      ['server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1',
        '--backend-store-uri', `sqlite:///${store}/mlflow.db`, '--artifacts-destination', `${store}/artifacts`],
      { stdio: 'ignore', detached: true, env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true' } },
    );
    await waitForHealth(`${trackingUri}/health`, 90_000);
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(BASE_URL, { waitUntil: 'load' });
  });

  after(async () => {
    await browser?.close();
    if (server) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    if (store) rmSync(store, { recursive: true, force: true });
  });

  test('a server that is not running gets a plain message and the run stays pending', async () => {
    await page.waitForFunction(() => !document.querySelector('[data-testid="train"]')?.disabled, null, {
      timeout: 60_000,
    });
    await page.getByTestId('train').click();
    await page.getByTestId('run-row').first().waitFor();
    await page.getByTestId('mlflow-url').fill(`http://127.0.0.1:${await freePort()}`);
    await page.getByTestId('mlflow-push').click();
    const status = page.locator('[data-testid="mlflow-status"][data-state="failed"]');
    await status.waitFor({ timeout: 60_000 });
    assert.match(await status.textContent(), /got no answer|cannot reach/);
    assert.equal(await page.getByTestId('sync-state').first().getAttribute('data-state'), 'pending');
  });

  test('test connection reports the server version and artifact proxying', async () => {
    await page.getByTestId('mlflow-url').fill(trackingUri);
    await page.getByTestId('mlflow-test').click();
    const status = page.locator('[data-testid="mlflow-status"][data-state="done"]');
    await status.waitFor({ timeout: 60_000 });
    assert.match(await status.textContent(), /MLflow 3\.\d+\.\d+; artifacts are proxied/);
  });

  test('push sends the run exactly once, with metrics, inputs and the MLflow model', async () => {
    await page.getByTestId('mlflow-experiment').fill(EXPERIMENT);
    await page.getByTestId('mlflow-push').click();
    await page.locator('[data-testid="mlflow-status"][data-state="done"]').waitFor({ timeout: 120_000 });
    await page.locator('[data-testid="sync-state"][data-state="synced"]').first().waitFor();
    const valRmse = Number(await page.getByTestId('val-rmse').getAttribute('data-value'));
    const clientId = await page.getByTestId('run-row').first().getAttribute('data-client-id');

    let runs = serverView(trackingUri);
    assert.equal(runs.length, 1, JSON.stringify(runs));
    const [run] = runs;
    assert.equal(run.status, 'FINISHED');
    assert.equal(run.tags['flowbook.client_id'], clientId);
    assert.equal(run.metrics.val_rmse, valRmse);
    assert.equal(run.params.model, 'ols');
    assert.equal(run.inputs.length, 2);
    assert.ok(run.artifacts.includes('flowbook_model.json'), run.artifacts.join(','));
    assert.ok(run.model.includes('model/MLmodel') && run.model.includes('model/model.onnx'), run.model.join(','));

    // A second training is pushed; the first is not sent again (and would not duplicate).
    await page.getByTestId('model').selectOption('ridge');
    await page.getByTestId('alpha').fill('1');
    await page.getByTestId('train').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 2);
    await page.getByTestId('mlflow-push').click();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="sync-state"][data-state="synced"]').length === 2,
      null,
      { timeout: 120_000 },
    );
    runs = serverView(trackingUri);
    assert.equal(runs.length, 2);
    assert.deepEqual(runs.map((r) => r.params.model).sort(), ['ols', 'ridge']);

    // Offline queue: with automatic push on, a run made offline waits as pending and goes
    // out by itself when the browser is back online.
    await page.getByTestId('mlflow-auto').check();
    await page.context().setOffline(true);
    await page.getByTestId('model').selectOption('lasso');
    await page.getByTestId('alpha').fill('0.01');
    await page.getByTestId('train').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 3);
    await page.waitForTimeout(500);
    assert.equal(await page.locator('[data-testid="sync-state"][data-state="synced"]').count(), 2);
    assert.equal(serverView(trackingUri).length, 2, 'nothing reached the server while offline');
    await page.context().setOffline(false);
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="sync-state"][data-state="synced"]').length === 3,
      null,
      { timeout: 120_000 },
    );
    runs = serverView(trackingUri);
    assert.deepEqual(runs.map((r) => r.params.model).sort(), ['lasso', 'ols', 'ridge']);

    // The sync state survives a reload.
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="sync-state"][data-state="synced"]').length === 3,
      null,
      { timeout: 60_000 },
    );
    assert.deepEqual(pageErrors, []);
  });

  test("the team's runs: the server's runs, read-only, with the same values and filter", async () => {
    // The settings were reset by the reload: first a server that is down.
    await page.getByTestId('mlflow-url').fill(`http://127.0.0.1:${await freePort()}`);
    await page.getByTestId('server-show').click();
    const failed = page.locator('[data-testid="server-runs-status"][data-state="failed"]');
    await failed.waitFor({ timeout: 60_000 });
    assert.match(await failed.textContent(), /got no answer|cannot reach/);

    await page.getByTestId('mlflow-url').fill(trackingUri);
    await page.getByTestId('server-show').click();
    await page.getByTestId('server-experiment').waitFor();
    await page.getByTestId('server-experiment').selectOption({ label: EXPERIMENT });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="server-run-row"]').length === 3, null, {
      timeout: 60_000,
    });

    const truth = serverView(trackingUri);
    for (const run of truth) {
      const row = page.locator(`[data-testid="server-run-row"][data-run-id="${run.id}"]`);
      const shown = await row.locator('td[data-column="metrics.val_rmse"]').getAttribute('data-value');
      assert.equal(Number(shown), run.metrics.val_rmse, `val_rmse of ${run.params.model}`);
      const link = await row.getByTestId('server-run-link').getAttribute('href');
      assert.match(link, new RegExp(`^${trackingUri}/#/experiments/\\d+/runs/${run.id}$`));
    }

    // The runs table's filter syntax, on the server's runs.
    const ridge = truth.find((r) => r.params.model === 'ridge');
    await page.getByTestId('server-runs-filter').fill("params.model = 'ridge'");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="server-run-row"]').length === 1);
    assert.equal(await page.getByTestId('server-run-row').getAttribute('data-run-id'), ridge.id);
    const best = Math.min(...truth.map((r) => r.metrics.val_rmse));
    await page.getByTestId('server-runs-filter').fill(`metrics.val_rmse <= ${best}`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="server-run-row"]').length === 1);
    await page.getByTestId('server-runs-filter').fill('metrics.val_rmse <');
    await page.getByTestId('server-runs-filter-error').waitFor();
    // Read-only: nothing new to push, nothing new on the server.
    assert.equal(await page.locator('[data-testid="sync-state"][data-state="synced"]').count(), 3);
    assert.equal(serverView(trackingUri).length, 3);
    assert.deepEqual(pageErrors, []);
  });
});
