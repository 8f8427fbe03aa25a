// Pushing runs from the browser to a real MLflow server: started here from the pinned venv
// (sqlite store, proxied artifacts), checked afterwards with MLflow's own Python client.
// MLflow 3.5+ allows http://127.0.0.1:* origins by default, which is where the app is served.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cell, openPanel, predictThroughRegistry, runRows, setRunOnOpen, trainInCell } from './app_page.mjs';
import { launchBrowser } from './browser.mjs';
import { freePort, startMlflow, stopGroup, waitForOk } from './servers.mjs';

const BASE_URL = process.env.FLOWBOOK_URL;
const VENV = process.env.FLOWBOOK_VENV || join(homedir(), '.cache', 'flowbook', 'venv');
const EXPERIMENT = 'browser-e2e';

/** What the server holds for the experiment, read with MLflow's Python client. */
function serverView(trackingUri) {
  const script = `
import json, sys, tempfile
from mlflow import MlflowClient
c = MlflowClient(sys.argv[1])
tmp = tempfile.mkdtemp()
e = c.get_experiment_by_name(sys.argv[2])
runs = c.search_runs([e.experiment_id]) if e else []
out = []
for r in runs:
    arts = [a.path for a in c.list_artifacts(r.info.run_id)]
    model = [a.path for a in c.list_artifacts(r.info.run_id, "model")]
    charts = {}
    for a in c.list_artifacts(r.info.run_id, "charts"):
        with open(c.download_artifacts(r.info.run_id, a.path, tmp), "rb") as f:
            head = f.read(24)
        # PNG signature, then the IHDR chunk's width and height (big-endian).
        charts[a.path] = [head[:8] == b"\\x89PNG\\r\\n\\x1a\\n", int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")]
    out.append({"id": r.info.run_id, "status": r.info.status, "metrics": r.data.metrics, "charts": charts,
                "params": r.data.params, "tags": r.data.tags, "artifacts": arts, "model": model,
                "inputs": [d.dataset.digest for d in r.inputs.dataset_inputs],
                "outputs": [o.model_id for o in c.get_run(r.info.run_id).outputs.model_outputs],
                "logged_models": [[m.model_id, str(m.status)] for m in c.search_logged_models([e.experiment_id])
                                  if m.source_run_id == r.info.run_id]})
print(json.dumps(out))
`;
  const text = execFileSync(join(VENV, 'bin', 'python'), ['-c', script, trackingUri, EXPERIMENT], {
    encoding: 'utf8',
    // MLflow's client lists a run's model/ from its LoggedModel through the global URI.
    env: { ...process.env, MLFLOW_TRACKING_URI: trackingUri, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' },
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
  const downServers = [];

  before(async () => {
    assert.ok(BASE_URL, 'set FLOWBOOK_URL to the served app');
    store = mkdtempSync(join(tmpdir(), 'flowbook-mlflow-e2e-'));
    const port = await freePort();
    trackingUri = `http://127.0.0.1:${port}`;
    server = startMlflow(VENV, port, store);
    await waitForOk(`${trackingUri}/health`, 90_000, server);
    browser = await launchBrowser();
    page = await (await browser.newContext()).newPage();
    page.on('pageerror', (error) => {
      // Firefox reports a refused request as a page error too; to the addresses where this
      // test stopped the server on purpose, that is the point of the test.
      const onPurpose = downServers.some((url) => error.message.includes(url));
      if (!(onPurpose && /CORS request did not succeed/.test(error.message))) pageErrors.push(error.message);
    });
    await page.goto(BASE_URL, { waitUntil: 'load' });
  });

  /** An address where no server listens, noted as down on purpose. */
  async function downServer() {
    const url = `http://127.0.0.1:${await freePort()}`;
    downServers.push(url);
    return url;
  }

  after(async () => {
    await browser?.close();
    stopGroup(server);
    if (store) rmSync(store, { recursive: true, force: true });
  });

  test('a server that is not running gets a plain message and the run stays pending', async () => {
    // The default notebook's two trainings: OLS and the trees. The reloads below leave the
    // notebook as it is, so the runs on the server are the ones made here.
    await trainInCell(page, { model: 'ols' });
    await setRunOnOpen(page, false);
    await page.getByTestId('run-row').first().waitFor({ state: 'attached' });
    await openPanel(page, 'mlflow');
    await page.getByTestId('mlflow-url').fill(await downServer());
    await page.getByTestId('mlflow-push').click();
    const status = page.locator('[data-testid="mlflow-status"][data-state="failed"]');
    await status.waitFor({ timeout: 60_000 });
    assert.match(await status.textContent(), /got no answer|cannot reach/);
    assert.equal(await page.getByTestId('sync-state').first().getAttribute('data-state'), 'pending');

    // Pushed on its own from its row, the run says why it failed; the next push retries it.
    await openPanel(page, 'runs');
    await page.getByTestId('push-run').first().click();
    const failedRow = page.locator('[data-testid="sync-state"][data-state="failed"]');
    await failedRow.waitFor({ timeout: 60_000 });
    assert.match(await failedRow.getAttribute('title'), /got no answer|cannot reach/);
    await failedRow.getByTestId('push-run').waitFor();
  });

  test('a password for plain http to another machine is warned about before anything is sent', async () => {
    const warning = page.getByTestId('mlflow-insecure');
    await openPanel(page, 'mlflow');
    await page.getByTestId('mlflow-url').fill('http://10.255.255.1:5000');
    await page.getByTestId('mlflow-auth').selectOption('basic');
    await page.getByTestId('mlflow-username').fill('ada');
    await page.getByTestId('mlflow-secret').fill('not-a-real-password');
    await warning.waitFor();
    assert.match(await warning.textContent(), /unencrypted/);
    await page.getByTestId('mlflow-url').fill('https://10.255.255.1:5000');
    await warning.waitFor({ state: 'detached' });
    await page.getByTestId('mlflow-url').fill('http://127.0.0.1:5000');
    await page.getByTestId('mlflow-auth').selectOption('none');
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
    await page.locator('[data-testid="sync-state"][data-state="synced"]').first().waitFor({ state: 'attached' });
    const valRmse = Number(await cell(page, 'train').getByTestId('cell-val-rmse').getAttribute('data-value'));
    const rowModels = async () => (await runRows(page)).map((r) => r.model).sort();
    const clientId = (await runRows(page)).find((r) => r.model === 'ols').id;

    let runs = serverView(trackingUri);
    assert.deepEqual(runs.map((r) => r.params.model).sort(), await rowModels(), JSON.stringify(runs));
    assert.equal(runs.length, 2, 'the OLS and the trees runs');
    const run = runs.find((r) => r.tags['flowbook.client_id'] === clientId);
    assert.ok(run, `no run ${clientId} on the server`);
    assert.equal(run.status, 'FINISHED');
    assert.equal(run.tags['flowbook.client_id'], clientId);
    assert.equal(run.metrics.val_rmse, valRmse);
    assert.equal(run.params.model, 'ols');
    assert.equal(run.inputs.length, 2);
    assert.ok(run.artifacts.includes('flowbook_model.json'), run.artifacts.join(','));
    assert.ok(run.model.includes('model/MLmodel') && run.model.includes('model/model.onnx'), run.model.join(','));
    assert.ok(run.artifacts.includes('feature_vocabulary.json'), run.artifacts.join(','));
    // The model is an MLflow 3 LoggedModel, READY, and the run's output.
    assert.equal(run.logged_models.length, 1, JSON.stringify(run.logged_models));
    assert.match(run.logged_models[0][1], /READY/);
    assert.deepEqual(run.outputs, [run.logged_models[0][0]]);
    // The evaluation charts went along as PNG files of the page's chart sizes.
    assert.deepEqual(run.charts, {
      'charts/largest_coefficients.png': [true, 720, 420],
      'charts/predicted_vs_actual.png': [true, 720, 280],
      'charts/residuals.png': [true, 720, 280],
    });

    // A third training is pushed; the first two are not sent again (and would not duplicate).
    await trainInCell(page, { model: 'ridge', alpha: '1' });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 3);
    await page.getByTestId('mlflow-push').click();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="sync-state"][data-state="synced"]').length === 3,
      null,
      { timeout: 120_000 },
    );
    runs = serverView(trackingUri);
    assert.equal(runs.length, 3);
    assert.deepEqual(runs.map((r) => r.params.model).sort(), await rowModels());

    // Offline queue: with automatic push on, a run made offline waits as pending and goes
    // out by itself when the browser is back online.
    await page.getByTestId('mlflow-auto').check();
    await page.context().setOffline(true);
    await trainInCell(page, { model: 'lasso' });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 4);
    await page.waitForTimeout(500);
    assert.equal(await page.locator('[data-testid="sync-state"][data-state="synced"]').count(), 3);
    assert.equal(serverView(trackingUri).length, 3, 'nothing reached the server while offline');
    await page.context().setOffline(false);
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="sync-state"][data-state="synced"]').length === 4,
      null,
      { timeout: 120_000 },
    );
    runs = serverView(trackingUri);
    assert.deepEqual(runs.map((r) => r.params.model).sort(), await rowModels());
    assert.ok(runs.some((r) => r.params.model === 'lasso'));

    // A password is kept in the page only, unless the user asks to remember it.
    const saved = () => page.evaluate(() => localStorage.getItem('flowbook.mlflow.settings') ?? '');
    await page.getByTestId('mlflow-auth').selectOption('basic');
    await page.getByTestId('mlflow-username').fill('ada');
    await page.getByTestId('mlflow-secret').fill('pw-not-kept-7431');
    assert.ok((await saved()).includes('"username":"ada"'), await saved());
    assert.ok(!(await saved()).includes('pw-not-kept-7431'), 'the password is not saved unless asked');

    // The sync state and the settings (but not that password) survive a reload.
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="sync-state"][data-state="synced"]').length === 4,
      null,
      { timeout: 60_000 },
    );
    assert.equal(await page.getByTestId('mlflow-url').inputValue(), trackingUri);
    assert.equal(await page.getByTestId('mlflow-experiment').inputValue(), EXPERIMENT);
    assert.equal(await page.getByTestId('mlflow-username').inputValue(), 'ada');
    assert.equal(await page.getByTestId('mlflow-secret').inputValue(), '');
    await openPanel(page, 'mlflow');
    await page.getByTestId('mlflow-secret').fill('pw-kept-9924');
    await page.getByTestId('mlflow-remember-secret').check();
    await page.reload({ waitUntil: 'load' });
    await openPanel(page, 'mlflow');
    assert.equal(await page.getByTestId('mlflow-secret').inputValue(), 'pw-kept-9924');
    await page.getByTestId('mlflow-remember-secret').uncheck();
    assert.ok(!(await saved()).includes('pw-kept-9924'), 'unticking forgets the password');
    await page.getByTestId('mlflow-auth').selectOption('none');
    assert.deepEqual(pageErrors, []);
  });

  test('the model registry goes to the server once: versions linked to runs, stage, aliases, loadable model', async () => {
    const MODEL = 'trip-duration-e2e';
    const card = page.locator(`[data-testid="registered-model"][data-name="${MODEL}"]`);
    const clientIdOf = async (model) =>
      page
        .locator('[data-testid="run-row"]')
        .filter({ has: page.locator(`[data-column="params.model"][data-value="${model}"]`) })
        .getAttribute('data-client-id');
    const ols = await clientIdOf('ols');
    const ridge = await clientIdOf('ridge');
    await openPanel(page, 'registry');
    for (const clientId of [ols, ridge]) {
      await page.getByTestId('register-run').selectOption(clientId);
      await page.getByTestId('register-name').fill(MODEL);
      await page.getByTestId('register-description').fill(`from ${clientId}`);
      await page.getByTestId('register').click();
      await page.locator('[data-testid="register-status"]').filter({ hasText: 'Registered' }).waitFor();
    }
    await card.getByTestId('model-version').nth(1).waitFor();
    await card.getByTestId('alias-name').fill('champion');
    await card.getByTestId('alias-version').selectOption('1');
    await card.getByTestId('set-alias').click();
    await card.getByTestId('stage-version').selectOption('2');
    await card.getByTestId('stage-target').selectOption('Staging');
    await card.getByTestId('transition-stage').click();
    await card.locator('[data-testid="model-version"][data-version="2"] [data-testid="version-stage"]', { hasText: 'Staging' }).waitFor();

    // A description and tags on the model and on version 1 go along.
    const details = async (target, { description, tag }) => {
      await card.getByTestId('details-target').selectOption(target);
      if (description) {
        await card.getByTestId('details-description').fill(description);
        await card.getByTestId('save-description').click();
      }
      if (tag) {
        await card.getByTestId('details-tag-key').fill(tag[0]);
        await card.getByTestId('details-tag-value').fill(tag[1]);
        await card.getByTestId('set-tag').click();
      }
      await card.locator('[data-testid="details-status"][data-state="done"]').waitFor();
    };
    await details('model', { description: 'Trip duration in minutes', tag: ['team', 'workshop'] });
    await details('1', { tag: ['validated_by', 'ada'] });
    assert.equal(await card.getByTestId('model-tags').textContent(), 'team=workshop');
    assert.equal(
      await card.locator('[data-testid="model-version"][data-version="1"] [data-testid="version-tags"]').textContent(),
      'validated_by=ada',
    );
    await card.getByTestId('details-tag-key').fill('bad key!');
    await card.getByTestId('set-tag').click();
    await card.locator('[data-testid="details-status"][data-state="failed"]').waitFor();

    const pushRegistry = async () => {
      const before = await page.locator('[data-testid="mlflow-status"][data-state="done"]').count();
      await openPanel(page, 'mlflow');
      await page.getByTestId('mlflow-url').fill(trackingUri);
      await page.getByTestId('mlflow-push-registry').click();
      const status = page.locator('[data-testid="mlflow-status"]');
      await page.waitForFunction(
        () => ['done', 'failed'].includes(document.querySelector('[data-testid="mlflow-status"]')?.dataset.state),
        null,
        { timeout: 120_000 },
      );
      assert.equal(await status.getAttribute('data-state'), 'done', await status.textContent());
      return { text: await status.textContent(), before };
    };
    const registryView = () => {
      const script = `
import json, sys
import mlflow
from mlflow import MlflowClient
c = MlflowClient(sys.argv[1])
name = sys.argv[2]
m = c.get_registered_model(name)
vs = sorted(c.search_model_versions(f"name = '{name}'"), key=lambda v: int(v.version))
champion = c.get_model_version_by_alias(name, "champion")
run_tags = {v.version: c.get_run(v.run_id).data.tags.get("flowbook.client_id") for v in vs}
mlflow.set_tracking_uri(sys.argv[1])
import pandas as pd
model = mlflow.pyfunc.load_model(f"models:/{name}@champion")
import numpy as np
df = pd.DataFrame({"PULocationID": np.array([74], dtype=np.int64),
                   "DOLocationID": np.array([75], dtype=np.int64), "trip_distance": [1.5]})
try:
    pred = float(model.predict(df)["duration"].iloc[0])
except Exception as e:
    pred = str(e)
print(json.dumps({"aliases": m.aliases, "description": m.description, "tags": m.tags,
  "versions": [{"version": v.version, "run_id": v.run_id, "tags": {k: x for k, x in v.tags.items() if not k.startswith("flowbook.")},
  "stage": v.current_stage, "description": v.description, "client": run_tags[v.version]} for v in vs],
  "champion": champion.version, "prediction": pred}))
`;
      return JSON.parse(
        execFileSync(join(VENV, 'bin', 'python'), ['-c', script, trackingUri, MODEL], {
          encoding: 'utf8',
          env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' },
        }),
      );
    };

    const first = await pushRegistry();
    assert.match(first.text, /1 model\(s\), 2 version\(s\) \(2 new\), 1 alias/);
    let view = registryView();
    assert.equal(view.versions.length, 2, JSON.stringify(view));
    assert.deepEqual(view.versions.map((v) => v.client), [ols, ridge], 'each version is linked to its run');
    assert.deepEqual(view.versions.map((v) => v.stage), ['None', 'Staging']);
    assert.equal(view.versions[0].description, `from ${ols}`);
    assert.equal(view.description, 'Trip duration in minutes');
    assert.deepEqual(view.tags, { team: 'workshop' });
    assert.deepEqual(view.versions.map((v) => v.tags), [{ validated_by: 'ada' }, {}]);
    assert.equal(view.champion, view.versions[0].version);
    // The champion (the OLS run's model) predicts through MLflow what the page predicts.
    const shown = await predictThroughRegistry(page, `${MODEL}@champion`);
    const predicted = Number(await shown.getAttribute('data-value'));
    assert.equal(typeof view.prediction, 'number', String(view.prediction));
    assert.ok(Math.abs(view.prediction - predicted) < 1e-4, `${view.prediction} vs ${predicted}`);

    // Roll forward locally and push again: nothing new is created, the alias moves.
    await openPanel(page, 'registry');
    await card.getByTestId('alias-name').fill('champion');
    await card.getByTestId('alias-version').selectOption('2');
    await card.getByTestId('set-alias').click();
    await card.locator('[data-testid="model-version"][data-version="2"] [data-testid="version-aliases"]', { hasText: 'champion' }).waitFor();
    const second = await pushRegistry();
    assert.match(second.text, /2 version\(s\) \(0 new\)/);
    view = registryView();
    assert.equal(view.versions.length, 2, 'a repeated push creates no version');
    assert.equal(view.champion, view.versions[1].version);
    assert.deepEqual(pageErrors, []);
  });

  test("MLflow's own web UI lists the model as MLflow 3 does: run page, Models tab, version schema", async () => {
    const MODEL = 'trip-duration-e2e';
    const script = `
import json, sys
from mlflow import MlflowClient
c = MlflowClient(sys.argv[1])
v = c.get_model_version(sys.argv[2], "1")
run = c.get_run(v.run_id)
print(json.dumps({"experiment": run.info.experiment_id, "run": v.run_id,
  "model": run.outputs.model_outputs[0].model_id, "source": v.source}))
`;
    const ids = JSON.parse(execFileSync(join(VENV, 'bin', 'python'), ['-c', script, trackingUri, MODEL], {
      encoding: 'utf8',
      env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' },
    }));
    assert.equal(ids.source, `models:/${ids.model}`, 'the version is made from the logged model');
    const shots = mkdtempSync(join(tmpdir(), 'flowbook-mlflow-ui-'));
    const ui = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      // The run page: "Logged models (1)" linking the model, and who created the run.
      await ui.goto(`${trackingUri}/#/experiments/${ids.experiment}/runs/${ids.run}`);
      await ui.getByText('Logged models (1)').first().waitFor({ timeout: 60_000 });
      await ui.getByText('Created by').first().waitFor();
      await ui.screenshot({ path: join(shots, 'run-page.png'), fullPage: true });
      // The experiment's Models tab lists it, linked by its id.
      await ui.goto(`${trackingUri}/#/experiments/${ids.experiment}/models`);
      await ui.locator(`a[href*="/models/${ids.model}"]`).first().waitFor({ timeout: 60_000 });
      await ui.screenshot({ path: join(shots, 'models-tab.png') });
      // The version page shows the signature: three inputs, one output.
      await ui.goto(`${trackingUri}/#/models/${MODEL}/versions/1`);
      await ui.getByText('Inputs (3)').first().click({ timeout: 60_000 });
      await ui.getByText('PULocationID').first().waitFor();
      await ui.getByText('trip_distance').first().waitFor();
      await ui.getByText('Outputs (1)').first().waitFor();
      await ui.screenshot({ path: join(shots, 'version-page.png') });
      console.log(`# MLflow UI screenshots in ${shots}`);
    } finally {
      await ui.close();
    }
  });

  test("the team's runs: the server's runs, read-only, with the same values and filter", async () => {
    // First a server that is down.
    await openPanel(page, 'mlflow');
    await page.getByTestId('mlflow-url').fill(await downServer());
    await page.getByTestId('server-show').click();
    const failed = page.locator('[data-testid="server-runs-status"][data-state="failed"]');
    await failed.waitFor({ timeout: 60_000 });
    assert.match(await failed.textContent(), /got no answer|cannot reach/);

    await page.getByTestId('mlflow-url').fill(trackingUri);
    await page.getByTestId('server-show').click();
    await page.getByTestId('server-experiment').waitFor();
    await page.getByTestId('server-experiment').selectOption({ label: EXPERIMENT });
    // The two trainings of Run all, then Ridge and Lasso.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="server-run-row"]').length === 4, null, {
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
    // A server run ticked there is compared next to a local one, named as the server's.
    await page.getByTestId('server-runs-filter').fill('');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="server-run-row"]').length === 4);
    await page.locator(`[data-testid="server-run-row"][data-run-id="${ridge.id}"] [data-testid="server-run-select"]`).check();
    await openPanel(page, 'runs');
    await page.getByTestId('run-select').first().check();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="compare-run"]').length === 2);
    await openPanel(page, 'compare');
    const heads = await page.getByTestId('compare-run').allTextContents();
    assert.equal(heads.filter((h) => h.endsWith('(server)')).length, 1, heads.join(' | '));
    await page.getByTestId('compare-parallel').waitFor();

    // Read-only: nothing new to push, nothing new on the server.
    assert.equal(await page.locator('[data-testid="sync-state"][data-state="synced"]').count(), 4);
    assert.equal(serverView(trackingUri).length, 4);
    assert.deepEqual(pageErrors, []);
  });
});
