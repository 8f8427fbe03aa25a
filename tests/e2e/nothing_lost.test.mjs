// Nothing a user made is lost: two tabs registering at once keep both versions, a saved
// registry or notebook this Flowbook cannot read is kept as it is (offered as a file,
// retried), a notebook opened from a link is its own document that runs nothing by itself,
// and a notebook edited in one tab shows in the others.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cell, openApp, openPanel, runAll, waitForBundledFiles } from './app_page.mjs';
import { launchBrowser } from './browser.mjs';

const BASE_URL = process.env.FLOWBOOK_URL;
const LONG = { timeout: 60_000 };

/** One IndexedDB operation on Flowbook's database, from inside the page. */
function idb(page, op, store, key, value) {
  return page.evaluate(
    async ([op, store, key, value]) => {
      const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open('flowbook');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const tx = db.transaction(store, 'readwrite');
      const objects = tx.objectStore(store);
      let result;
      if (op === 'put') objects.put(value, key);
      else if (op === 'delete') objects.delete(key);
      else {
        const get = objects.get(key);
        get.onsuccess = () => (result = get.result);
      }
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
      return result;
    },
    [op, store, key, value],
  );
}

async function registryLoaded(page) {
  await openPanel(page, 'registry');
  await page.waitForFunction(() => !document.querySelector('[data-testid="registry-status"]'), null, LONG);
}

/** Runs the default notebook, whose Train cells record runs. */
async function trainOnce(page) {
  const before = await page.getByTestId('run-row').count();
  await runAll(page);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="run-row"]').length > n, before, LONG);
}

const versions = (page) =>
  page
    .locator('[data-testid="registered-model"][data-name="taxi-duration"] [data-testid="model-version"]')
    .evaluateAll((rows) => rows.map((r) => Number(r.dataset.version)).sort());

