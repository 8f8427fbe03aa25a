// Run management, run tags, experiments and the compare view in a real browser, then the
// runs table with 1,000 runs in IndexedDB (times and storage printed, not asserted: the
// machine is shared and noisy).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cell, openApp, openPanel, runRows, setRunOnOpen, trainInCell, typeInto, waitForRunRows, waitForSaved,
} from './app_page.mjs';
import { launchBrowser } from './browser.mjs';

const BASE_URL = process.env.FLOWBOOK_URL;
const RUN_COLORS = [
  [0, 114, 178],
  [230, 159, 0],
];

describe('Run management and compare', () => {
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

  const rowCount = (n) => waitForRunRows(page, n);
  const rows = () => runRows(page);

  const row = (id) => page.locator(`[data-testid="run-row"][data-client-id="${id}"]`);

  const NOTEBOOK = 'Predicting NYC taxi trip durations';

  const ids = {};

  test('four trainings become runs tagged with where they were made', async () => {
    await openPanel(page, 'runs');
    await typeInto(page.getByTestId('user-name'), 'Ada');
    await page.getByTestId('user-name').press('Tab');
    // Run all trains OLS and the trees; then the Train cell's model and alpha change twice.
    await trainInCell(page, { model: 'ols' });
    await trainInCell(page, { model: 'ridge', alpha: '1' });
    await trainInCell(page, { model: 'ridge', alpha: '10' });
    // The reloads below leave the notebook as it is: the runs are the four made here.
    await setRunOnOpen(page, false);
    await rowCount(4);
    for (const r of await rows()) ids[r.model === 'ridge' ? `ridge${r.alpha}` : r.model] = r.id;
    assert.deepEqual(Object.keys(ids).sort(), ['gbdt', 'ols', 'ridge1', 'ridge10']);

    // Tags are columns to choose and keys to filter on.
    await page.locator('.column-picker summary').click();
    // Keys with dots are quoted, as the filter syntax writes them.
    const cellColumn = 'tags.`flowbook.cell`';
    await page.locator('label.column-choice', { hasText: cellColumn }).locator('input').check();
    // Each run names the cell that trained it: the first Train cell, or the trees' cell.
    const linearCell = await cell(page, 'train').getAttribute('data-cell-id');
    const cells = await page.locator(`[data-testid="run-row"] [data-column="${cellColumn}"]`).allTextContents();
    assert.equal(cells.filter((c) => c === linearCell).length, 3, cells.join(' | '));
    assert.equal(new Set(cells).size, 2, cells.join(' | '));
    const filter = page.getByTestId('runs-filter');
    await filter.fill(`tags.flowbook.cell = '${linearCell}' and tags.mlflow.user = 'Ada'`);
    await rowCount(3);
    await filter.fill(`tags.flowbook.notebook = '${NOTEBOOK}' and params.model = 'ridge'`);
    await rowCount(2);
    await filter.fill("tags.mlflow.user = 'Bob'");
    await rowCount(0);
    await filter.fill('');
    await rowCount(4);

    // MLflow's order_by with several keys: the first decides, the next breaks its ties.
    const orderBy = page.getByTestId('runs-order-by');
    const order = (want) => page.waitForFunction(
      (ids) => JSON.stringify([...document.querySelectorAll('[data-testid="run-row"]')].map((r) => r.dataset.clientId)) === JSON.stringify(ids),
      want,
    );
    await orderBy.fill('params.model ASC, params.alpha DESC');
    await order([ids.gbdt, ids.ols, ids.ridge10, ids.ridge1]);
    await orderBy.fill('params.model DESC, params.alpha ASC');
    await order([ids.ridge1, ids.ridge10, ids.ols, ids.gbdt]);
    await orderBy.fill('params.model SIDEWAYS');
    assert.match(await page.getByTestId('runs-filter-error').textContent(), /order by/);
    await orderBy.fill('');
    await rowCount(4);
  });

  test('rename, tag, delete and restore are kept across reloads', async () => {
    await row(ids.ols).getByTestId('run-edit').click();
    await page.getByTestId('run-name-input').fill('baseline OLS');
    await page.getByTestId('run-rename').click();
    await page.getByTestId('run-name-input').fill('   ');
    await page.getByTestId('run-rename').click();
    assert.match(await page.getByTestId('run-edit-problem').textContent(), /name cannot be empty/);

    await row(ids.ridge1).getByTestId('run-edit').click();
    await page.getByTestId('run-tag-key').fill('reviewed');
    await page.getByTestId('run-tag-value').fill('yes');
    await page.getByTestId('run-tag-add').click();
    await page.locator('[data-testid="run-tag"][data-key="reviewed"]').waitFor();
    await page.getByTestId('run-tag-key').fill('bad=key');
    await page.getByTestId('run-tag-add').click();
    assert.match(await page.getByTestId('run-edit-problem').textContent(), /'='/);

    await row(ids.ridge10).getByTestId('run-delete').click();
    await rowCount(3);
    await waitForSaved(page);
    await page.reload({ waitUntil: 'load' });
    await openPanel(page, 'runs');
    await rowCount(3);
    let shown = await rows();
    assert.equal(shown.find((r) => r.id === ids.ols).name, 'baseline OLS');
    assert.ok(!shown.some((r) => r.id === ids.ridge10), 'the deleted run stays hidden');
    await page.getByTestId('runs-filter').fill("tags.reviewed = 'yes'");
    await rowCount(1);
    assert.equal((await rows())[0].id, ids.ridge1);
    await page.getByTestId('runs-filter').fill('');

    await page.getByTestId('show-deleted').check();
    await rowCount(4);
    assert.equal((await rows()).find((r) => r.id === ids.ridge10).deleted, true);
    await row(ids.ridge10).getByTestId('run-restore').click();
    await page.waitForFunction(
      (id) => document.querySelector(`[data-testid="run-row"][data-client-id="${id}"]`)?.dataset.deleted === 'false',
      ids.ridge10,
    );
    await waitForSaved(page);
    await page.reload({ waitUntil: 'load' });
    await rowCount(4);
    shown = await rows();
    assert.ok(shown.every((r) => !r.deleted));
    assert.equal(shown.find((r) => r.id === ids.ols).name, 'baseline OLS');
  });

  test('comparing highlights exactly the differing params and draws the three charts', async () => {
    for (const id of [ids.ols, ids.ridge1, ids.ridge10]) {
      await row(id).getByTestId('run-select').check();
    }
    assert.equal((await page.getByTestId('tab-compare').textContent()).trim(), 'Compare3');
    await page.getByTestId('open-compare').click();
    await page.getByTestId('compare-table').waitFor();
    assert.equal(await page.getByTestId('compare-run').count(), 3);
    const params = await page.getByTestId('compare-param').evaluateAll((trs) =>
      trs.map((tr) => ({
        key: tr.dataset.key,
        differs: tr.classList.contains('differs'),
        values: [...tr.querySelectorAll('td')].map((td) => td.textContent),
      })),
    );
    assert.ok(params.length > 3, 'every param of the three runs is listed');
    for (const p of params) {
      const allSame = p.values.every((v) => v === p.values[0]);
      assert.equal(p.differs, !allSame, `params.${p.key} (${p.values.join(' | ')})`);
    }
    const differing = params.filter((p) => p.differs).map((p) => p.key);
    assert.ok(differing.includes('model') && differing.includes('alpha'), differing.join(','));
    assert.ok(!differing.includes('categorical'), 'the three runs share their features');

    for (const id of ['compare-scatter', 'compare-parallel', 'compare-history']) {
      const canvas = page.locator(`[data-testid="${id}"][data-drawn="true"]`);
      await canvas.waitFor({ timeout: 30_000 });
      const counts = await canvas.evaluate((element, colors) => {
        const { data } = element.getContext('2d').getImageData(0, 0, element.width, element.height);
        const near = (i, [r, g, b]) =>
          Math.abs(data[i] - r) < 12 && Math.abs(data[i + 1] - g) < 12 && Math.abs(data[i + 2] - b) < 12;
        let inked = 0;
        const perRun = colors.map(() => 0);
        for (let i = 0; i < data.length; i += 4) {
          if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) inked += 1;
          colors.forEach((c, k) => {
            if (near(i, c)) perRun[k] += 1;
          });
        }
        return { inked: inked / (data.length / 4), perRun };
      }, RUN_COLORS);
      assert.ok(counts.inked > 0.01, `${id}: only ${(counts.inked * 100).toFixed(2)}% drawn on`);
      // A single training logs one point per metric: a small dot in the history chart.
      assert.ok(counts.perRun.every((n) => n > 5), `${id}: run colours ${counts.perRun}`);
    }
  });

  test('a second experiment gets its own runs; switching back shows the first', async () => {
    await openPanel(page, 'runs');
    await page.getByTestId('experiment-name').fill('Sweeps');
    await page.getByTestId('experiment-create').click();
    await rowCount(0);
    assert.equal(await page.getByTestId('experiment-select').inputValue(), 'Sweeps');
    await page.getByTestId('experiment-name').fill('Sweeps');
    await page.getByTestId('experiment-create').click();
    assert.match(await page.getByTestId('experiment-problem').textContent(), /already exists/);
    // The notebook has not run since the reload: the edit runs it whole (Ridge and the trees).
    await trainInCell(page, { model: 'ridge', alpha: '0.1' });
    await rowCount(2);
    await page.getByTestId('experiment-select').selectOption('Default');
    await rowCount(4);
    await waitForSaved(page);
    await page.reload({ waitUntil: 'load' });
    await openPanel(page, 'runs');
    await rowCount(4);
    await page.getByTestId('experiment-select').selectOption('Sweeps');
    await rowCount(2);
    assert.deepEqual((await rows()).map((r) => r.alpha).filter(Boolean), ['0.1']);
    await page.getByTestId('experiment-select').selectOption('Default');
    await rowCount(4);
    assert.deepEqual(pageErrors, []);
  });

  test('1,000 runs: page load until the table shows them, and the storage they take', async () => {
    // 1,000 runs made from the real OLS run: new ids, names, alphas and metric values;
    // every other one with a model file of its own (the real model's bytes plus i spaces,
    // so no two are the same content and none is stored once for many), the rest without.
    const made = await page.evaluate(async (sourceId) => {
      const open = () =>
        new Promise((resolve, reject) => {
          const request = indexedDB.open('flowbook');
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      const done = (request) => new Promise((resolve) => (request.onsuccess = () => resolve(request.result)));
      const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
      const db = await open();
      const source = JSON.parse(await done(db.transaction('runs').objectStore('runs').get(sourceId)));
      const modelRef = (source.artifact_refs ?? []).find((r) => r.path === 'flowbook_model.json');
      const model = await done(db.transaction('artifacts').objectStore('artifacts').get(modelRef.sha256));
      const models = [];
      for (let i = 0; i < 1000; i += 2) {
        const bytes = new Uint8Array(model.length + i);
        bytes.set(model);
        bytes.fill(32, model.length);
        models.push({ i, bytes, sha256: hex(await crypto.subtle.digest('SHA-256', bytes)) });
      }
      const alphas = [];
      const transaction = db.transaction(['runs', 'artifacts'], 'readwrite');
      const store = transaction.objectStore('runs');
      const files = transaction.objectStore('artifacts');
      for (let i = 0; i < 1000; i += 1) {
        const copy = structuredClone(source);
        const run = copy.run;
        run.client_id = `bench-${String(i).padStart(4, '0')}-${sourceId}`;
        run.name = `bench run ${i}`;
        run.experiment = 'Bench';
        run.start_time_ms += i;
        const alpha = String(i % 10);
        alphas.push(alpha);
        run.params.alpha = alpha;
        run.metrics = run.metrics.map((m) =>
          typeof m.value === 'number' ? { ...m, value: m.value * (1 + i / 10000) } : m,
        );
        if (run.tags['flowbook.client_id']) run.tags['flowbook.client_id'] = run.client_id;
        if (i % 2 === 1) {
          copy.artifact_refs = [];
        } else {
          const own = models[i / 2];
          files.put(own.bytes, own.sha256);
          copy.artifact_refs = copy.artifact_refs.map((r) =>
            r.path === 'flowbook_model.json' ? { ...r, sha256: own.sha256, size: own.bytes.length } : r,
          );
        }
        store.put(JSON.stringify(copy), run.client_id);
      }
      await new Promise((resolve, reject) => {
        transaction.oncomplete = resolve;
        transaction.onabort = () => reject(transaction.error);
      });
      db.close();
      localStorage.setItem('flowbook.experiment', 'Bench');
      return { withModel: Boolean(modelRef) && model.length > 1000, alphas, modelBytes: model.length };
    }, ids.ols);
    assert.ok(made.withModel, 'the real run carries its model file');

    await page.reload({ waitUntil: 'commit' });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 1000, null, {
      timeout: 120_000,
      polling: 50,
    });
    const shownAtMs = await page.evaluate(() => performance.now());
    const { usage } = await page.evaluate(() => navigator.storage.estimate());
    console.log(`1,000 runs: page load to table shown ${shownAtMs.toFixed(0)} ms (performance.now)`);
    console.log(
      `1,000 runs (+6 trained), 500 with their own ${made.modelBytes}-byte model: site storage ${(usage / 1e6).toFixed(1)} MB`,
    );

    const expected = made.alphas.filter((a) => a === '3').length;
    await openPanel(page, 'runs');
    await page.getByTestId('runs-filter').fill("params.alpha = '3'");
    await rowCount(expected);
    await page.getByTestId('runs-filter').fill('');
    await rowCount(1000);
    await page.locator('button.sort[data-column="metrics.val_rmse"]').click();
    const first = await page.locator('[data-testid="run-row"]').first().getAttribute('data-client-id');
    assert.equal(first, `bench-0000-${ids.ols}`, 'the unscaled copy has the lowest val_rmse');
  });
});
