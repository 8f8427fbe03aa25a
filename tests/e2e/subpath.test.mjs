// Hosting anywhere: the built folder (dist/), copied under /flowbook/ of a plain static file
// server (Python's http.server, which knows nothing of the app), runs the default notebook to
// the reference result. Every request the page and its workers make stays under /flowbook/,
// the service worker's scope is /flowbook/, and the web app manifest starts there.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cell, cellValRmse, REPO, reference } from './app_page.mjs';
import { launchBrowser } from './browser.mjs';
import { freePort, waitForOk } from './servers.mjs';

const SUB_PATH = '/flowbook/';

describe('The built folder served from a sub-path', () => {
  let server;
  let browser;
  let page;
  let root;
  const requests = [];
  const failures = [];
  const pageErrors = [];

  before(async () => {
    // The host's folder: the build sits in its sub-folder `flowbook`, nothing at its root.
    const site = mkdtempSync(join(tmpdir(), 'flowbook-host-'));
    symlinkSync(resolve(REPO, 'dist'), join(site, 'flowbook'), 'dir');
    const port = await freePort();
    server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', site], {
      stdio: 'ignore',
    });
    root = `http://127.0.0.1:${port}`;
    await waitForOk(`${root}${SUB_PATH}`, 30_000, server);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    // Requests from the page, its workers and the service worker all pass through here.
    context.on('request', (request) => requests.push(request.url()));
    context.on('response', (response) => {
      if (response.status() >= 400) failures.push(`${response.status()} ${response.url()}`);
    });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await browser?.close();
    server?.kill();
  });

  test('the default notebook runs to the reference result under /flowbook/', async () => {
    await page.goto(`${root}${SUB_PATH}`, { waitUntil: 'load' });
    await page.locator('[data-testid="cell"]').first().waitFor({ timeout: 120_000 });
    await page.getByTestId('run-all').click();
    const got = await cellValRmse(page);
    const want = reference('PU_DO', 'ols');
    assert.ok(Math.abs(got - want.val_rmse) <= 1e-3, `val ${got} vs ${want.val_rmse}`);
    const train = Number(await cell(page, 'train').getByTestId('cell-train-rmse').getAttribute('data-value'));
    assert.ok(Math.abs(train - want.train_rmse) <= 1e-5, `train ${train} vs ${want.train_rmse}`);
    assert.deepEqual(pageErrors, []);
  });

  test('the service worker is scoped to /flowbook/ and caches the shell there', async () => {
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    assert.equal(new URL(scope).pathname, SUB_PATH);
    // The precache runs at install: wait for the shell and the bundled data to be cached.
    const cached = await page.evaluate(async (base) => {
      const wanted = [base, `${base}data/green_tripdata_2021-01.parquet`, `${base}flowbook-worker_bg.wasm`];
      for (let i = 0; i < 100; i += 1) {
        const urls = [];
        for (const name of await caches.keys()) {
          for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
        }
        if (wanted.every((path) => urls.includes(path))) return urls;
        await new Promise((done) => setTimeout(done, 200));
      }
      return [];
    }, SUB_PATH);
    assert.ok(cached.length > 0, 'the shell and the data are cached under /flowbook/');
    const outside = cached.filter((path) => !path.startsWith(SUB_PATH));
    assert.deepEqual(outside, [], 'nothing cached outside /flowbook/');
  });

  test('the manifest starts the installed app at /flowbook/ and its icon is served', async () => {
    const href = await page.locator('link[rel="manifest"]').evaluate((link) => link.href);
    const manifest = await page.evaluate(async (url) => (await fetch(url)).json(), href);
    assert.equal(new URL(manifest.start_url, href).pathname, SUB_PATH);
    assert.equal(new URL(manifest.scope, href).pathname, SUB_PATH);
    const icon = new URL(manifest.icons[0].src, href);
    assert.equal(await page.evaluate(async (url) => (await fetch(url)).status, icon.href), 200);
  });

  test('every request stayed under /flowbook/, and none failed', () => {
    const own = requests.filter((url) => url.startsWith(root));
    assert.ok(own.length > 5, `requests seen: ${own.length}`);
    const outside = own.filter((url) => !new URL(url).pathname.startsWith(SUB_PATH));
    assert.deepEqual(outside, [], 'requests outside the sub-path');
    assert.deepEqual(failures, [], 'failed requests');
  });
});
