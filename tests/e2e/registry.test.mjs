// The model registry in a real browser: two trainings registered as versions 1 and 2 of
// one model, the `champion` alias moved between them (and rolled back), predictions made
// through the alias checked against the models' own files and against an independent
// scikit-learn fit, stages with their history, everything kept across a reload, and bad
// references explained.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportExperiment, openApp, openPanel, trainInCell } from './app_page.mjs';
import { launchBrowser } from './browser.mjs';

const BASE_URL = process.env.FLOWBOOK_URL;
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DATA = join(REPO, '..', 'shared', 'data');
const VENV_PYTHON = join(process.env.FLOWBOOK_VENV || join(homedir(), '.cache/flowbook/venv'), 'bin/python');
const MODEL = 'taxi-duration';
const TRIP = { pickup: '74', dropoff: '75', distance: '1.5' };

// scikit-learn's DictVectorizer and the oracle's converged least squares (tests/oracle),
// fitted on January 2021 and asked for the same trip: the prediction computed without
// any Flowbook code.
const ORACLE = `
import json, sys
sys.path.insert(0, sys.argv[1])
from sklearn.feature_extraction import DictVectorizer
from oracle import read_frame, _centred_lsqr
train = read_frame(sys.argv[2])
dv = DictVectorizer()
X = dv.fit_transform(train[["PU_DO", "trip_distance"]].to_dict(orient="records")).tocsr()
row = dv.transform([{"PU_DO": sys.argv[3] + "_" + sys.argv[4], "trip_distance": float(sys.argv[5])}])
out = {}
for name, damp in (("ols", 0.0), ("ridge", 1.0)):
    w, b = _centred_lsqr(X, train.duration.to_numpy(), damp)
    out[name] = float((row @ w)[0] + b)
print(json.dumps(out))
`;

function sklearnPredictions() {
  return new Promise((resolve, reject) => {
    execFile(
      VENV_PYTHON,
      ['-c', ORACLE, join(REPO, 'tests/oracle'), join(DATA, 'green_tripdata_2021-01.parquet'), TRIP.pickup, TRIP.dropoff, TRIP.distance],
      { timeout: 300_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout))),
    );
  });
}

/// The prediction a model file gives for the trip, computed here from its coefficients:
/// intercept + the PU_DO pair's coefficient + the distance coefficient times the miles.
function predictFromModelFile(model) {
  const [vocabulary] = model.encoder.vocabularies;
  assert.equal(vocabulary.feature, 'PU_DO');
  const code = vocabulary.keys.findIndex(([pu, dol]) => pu === Number(TRIP.pickup) && dol === Number(TRIP.dropoff));
  assert.ok(code >= 0, 'the pair 74_75 was seen in training');
  const distanceColumn = vocabulary.keys.length;
  return model.intercept + model.coefficients[code] + model.coefficients[distanceColumn] * Number(TRIP.distance);
}

function sha256Of(file) {
  const line = readFileSync(join(DATA, 'SHA256SUMS'), 'utf8').split('\n').find((l) => l.trim().endsWith(file));
  return line.split(/\s+/)[0];
}

