// MLflow before 3.5 sends no CORS headers, so the browser refuses its answers to a page on
// another origin. A real MLflow 2.22 server (its own venv, scripts/requirements-mlflow2.txt)
// is reached through Trunk's proxy, started the documented way:
// `MLFLOW_PROXY=<server> bash scripts/run.sh`. Directly, the page explains what to do;
// through the proxy, the run is pushed and MLflow's own client (2.22) finds it.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cell, openApp, openPanel, runRows, trainInCell } from './app_page.mjs';
import { launchBrowser } from './browser.mjs';
import { freePort, startMlflow, stopGroup, waitForOk } from './servers.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VENV = process.env.FLOWBOOK_MLFLOW2_VENV || join(homedir(), '.cache', 'flowbook', 'venv-mlflow2');
const EXPERIMENT = 'through-trunk-proxy';

describe("MLflow through Trunk's development proxy", () => {
  let browser;
  let page;
  let mlflow;
  let trunk;
  let store;
  let dist;
  let trackingUri;
  let appUrl;
  const pageErrors = [];

  before(async () => {
    store = mkdtempSync(join(tmpdir(), 'flowbook-proxy-mlflow-'));
    dist = mkdtempSync(join(tmpdir(), 'flowbook-proxy-dist-'));
    const mlflowPort = await freePort();
    trackingUri = `http://127.0.0.1:${mlflowPort}`;
    mlflow = startMlflow(VENV, mlflowPort, store);
    const appPort = await freePort();
    appUrl = `http://127.0.0.1:${appPort}/`;
    const trunkLog = join(store, 'run.log');
    const logFd = openSync(trunkLog, 'w');
    trunk = spawn('bash', ['scripts/run.sh'], {
      cwd: REPO,
      stdio: ['ignore', logFd, logFd],
      detached: true,
      // A debug build: the proxy is the point here, and a release build would run wasm-opt
      // on both modules again (minutes) for the same page the other tests run released.
      env: {
        ...process.env,
        PORT: String(appPort),
        MLFLOW_PROXY: trackingUri,
        TRUNK_BUILD_DIST: dist,
        FLOWBOOK_SERVE_PROFILE: 'debug',
      },
    });
    await waitForOk(`${trackingUri}/health`, 90_000, mlflow);
    // The test command has compiled the dependencies by then; alone it may take minutes.
    try {
      await waitForOk(appUrl, 900_000, trunk);
      await waitForOk(`${appUrl}mlflow/health`, 30_000, trunk);
    } catch (error) {
      console.log(readFileSync(trunkLog, 'utf8').slice(-4000));
      throw error;
    }
    browser = await launchBrowser();
    page = await openApp(browser, pageErrors, { url: appUrl });
  });

  after(async () => {
    await browser?.close();
    stopGroup(trunk);
    stopGroup(mlflow);
    for (const dir of [store, dist]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('directly, the browser is refused and the message names the server option and the proxy', async () => {
    await openPanel(page, 'mlflow');
    await page.getByTestId('mlflow-url').fill(trackingUri);
    await page.getByTestId('mlflow-test').click();
    const status = page.locator('[data-testid="mlflow-status"][data-state="failed"]');
    await status.waitFor({ timeout: 60_000 });
    const text = await status.textContent();
    assert.match(text, new RegExp(`--cors-allowed-origins ${appUrl.replace(/\/$/, '')}`));
    assert.match(text, /MLFLOW_PROXY=/);
  });

  test('through the proxy, test connection and push work, and MLflow has the run once', async () => {
    // The default notebook's two trainings: OLS and the trees.
    await trainInCell(page, { model: 'ols' });
    await page.getByTestId('run-row').nth(1).waitFor({ state: 'attached' });
    await openPanel(page, 'mlflow');
    await page.getByTestId('mlflow-url').fill(`${appUrl}mlflow`);
    await page.getByTestId('mlflow-test').click();
    const connected = page.locator('[data-testid="mlflow-status"][data-state="done"]');
    await connected.waitFor({ timeout: 60_000 });
    assert.match(await connected.textContent(), /MLflow 2\.22\.1; artifacts are proxied/);

    await page.getByTestId('mlflow-experiment').fill(EXPERIMENT);
    await page.getByTestId('mlflow-push').click();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="sync-state"][data-state="synced"]').length === 2,
      null,
      { timeout: 120_000 },
    );
    const clientId = (await runRows(page)).find((r) => r.model === 'ols').id;
    const valRmse = Number(await cell(page, 'train').getByTestId('cell-val-rmse').getAttribute('data-value'));

    const script = `
import json, sys
from mlflow import MlflowClient
c = MlflowClient(sys.argv[1])
e = c.get_experiment_by_name(sys.argv[2])
runs = c.search_runs([e.experiment_id])
print(json.dumps([{"client": r.data.tags.get("flowbook.client_id"), "val_rmse": r.data.metrics.get("val_rmse"),
  "model": [a.path for a in c.list_artifacts(r.info.run_id, "model")],
  "history": json.loads(r.data.tags.get("mlflow.log-model.history", "[]"))} for r in runs]))
`;
    const runs = JSON.parse(
      execFileSync(join(VENV, 'bin', 'python'), ['-c', script, trackingUri, EXPERIMENT], {
        encoding: 'utf8',
        // MLflow 2's client resolves mlflow-artifacts: URIs against the tracking URI.
        env: { ...process.env, MLFLOW_TRACKING_URI: trackingUri, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' },
      }),
    );
    assert.equal(runs.length, 2, JSON.stringify(runs));
    const run = runs.find((r) => r.client === clientId);
    assert.ok(run, `no run ${clientId} on the server`);
    assert.equal(run.val_rmse, valRmse);
    assert.ok(run.model.includes('model/model.onnx'), run.model.join(','));
    // MLflow 2 has no LoggedModels: the run records its model as 2.x's log_model does.
    const history = run.history;
    assert.equal(history.length, 1, JSON.stringify(history));
    assert.equal(history[0].artifact_path, 'model');
    assert.equal(history[0].flavors.python_function.loader_module, 'mlflow.onnx');
    assert.deepEqual(pageErrors, []);
  });
});
