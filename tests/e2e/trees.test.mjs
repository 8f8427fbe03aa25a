// Gradient-boosted trees in a real browser. The default notebook's tree cell trains in the
// worker with a step per round and lands within 0.02 of XGBoost's validation RMSE for the
// same settings (XGBoost from the pinned venv, run live beside the browser); it shows the
// trees' feature importance with zone names and the learning curve, and says how far below
// the best linear run it is. A setting out of range is named with its range; Cancel on the
// course settings records nothing. The tree run registers, predicts through name@alias,
// and its pushed MLflow model predicts the same minutes in mlflow.pyfunc; the run's metric
// history on the server is the learning curve.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPanel, predictThroughRegistry, REPO, SHARED_DATA, waitAllFresh } from './app_page.mjs';
import { launchBrowser } from './browser.mjs';
import { freePort, startMlflow, stopGroup, waitForOk } from './servers.mjs';

const BASE_URL = process.env.FLOWBOOK_URL;
const VENV = process.env.FLOWBOOK_VENV || join(homedir(), '.cache', 'flowbook', 'venv');
const PYTHON = join(VENV, 'bin', 'python');
const LONG = { timeout: 180_000 };
const MODEL = 'taxi-trees';
const EXPERIMENT = 'trees-e2e';
const MLFLOW_ENV = { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' };

// XGBoost on the course's features (DictVectorizer over PU_DO and trip_distance), with the
// settings the page shows; single-threaded so the browser keeps a core.
const XGBOOST = `
import json, sys
sys.path.insert(0, sys.argv[1])
import xgboost as xgb
from sklearn.feature_extraction import DictVectorizer
from oracle import read_frame
train, val, p = read_frame(sys.argv[2]), read_frame(sys.argv[3]), json.loads(sys.argv[4])
features = ["PU_DO", "trip_distance"]
dv = DictVectorizer()
x_train = dv.fit_transform(train[features].to_dict(orient="records"))
x_val = dv.transform(val[features].to_dict(orient="records"))
params = {k: p[k] for k in ("learning_rate", "max_depth", "min_child_weight", "reg_lambda",
          "reg_alpha", "gamma", "subsample", "colsample_bytree", "max_bin", "seed")}
params.update(objective="reg:squarederror", tree_method="hist", nthread=1)
booster = xgb.train(params, xgb.DMatrix(x_train, label=train.duration.values),
                    num_boost_round=p["num_boost_round"],
                    evals=[(xgb.DMatrix(x_val, label=val.duration.values), "validation")],
                    early_stopping_rounds=p["early_stopping_rounds"], verbose_eval=False)
print(json.dumps({"val_rmse": float(booster.best_score), "best_iteration": booster.best_iteration}))
`;

const SETTINGS = {
  num_boost_round: 'cell-num-boost-round',
  learning_rate: 'cell-learning-rate',
  max_depth: 'cell-max-depth',
  min_child_weight: 'cell-min-child-weight',
  early_stopping_rounds: 'cell-early-stopping',
  subsample: 'cell-subsample',
  colsample_bytree: 'cell-colsample-bytree',
  reg_lambda: 'cell-reg-lambda',
  reg_alpha: 'cell-reg-alpha',
  gamma: 'cell-gamma',
  max_bin: 'cell-max-bin',
  seed: 'cell-seed',
};

function xgboost(params) {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      ['-c', XGBOOST, join(REPO, 'tests/oracle'), join(SHARED_DATA, 'green_tripdata_2021-01.parquet'),
        join(SHARED_DATA, 'green_tripdata_2021-02.parquet'), JSON.stringify(params)],
      { timeout: 600_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout))),
    );
  });
}