describe('Model registry', () => {
  let browser;
  let page;
  const pageErrors = [];
  const runIds = {};
  const expected = {};
  // The experiment file exported by the first browser (its runs carry their files inline).
  let exportedFile;
  let oracle;

  before(async () => {
    assert.ok(BASE_URL, 'set FLOWBOOK_URL to the served app');
    // The scikit-learn fit takes a while: it runs while the browser trains.
    oracle = existsSync(VENV_PYTHON) ? sklearnPredictions() : Promise.resolve(null);
    oracle.catch(() => {});
    browser = await launchBrowser();
    page = await openApp(browser, pageErrors, { contextOptions: { acceptDownloads: true } });
  });

  after(async () => {
    await browser?.close();
  });

  const card = () => page.locator(`[data-testid="registered-model"][data-name="${MODEL}"]`);
  const versionRow = (v) => card().locator(`[data-testid="model-version"][data-version="${v}"]`);

  async function waitForRegistryLoaded(target = page) {
    await openPanel(target, 'registry');
    await target.waitForFunction(() => !document.querySelector('[data-testid="registry-status"]'), null, {
      timeout: 30_000,
    });
  }

  /// Clicks Predict for `reference` and returns the new outcome: { minutes, version } or { error }.
  async function predict(reference, trip = TRIP, target = page) {
    const outcome = '[data-testid="prediction"], [data-testid="predict-error"]';
    // Each click numbers its outcome, so a repeated answer is told from the last one.
    const last = await target.locator(outcome).evaluateAll((els) => Number(els[0]?.dataset.attempt ?? 0));
    await target.getByTestId('predict-reference').fill(reference);
    await target.getByTestId('predict-pickup').fill(trip.pickup);
    await target.getByTestId('predict-dropoff').fill(trip.dropoff);
    await target.getByTestId('predict-distance').fill(trip.distance);
    await target.getByTestId('predict').click();
    await target.waitForFunction(
      ([selector, previous]) => Number(document.querySelector(selector)?.dataset.attempt ?? 0) > previous,
      [outcome, last],
    );
    const shown = target.locator(outcome);
    if ((await shown.getAttribute('data-testid')) === 'predict-error') return { error: await shown.textContent() };
    return {
      minutes: Number(await shown.getAttribute('data-value')),
      version: Number(await shown.getAttribute('data-version')),
      text: await shown.textContent(),
    };
  }

  async function setAlias(alias, version) {
    await card().getByTestId('alias-name').fill(alias);
    if (version !== undefined) await card().getByTestId('alias-version').selectOption(String(version));
    await card().getByTestId('set-alias').click();
    // The outcome is cleared on the click and shown once the change is saved.
    const status = card().getByTestId('alias-status');
    await status.waitFor();
    return status;
  }

  test('two trainings registered as versions 1 and 2, with their lineage', async () => {
    await waitForRegistryLoaded();
    assert.equal(await page.getByTestId('registered-model').count(), 0, 'a fresh browser has no registered models');
    for (const [model, alpha] of [['ols', undefined], ['ridge', '1']]) {
      await trainInCell(page, { model, alpha });
      const row = page.locator('[data-testid="run-row"]').filter({
        has: page.locator(`[data-column="params.model"][data-value="${model}"]`),
      });
      // Recorded in the runs table, which is closed while the Registry panel is open.
      await row.waitFor({ state: 'attached' });
      runIds[model] = await row.getAttribute('data-client-id');
    }
    // The run list offers the newest run first (the trees' run of Run all between the two).
    const offered = await page.getByTestId('register-run').locator('option').evaluateAll((os) => os.map((o) => o.value));
    assert.equal(offered[0], runIds.ridge);
    assert.deepEqual(offered.filter((id) => id === runIds.ridge || id === runIds.ols), [runIds.ridge, runIds.ols]);

    for (const [model, version, description] of [['ols', 1, 'OLS baseline'], ['ridge', 2, 'Ridge alpha 1']]) {
      await page.getByTestId('register-run').selectOption(runIds[model]);
      await page.getByTestId('register-name').fill(MODEL);
      await page.getByTestId('register-description').fill(description);
      await page.getByTestId('register').click();
      await page.waitForFunction(
        (v) => document.querySelector('[data-testid="register-status"][data-state="done"]')?.textContent.includes(`version ${v}.`),
        version,
      );
      await versionRow(version).waitFor();
      const text = await versionRow(version).textContent();
      assert.ok(text.includes(description), text);
    }
    assert.equal(await card().getByTestId('model-version').count(), 2);
    // Lineage: the source run and the digests of January (train) and February (validation).
    assert.equal((await versionRow(1).getByTestId('version-run').textContent()).trim(), 'ols');
    assert.equal((await versionRow(2).getByTestId('version-run').textContent()).trim(), 'ridge α=1');
    const datasets = await versionRow(1).getByTestId('version-datasets').textContent();
    assert.ok(datasets.includes(`training ${sha256Of('green_tripdata_2021-01.parquet').slice(0, 12)}`), datasets);
    assert.ok(datasets.includes(`validation ${sha256Of('green_tripdata_2021-02.parquet').slice(0, 12)}`), datasets);
    assert.equal((await versionRow(1).getByTestId('version-stage').textContent()).trim(), 'None');

    // The models' own files, from the exported experiment: the expected predictions.
    const exported = JSON.parse(readFileSync(await exportExperiment(page), 'utf8'));
    exportedFile = exported;
    for (const [model, id] of Object.entries(runIds)) {
      const run = exported.runs.map((r) => r.run).find((r) => r.client_id === id);
      const artifact = run.artifacts.find((a) => a.path === 'flowbook_model.json');
      expected[model] = predictFromModelFile(JSON.parse(Buffer.from(artifact.bytes_base64, 'base64').toString('utf8')));
    }
    assert.notEqual(expected.ols, expected.ridge);
    await openPanel(page, 'registry');
  });

  test('predicting through champion → v1 gives the OLS model’s prediction', async () => {
    const status = await setAlias('champion', 1);
    assert.match(await status.textContent(), new RegExp(`${MODEL}@champion now names v1`));
    assert.equal((await versionRow(1).getByTestId('version-aliases').textContent()).trim(), 'champion');

    const shown = await predict(`${MODEL}@champion`);
    assert.equal(shown.version, 1);
    assert.ok(Math.abs(shown.minutes - expected.ols) <= 1e-6, `${shown.minutes} vs the model file's ${expected.ols}`);
    assert.match(shown.text, /East Harlem North.*East Harlem South/, 'zone names are shown');

    const sklearn = await oracle;
    if (sklearn) {
      assert.ok(Math.abs(shown.minutes - sklearn.ols) <= 1e-6, `${shown.minutes} vs scikit-learn's ${sklearn.ols}`);
    } else {
      console.log(`# no venv at ${VENV_PYTHON}: scikit-learn cross-check skipped`);
    }
    // name/version names the same model.
    assert.equal((await predict(`${MODEL}/1`)).minutes, shown.minutes);
  });

  test('moving champion to v2 switches to Ridge; rolling back returns to v1', async () => {
    const moved = await setAlias('champion', 2);
    assert.match(await moved.textContent(), /Moved taxi-duration@champion from v1 to v2/);
    let shown = await predict(`${MODEL}@champion`);
    assert.equal(shown.version, 2);
    assert.ok(Math.abs(shown.minutes - expected.ridge) <= 1e-6, `${shown.minutes} vs ${expected.ridge}`);
    const sklearn = await oracle;
    if (sklearn) assert.ok(Math.abs(shown.minutes - sklearn.ridge) <= 1e-6, `${shown.minutes} vs scikit-learn's ${sklearn.ridge}`);

    await card().getByTestId('alias-name').fill('champion');
    await card().getByTestId('roll-back-alias').click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="alias-status"]')?.textContent.includes('back to v1'),
    );
    shown = await predict(`${MODEL}@champion`);
    assert.equal(shown.version, 1);
    assert.ok(Math.abs(shown.minutes - expected.ols) <= 1e-6);

    const history = await card().getByTestId('alias-move').evaluateAll((lis) =>
      lis.map((li) => [li.dataset.alias, li.dataset.from ?? null, li.dataset.to ?? null]),
    );
    // Newest first: created on v1, moved to v2, rolled back to v1.
    assert.deepEqual(history, [['champion', '2', '1'], ['champion', '1', '2'], ['champion', null, '1']]);
  });

  test('stage transitions, archiving the previous Production version, with history', async () => {
    await card().getByTestId('stage-version').selectOption('1');
    await card().getByTestId('stage-target').selectOption('Production');
    await card().getByTestId('transition-stage').click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="stage-status"]')?.textContent.includes('v1 is now in Production'),
    );
    assert.equal((await versionRow(1).getByTestId('version-stage').textContent()).trim(), 'Production');

    await card().getByTestId('stage-version').selectOption('2');
    await card().getByTestId('archive-existing').check();
    await card().getByTestId('transition-stage').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="stage-status"]')?.textContent.includes('Archived: v1'));
    assert.equal((await versionRow(1).getByTestId('version-stage').textContent()).trim(), 'Archived');
    assert.equal((await versionRow(2).getByTestId('version-stage').textContent()).trim(), 'Production');
    const stages = await card().getByTestId('stage-move').evaluateAll((lis) =>
      lis.map((li) => [li.dataset.version, li.dataset.from, li.dataset.to]).sort(),
    );
    assert.deepEqual(stages, [['1', 'None', 'Production'], ['1', 'Production', 'Archived'], ['2', 'None', 'Production']]);
    // A stage works as a reference too.
    assert.equal((await predict(`${MODEL}/Production`)).version, 2);
    // archive_existing_versions only applies to Staging and Production.
    await card().getByTestId('stage-target').selectOption('Archived');
    await card().getByTestId('transition-stage').click();
    await page.waitForFunction(() =>
      document
        .querySelector('[data-testid="stage-status"][data-state="failed"]')
        ?.textContent.toLowerCase()
        .includes('archive_existing_versions only applies'),
    );
    await card().getByTestId('archive-existing').uncheck();
  });

  test('after a reload the registry, aliases and both histories are still there', async () => {
    await page.reload({ waitUntil: 'load' });
    await waitForRegistryLoaded();
    await versionRow(2).waitFor({ timeout: 30_000 });
    assert.equal(await card().getByTestId('model-version').count(), 2);
    assert.equal((await versionRow(1).getByTestId('version-aliases').textContent()).trim(), 'champion');
    assert.equal((await versionRow(2).getByTestId('version-stage').textContent()).trim(), 'Production');
    assert.equal(await card().getByTestId('alias-move').count(), 3);
    assert.equal(await card().getByTestId('stage-move').count(), 3);
    // The trained runs are back (a notebook that ran before runs again by itself, adding its own).
    for (const id of [runIds.ols, runIds.ridge]) {
      await page.locator(`[data-testid="run-row"][data-client-id="${id}"]`).waitFor({ state: 'attached', timeout: 30_000 });
    }
    const shown = await predict(`${MODEL}@champion`);
    assert.equal(shown.version, 1);
    assert.ok(Math.abs(shown.minutes - expected.ols) <= 1e-6);
  });

  test('malformed references, aliases and numbers are explained in words', async () => {
    const cases = [
      [`${MODEL}@nope`, /has no alias 'nope' \(aliases: champion\)/],
      ['nope/1', /No registered model named 'nope'/],
      [`${MODEL}/9`, /has no version 9 \(versions: 1, 2\)/],
      [`${MODEL}@`, /not a model reference/],
      ['', /not a model reference/],
    ];
    for (const [reference, message] of cases) {
      const shown = await predict(reference);
      assert.ok(shown.error, `${reference}: expected an error, got ${JSON.stringify(shown)}`);
      assert.match(shown.error, message, reference);
    }
    const badDistance = await predict(`${MODEL}@champion`, { ...TRIP, distance: 'far' });
    assert.match(badDistance.error, /Distance “far” is not a distance in miles/);
    const badZone = await predict(`${MODEL}@champion`, { ...TRIP, pickup: 'Harlem' });
    assert.match(badZone.error, /Pickup zone “Harlem” is not a zone ID/);

    for (const [alias, message] of [
      ['latest', /'latest' is reserved/],
      ['v3', /v<number> is reserved/],
      ['my alias', /' ' is not allowed/],
    ]) {
      const status = await setAlias(alias);
      await page.waitForFunction(
        (a) => document.querySelector('[data-testid="alias-status"][data-state="failed"]')?.textContent.includes(`'${a}'`),
        alias,
      );
      assert.match(await status.textContent(), message);
    }
    await card().getByTestId('alias-name').fill('challenger');
    await card().getByTestId('roll-back-alias').click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="alias-status"][data-state="failed"]')?.textContent.includes('nothing to roll back'),
    );
    // Nothing was changed by the refusals.
    assert.equal(await card().getByTestId('alias-move').count(), 3);
    assert.deepEqual(pageErrors, []);
    await page.screenshot({ path: '/tmp/flowbook-registry.png', fullPage: true });
  });

  test('a database from before the registry upgrades and keeps its runs', async () => {
    // The OLS run as the previous Flowbook stored it: one record with its files inline,
    // the encoding of a run in an experiment file.
    const entry = exportedFile.runs.find((r) => r.run.client_id === runIds.ols);
    assert.ok(entry.run.artifacts.some((a) => a.path === 'flowbook_model.json'));
    const ols = [[runIds.ols, JSON.stringify(entry)]];

    const context = await browser.newContext();
    const old = await context.newPage();
    old.on('pageerror', (error) => pageErrors.push(error.message));
    // A version-1 database as the previous Flowbook left it: only the runs store, one run.
    // (A page of the same origin that is not the app, so the app does not open it first.)
    await old.goto(new URL('/no-such-page', BASE_URL).href);
    await old.evaluate(
      (records) =>
        new Promise((resolve, reject) => {
          const request = indexedDB.open('flowbook', 1);
          request.onupgradeneeded = () => {
            const store = request.result.createObjectStore('runs');
            for (const [key, value] of records) store.put(value, key);
          };
          request.onsuccess = () => {
            request.result.close();
            resolve();
          };
          request.onerror = () => reject(request.error);
        }),
      ols,
    );
    await old.goto(BASE_URL, { waitUntil: 'load' });
    await waitForRegistryLoaded(old);
    await old.getByTestId('run-row').waitFor({ state: 'attached', timeout: 30_000 });
    assert.equal(await old.getByTestId('run-row').getAttribute('data-client-id'), runIds.ols);
    assert.equal(await old.getByTestId('registered-model').count(), 0);
    await old.getByTestId('register').click();
    await old.locator('[data-testid="register-status"][data-state="done"]').waitFor();
    await old.reload({ waitUntil: 'load' });
    await waitForRegistryLoaded(old);
    await old.locator('[data-testid="model-version"][data-version="1"]').waitFor({ timeout: 30_000 });
    await old.getByTestId('run-row').waitFor({ state: 'attached' });
    const shown = await predict(`${MODEL}/1`, TRIP, old);
    assert.ok(Math.abs(shown.minutes - expected.ols) <= 1e-6);
    const database = await old.evaluate(
      () =>
        new Promise((resolve) => {
          const request = indexedDB.open('flowbook');
          request.onsuccess = () => {
            const found = { stores: [...request.result.objectStoreNames], version: request.result.version };
            request.result.close();
            resolve(found);
          };
        }),
    );
    // Version 3 added the experiments list, version 4 the run files kept apart; an old
    // database gains every store.
    assert.deepEqual(database, { stores: ['artifacts', 'experiments', 'registry', 'runs'], version: 4 });
    await context.close();
    assert.deepEqual(pageErrors, []);
  });
});