describe('Nothing lost', () => {
  let browser;
  const pageErrors = [];
  before(async () => {
    assert.ok(BASE_URL, 'set FLOWBOOK_URL to the served app');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('two tabs registering at once keep both versions, and each shows the other’s', async () => {
    const context = await browser.newContext();
    const [a, b] = [await context.newPage(), await context.newPage()];
    for (const page of [a, b]) {
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(BASE_URL, { waitUntil: 'load' });
      await registryLoaded(page);
    }
    await trainOnce(a);
    // The run recorded in one tab shows in the other without a reload.
    await b.getByTestId('run-row').first().waitFor({ ...LONG, state: 'attached' });
    await Promise.all([a.getByTestId('register').click(), b.getByTestId('register').click()]);
    const said = [];
    for (const page of [a, b]) {
      const status = page.locator('[data-testid="register-status"][data-state="done"]');
      await status.waitFor(LONG);
      said.push(Number((await status.textContent()).match(/version (\d+)/)[1]));
    }
    assert.deepEqual(said.sort(), [1, 2], `each tab registered its own version: ${said}`);
    const stored = JSON.parse(await idb(a, 'get', 'registry', 'registry'));
    assert.deepEqual(stored.models.find((m) => m.name === 'taxi-duration').versions.map((v) => v.version), [1, 2]);
    for (const page of [a, b]) {
      await page.waitForFunction(
        () => document.querySelectorAll('[data-testid="registered-model"] [data-testid="model-version"]').length === 2,
        null,
        LONG,
      );
      assert.deepEqual(await versions(page), [1, 2]);
    }
    await context.close();
    assert.deepEqual(pageErrors, []);
  });

  test('a saved registry that cannot be read is kept, offered as a file, and loads after a retry', async () => {
    const page = await openApp(browser, pageErrors, { contextOptions: { acceptDownloads: true } });
    await registryLoaded(page);
    const raw = JSON.stringify({ format_version: 99, models: 'kept by a newer Flowbook' });
    await idb(page, 'put', 'registry', 'registry', raw);
    await page.reload({ waitUntil: 'load' });
    await openPanel(page, 'registry');
    const status = page.locator('[data-testid="registry-status"][data-state="unreadable"]');
    await status.waitFor(LONG);
    assert.match(await status.textContent(), /could not be read/);

    await trainOnce(page);
    await page.getByTestId('register').click();
    const refused = page.locator('[data-testid="register-status"][data-state="failed"]');
    await refused.waitFor(LONG);
    assert.match(await refused.textContent(), /could not be read, so nothing is changed/);
    assert.equal(await idb(page, 'get', 'registry', 'registry'), raw, 'the stored registry is untouched');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('registry-status-export').click()]);
    assert.equal(readFileSync(await download.path(), 'utf8'), raw);

    // Once what is stored reads again (here: the user removed it), a retry loads it.
    await idb(page, 'delete', 'registry', 'registry');
    await page.getByTestId('registry-status-retry').click();
    await registryLoaded(page);
    await page.getByTestId('register').click();
    await page.locator('[data-testid="register-status"][data-state="done"]').waitFor(LONG);
    assert.deepEqual(await versions(page), [1]);
    await page.context().close();
    assert.deepEqual(pageErrors, []);
  });

  test('a shared link opens its own document: the saved notebook stays, nothing runs, Keep or Back', async () => {
    const page = await openApp(browser, pageErrors, { contextOptions: { acceptDownloads: true } });
    await page.getByTestId('notebook-title').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-notebook').click()]);
    const base = JSON.parse(readFileSync(await download.path(), 'utf8'));
    const own = { ...base, title: 'My own notebook' };
    const shared = { ...base, title: 'Shared by the teacher' };
    const huge = structuredClone(shared);
    const trainCell = huge.cells.find((c) => c.kind === 'train');
    trainCell.sweep_alphas = Array.from({ length: 2001 }, (_, i) => i + 1);
    const files = { '/shared.json': shared, '/huge.json': huge };
    const teacher = createServer((request, response) => {
      const body = files[request.url];
      response.writeHead(body ? 200 : 404, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      response.end(body ? JSON.stringify(body) : 'not found');
    });
    await new Promise((resolve) => teacher.listen(0, '127.0.0.1', resolve));
    const teacherUrl = `http://127.0.0.1:${teacher.address().port}`;
    const link = (file) => `${BASE_URL}?notebook=${encodeURIComponent(`${teacherUrl}/${file}`)}`;
    const savedTitle = () => page.evaluate(() => JSON.parse(localStorage.getItem('flowbook.notebook')).title);
    const title = () => page.getByTestId('notebook-title').textContent();

    // The user's own notebook, saved, and a browser that runs it by itself on a visit.
    await page.evaluate((text) => {
      localStorage.setItem('flowbook.notebook', text);
      localStorage.setItem('flowbook.notebook.autorun', '1');
    }, JSON.stringify(own));

    await page.goto(link('shared.json'), { waitUntil: 'load' });
    await page.getByTestId('shared-notebook').waitFor(LONG);
    await page.getByTestId('notebook-title').filter({ hasText: shared.title }).waitFor(LONG);
    // The bundled files are in (their previews shown), and then some: a run by itself would have started.
    await waitForBundledFiles(page, LONG.timeout);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await cell(page, 'train').getAttribute('data-runs'), '0', 'nothing ran by itself');
    assert.equal(await page.getByTestId('run-row').count(), 0, 'no run was recorded');
    assert.equal(await savedTitle(), own.title, 'the saved notebook is the user’s own');

    await page.getByTestId('back-to-mine').click();
    assert.equal(await title(), own.title);
    assert.ok(!page.url().includes('notebook='), page.url());
    assert.equal(await page.getByTestId('shared-notebook').count(), 0);

    await page.goto(link('shared.json'), { waitUntil: 'load' });
    await page.getByTestId('keep-shared').click(LONG);
    assert.equal(await savedTitle(), shared.title);
    assert.ok(!page.url().includes('notebook='), page.url());
    await page.reload({ waitUntil: 'load' });
    await page.getByTestId('notebook-title').filter({ hasText: shared.title }).waitFor(LONG);
    assert.equal(await page.getByTestId('shared-notebook').count(), 0);

    // A link with more work than a tab should take is refused, with the limit named.
    await page.goto(link('huge.json'), { waitUntil: 'load' });
    const message = page.getByTestId('notebook-message').filter({ hasText: 'Could not open' });
    await message.waitFor(LONG);
    assert.match(await message.textContent(), /sweep_alphas: at most 2000 alphas/);
    assert.equal(await title(), shared.title);
    assert.equal(await page.getByTestId('shared-notebook').count(), 0);
    teacher.close();
    await page.context().close();
    assert.deepEqual(pageErrors, []);
  });

  test('a notebook edited in one tab shows in the other, which then saves on top of it', async () => {
    const context = await browser.newContext();
    const [a, b] = [await context.newPage(), await context.newPage()];
    for (const page of [a, b]) {
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(BASE_URL, { waitUntil: 'load' });
      await page.getByTestId('notebook-title').waitFor(LONG);
    }
    const count = (page) => page.locator('[data-testid="cell"]').count();
    const cells = await count(a);
    assert.equal(await count(b), cells);
    await a.getByTestId('add-cell').first().selectOption('markdown');
    await b.waitForFunction((n) => document.querySelectorAll('[data-testid="cell"]').length === n, cells + 1, LONG);
    await b.getByTestId('notebook-message').filter({ hasText: 'Another tab changed this notebook' }).waitFor(LONG);
    // B's next edit builds on A's: both cells are in the saved notebook.
    await b.getByTestId('add-cell').first().selectOption('markdown');
    await a.waitForFunction((n) => document.querySelectorAll('[data-testid="cell"]').length === n, cells + 2, LONG);
    const saved = await a.evaluate(() => JSON.parse(localStorage.getItem('flowbook.notebook')).cells.length);
    assert.equal(saved, cells + 2);
    await context.close();
    assert.deepEqual(pageErrors, []);
  });

  test('a saved notebook that cannot be read is kept as it is, offered as a file, and loads after a retry', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const raw = JSON.stringify({ format: 'flowbook-notebook', format_version: 99, title: 'From a newer Flowbook', cells: [] });
    await context.addInitScript((text) => {
      if (!sessionStorage.getItem('seeded')) {
        sessionStorage.setItem('seeded', '1');
        localStorage.setItem('flowbook.notebook', text);
      }
    }, raw);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(BASE_URL, { waitUntil: 'load' });
    const message = page.getByTestId('notebook-unreadable-message');
    await message.waitFor(LONG);
    assert.match(await message.textContent(), /could not be read/);
    // An edit to the walk-through on screen is not saved over it.
    const cells = await page.locator('[data-testid="cell"]').count();
    await page.getByTestId('add-cell').first().selectOption('markdown');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="cell"]').length === n, cells + 1);
    assert.equal(await page.evaluate(() => localStorage.getItem('flowbook.notebook')), raw, 'the saved notebook is untouched');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('notebook-unreadable-export').click()]);
    assert.equal(readFileSync(await download.path(), 'utf8'), raw);
    await page.reload({ waitUntil: 'load' });
    await message.waitFor(LONG);
    assert.equal(await page.evaluate(() => localStorage.getItem('flowbook.notebook')), raw, 'still untouched after a reload');

    // Once it reads (here: the user's own notebook put back), a retry shows it.
    const own = await page.evaluate(() => {
      const text = JSON.stringify({ format: 'flowbook-notebook', format_version: 1, title: 'Mine again', cells: [] });
      localStorage.setItem('flowbook.notebook', text);
      return text;
    });
    assert.ok(own);
    await page.getByTestId('notebook-unreadable-retry').click();
    await page.getByTestId('notebook-title').filter({ hasText: 'Mine again' }).waitFor(LONG);
    assert.equal(await page.getByTestId('notebook-unreadable').count(), 0);
    await context.close();
    assert.deepEqual(pageErrors, []);
  });
});