describe('Gradient-boosted trees', () => {
  let browser;
  let page;
  let server;
  let trackingUri;
  let treeMinutes;
  const pageErrors = [];

  const treeCell = () => page.locator('[data-testid="cell"][data-kind="train"]').nth(1);
  const treeEvaluate = () => page.locator('[data-testid="cell"][data-kind="evaluate"]').nth(1);
  const runRows = () => page.getByTestId('run-row');

  before(async () => {
    assert.ok(BASE_URL, 'set FLOWBOOK_URL to the served app');
    const port = await freePort();
    trackingUri = `http://127.0.0.1:${port}`;
    server = startMlflow(VENV, port, mkdtempSync(join(tmpdir(), 'flowbook-trees-e2e-')));
    browser = await launchBrowser();
    page = await (await browser.newContext({ acceptDownloads: true })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(BASE_URL, { waitUntil: 'load' });
    await treeCell().waitFor(LONG);
  });

  after(async () => {
    await browser?.close();
    if (server) stopGroup(server);
  });

  test('the default tree cell trains round by round and reaches XGBoost for the same settings', async () => {
    assert.equal(await treeCell().getByTestId('cell-model').inputValue(), 'gbdt');
    const params = {};
    for (const [name, testid] of Object.entries(SETTINGS)) {
      const text = await treeCell().getByTestId(testid).inputValue();
      params[name] = text === '' ? null : Number(text);
    }
    assert.ok(params.num_boost_round >= 10 && params.early_stopping_rounds > 0, JSON.stringify(params));
    const oracle = xgboost(params);
    oracle.catch(() => {});
    // Every progress value the tree cell's bar shows while it trains.
    await page.evaluate(() => {
      window.treeProgress = [];
      setInterval(() => {
        const bar = document.querySelectorAll('[data-testid="cell"][data-kind="train"]')[1]
          ?.querySelector('[data-testid="train-progress-bar"]');
        if (bar && window.treeProgress.at(-1) !== bar.value) window.treeProgress.push(bar.value);
      }, 20);
    });
    const started = Date.now();
    await page.getByTestId('run-all').click();
    const value = treeCell().getByTestId('cell-val-rmse');
    await value.waitFor(LONG);
    const seconds = (Date.now() - started) / 1000;
    const got = Number(await value.getAttribute('data-value'));
    await waitAllFresh(page, LONG.timeout);

    const progress = await page.evaluate(() => window.treeProgress);
    assert.ok(progress.length >= 5, `progress seen per round: ${progress}`);
    assert.ok(progress.every((v, i) => i === 0 || v >= progress[i - 1]), `progress only moves forward: ${progress}`);
    const summary = await treeCell().getByTestId('cell-train-result').textContent();
    assert.match(summary, /gbdt · \d+ trees kept, best round \d+ of \d+/);

    const want = await oracle;
    console.log(`trees: Flowbook in the browser ${got.toFixed(6)} (Run all → result ${seconds.toFixed(1)} s) | XGBoost ${want.val_rmse.toFixed(6)} (best iteration ${want.best_iteration})`);
    assert.ok(got <= want.val_rmse + 0.02, `validation RMSE ${got} vs XGBoost ${want.val_rmse}`);
    assert.ok(Math.abs(got - want.val_rmse) <= 0.02, `validation RMSE ${got} vs XGBoost ${want.val_rmse}`);

    // Measured against the best linear run on the same files (the OLS cell above).
    const versus = treeCell().getByTestId('cell-versus-linear');
    const linear = Number(await versus.getAttribute('data-linear'));
    const linearShown = Number(await page.locator('[data-testid="cell"][data-kind="train"]').first().getByTestId('cell-val-rmse').getAttribute('data-value'));
    assert.equal(linear, linearShown);
    assert.match(await versus.textContent(), /min below the best linear run on these files \(ols, /);
    assert.ok(got < linear - 0.5, `trees ${got} vs linear ${linear}`);

    // The learning curve, and the evaluation's importance bars with zone names.
    await treeCell().locator('[data-testid="chart-learning-curve"][data-drawn="true"]').waitFor();
    for (const id of ['chart-importance', 'chart-predicted-vs-actual', 'chart-residuals']) {
      await treeEvaluate().locator(`[data-testid="${id}"][data-drawn="true"]`).waitFor();
    }
    const labels = await treeEvaluate().getByTestId('coefficient-row').locator('td:first-child').allTextContents();
    assert.ok(labels.length >= 5, labels.join(' | '));
    assert.ok(labels.some((l) => l === 'trip_distance'), `the distance is among the top features: ${labels.join(' | ')}`);
    assert.ok(labels.some((l) => /PU_DO \d+→\d+: .+ → .+/.test(l)), `zone pairs carry names: ${labels.join(' | ')}`);
    assert.match(await treeEvaluate().textContent(), /total gain/);
    assert.deepEqual(pageErrors, []);
  });

  test('an out-of-range setting is named with its range and trains nothing', async () => {
    const rows = await runRows().count();
    const runs = Number(await treeCell().getAttribute('data-runs'));
    const depth = treeCell().getByTestId('cell-max-depth');
    await depth.fill('0');
    await depth.dispatchEvent('change');
    const message = treeCell().getByTestId('cell-edit-error');
    await message.waitFor();
    assert.match(await message.textContent(), /max_depth must be a whole number from 1 to 1000; got 0/);
    assert.equal(Number(await treeCell().getAttribute('data-runs')), runs);
    assert.equal(await runRows().count(), rows);
    // Back in range: the message goes.
    await depth.fill('20');
    await depth.dispatchEvent('change');
    await message.waitFor({ state: 'detached' });
    assert.equal(Number(await treeCell().getAttribute('data-runs')), runs);
  });

  test('Cancel stops the course settings mid-training and records nothing', async () => {
    const rows = await runRows().count();
    await treeCell().getByTestId('preset-course').click();
    assert.equal(await treeCell().getByTestId('cell-num-boost-round').inputValue(), '1000');
    assert.equal(await treeCell().getByTestId('cell-max-depth').inputValue(), '30');
    // Cancel once a few rounds are done.
    await page.waitForFunction(
      () => Number(document.querySelectorAll('[data-testid="cell"][data-kind="train"]')[1]
        ?.querySelector('[data-testid="train-progress-bar"]')?.value ?? 0) >= 4,
      null,
      LONG,
    );
    const text = await treeCell().getByTestId('train-progress').textContent();
    assert.match(text, /Boosting round \d+ of 1000/);
    await treeCell().getByTestId('train-cancel').click();
    await treeCell().locator('[data-testid="cell-state"][data-state="error"]').waitFor(LONG);
    assert.equal(await runRows().count(), rows, 'a cancelled training records no run');
    // Back to the quick settings: the cell trains again.
    await treeCell().getByTestId('preset-workshop').click();
    await treeCell().locator('[data-testid="cell-state"][data-state="fresh"]').waitFor(LONG);
    assert.equal(await runRows().count(), rows + 1);
    assert.deepEqual(pageErrors, []);
  });

  test('the tree run registers and predicts through name@alias', async () => {
    const row = runRows().filter({ has: page.locator('[data-column="params.model"][data-value="gbdt"]') }).first();
    const clientId = await row.getAttribute('data-client-id');
    await openPanel(page, 'registry');
    await page.getByTestId('register-run').selectOption(clientId);
    await page.getByTestId('register-name').fill(MODEL);
    await page.getByTestId('register').click();
    const card = page.locator(`[data-testid="registered-model"][data-name="${MODEL}"]`);
    await card.getByTestId('model-version').first().waitFor();
    await card.getByTestId('alias-name').fill('champion');
    await card.getByTestId('alias-version').selectOption('1');
    await card.getByTestId('set-alias').click();
    await card.getByTestId('alias-status').filter({ hasText: 'champion' }).waitFor();

    const shown = await predictThroughRegistry(page, `${MODEL}@champion`);
    treeMinutes = Number(await shown.getAttribute('data-value'));
    assert.equal(Number(await shown.getAttribute('data-version')), 1);
    assert.ok(treeMinutes > 1 && treeMinutes < 30, `a 1.5-mile trip in East Harlem: ${treeMinutes} min`);
    // A trip between two zones never seen together still gets an answer.
    await page.getByTestId('predict-pickup').fill('1');
    await page.getByTestId('predict-dropoff').fill('265');
    await page.getByTestId('predict').click();
    await page.waitForFunction(
      (first) => document.querySelector('[data-testid="predict-box"] [data-testid="prediction"]')?.dataset.value !== String(first),
      treeMinutes,
    );
    assert.deepEqual(pageErrors, []);
  });

  test('pushed to MLflow, the tree run charts its rounds and its model predicts the same in pyfunc', async () => {
    await waitForOk(`${trackingUri}/health`, 90_000, server);
    await openPanel(page, 'mlflow');
    await page.getByTestId('mlflow-url').fill(trackingUri);
    await page.getByTestId('mlflow-experiment').fill(EXPERIMENT);
    await page.getByTestId('mlflow-push').click();
    await page.locator('[data-testid="mlflow-status"][data-state="done"]').waitFor(LONG);
    await page.getByTestId('mlflow-push-registry').click();
    await page.waitForFunction(
      () => ['done', 'failed'].includes(document.querySelector('[data-testid="mlflow-status"]')?.dataset.state)
        && /model\(s\)/.test(document.querySelector('[data-testid="mlflow-status"]')?.textContent),
      null,
      LONG,
    );
    const status = page.getByTestId('mlflow-status');
    assert.equal(await status.getAttribute('data-state'), 'done', await status.textContent());

    const script = `
import json, sys
import mlflow, numpy as np, pandas as pd
from mlflow import MlflowClient
c = MlflowClient(sys.argv[1])
mlflow.set_tracking_uri(sys.argv[1])
v = c.get_model_version_by_alias(sys.argv[2], "champion")
run = c.get_run(v.run_id)
history = c.get_metric_history(v.run_id, "val_rmse")
model = mlflow.pyfunc.load_model(f"models:/{sys.argv[2]}@champion")
df = pd.DataFrame({"PULocationID": np.array([74], dtype=np.int64),
                   "DOLocationID": np.array([75], dtype=np.int64), "trip_distance": [1.5]})
print(json.dumps({"params": run.data.params, "metrics": run.data.metrics,
  "steps": sorted(m.step for m in history), "prediction": float(model.predict(df)["duration"].iloc[0])}))
`;
    const view = JSON.parse(execFileSync(PYTHON, ['-c', script, trackingUri, MODEL], { encoding: 'utf8', env: MLFLOW_ENV }));
    assert.equal(view.params.model, 'gbdt');
    assert.equal(view.params.max_depth, await treeCell().getByTestId('cell-max-depth').inputValue());
    const rounds = view.metrics.rounds_trained;
    assert.ok(rounds >= 10, JSON.stringify(view.metrics));
    // One step per round, then the kept model once more.
    assert.deepEqual(view.steps, [...Array(rounds + 1).keys()]);
    assert.ok(Math.abs(view.prediction - treeMinutes) < 1e-4, `pyfunc ${view.prediction} vs the page's ${treeMinutes}`);
    assert.deepEqual(pageErrors, []);
  });
});
