// The offline app shell in a real browser: after one visit the service worker (public/sw.js)
// has cached the app and its bundled data, so with the network switched off the page still
// opens, loads the samples and trains a model that matches the scikit-learn reference.
//
// The shared server behind FLOWBOOK_URL cannot be stopped by one test, so the page talks to
// it through a small proxy that this test owns: "offline" is Playwright's setOffline on the
// browser context AND the proxy shut down (nothing listens on the page's origin any more).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { openPanel, reference, trainInCell } from './app_page.mjs';
import { launchBrowser } from './browser.mjs';

const BASE_URL = process.env.FLOWBOOK_URL;
const LOAD_TIMEOUT_MS = 60_000;

const JANUARY = 'green_tripdata_2021-01.parquet';
const FEBRUARY = 'green_tripdata_2021-02.parquet';

/** A loopback HTTP proxy to `target` on a port of its own; `stop()` closes it for good. */
async function startProxy(target) {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forward = httpRequest(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (reply) => {
        res.writeHead(reply.statusCode, reply.headers);
        reply.pipe(res);
      },
    );
    forward.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
  const url = `http://127.0.0.1:${server.address().port}/`;
  let stopped;
  const stop = () => {
    stopped ??= new Promise((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
    return stopped;
  };
  return { url, stop };
}

/** Resolves to an error message if a plain HTTP GET of `url` fails, else to its status. */
function nodeGet(url) {
  return new Promise((done) => {
    const req = httpRequest(url, (res) => {
      res.resume();
      done(`status ${res.statusCode}`);
    });
    req.on('error', (error) => done(error.code || error.message));
    req.end();
  });
}

/** The card of one opened file. */
function dataset(page, fileName) {
  return page.locator(`[data-testid="dataset"][data-file-name="${fileName}"]`);
}

describe('Offline app shell', () => {
  let browser;
  let context;
  let page;
  let proxy;
  const pageErrors = [];

  before(async () => {
    assert.ok(BASE_URL, 'set FLOWBOOK_URL to the served app');
    proxy = await startProxy(BASE_URL);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(proxy.url, { waitUntil: 'load' });
  });

  after(async () => {
    await browser?.close();
    await proxy?.stop();
  });

  test('the web app manifest is linked, served and names Flowbook', async () => {
    const href = await page.locator('link[rel="manifest"]').evaluate((link) => link.href);
    const manifest = await page.evaluate(async (url) => {
      const response = await fetch(url);
      return { status: response.status, text: await response.text() };
    }, href);
    assert.equal(manifest.status, 200);
    const parsed = JSON.parse(manifest.text);
    assert.equal(parsed.name, 'Flowbook');
    // Relative to the manifest: the installed app starts where the page is served from.
    assert.equal(new URL(parsed.start_url, href).href, new URL('./', page.url()).href);
    assert.equal(parsed.display, 'standalone');
    const icon = parsed.icons.find((i) => i.type === 'image/svg+xml');
    assert.ok(icon, 'an SVG icon');
    assert.equal(icon.sizes, 'any');
    const iconStatus = await page.evaluate(async (src) => (await fetch(src)).status, new URL(icon.src, href).href);
    assert.equal(iconStatus, 200, `${icon.src} is served`);
    assert.equal(await page.locator('meta[name="theme-color"]').getAttribute('content'), parsed.theme_color);
  });

  test('after one visit the service worker controls the page and has cached the shell', async () => {
    await openPanel(page, 'data');
    const rowCount = dataset(page, JANUARY).getByTestId('row-count');
    await rowCount.waitFor({ state: 'visible', timeout: LOAD_TIMEOUT_MS });
    assert.equal((await rowCount.textContent()).trim(), '76518');

    // `ready` resolves once the worker is active (its install, i.e. the precache, finished);
    // clients.claim() then makes it this page's controller. Reload once if that is late.
    const controlled = () =>
      page.evaluate(async () => {
        await navigator.serviceWorker.ready;
        if (!navigator.serviceWorker.controller) {
          await new Promise((done) => {
            navigator.serviceWorker.addEventListener('controllerchange', done, { once: true });
            setTimeout(done, 5_000);
          });
        }
        return Boolean(navigator.serviceWorker.controller);
      });
    if (!(await controlled())) {
      await page.reload({ waitUntil: 'load' });
      assert.ok(await controlled(), 'the service worker controls the page after a reload');
    }

    const cached = await page.evaluate(async () => {
      const urls = [];
      for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
      }
      const scripts = [...document.querySelectorAll('link[rel="modulepreload"], link[rel="preload"], link[rel="stylesheet"]')];
      return { urls, wanted: scripts.map((l) => new URL(l.href).pathname) };
    });
    for (const path of ['/', ...cached.wanted, `/data/${JANUARY}`, `/data/${FEBRUARY}`, '/data/taxi_zone_lookup.csv']) {
      assert.ok(cached.urls.includes(path), `${path} is cached (cached: ${cached.urls.join(', ')})`);
    }
    assert.ok(cached.wanted.some((p) => p.endsWith('.wasm')), 'the wasm is among the precached assets');
  });

  test('with the network off, the app opens, loads the bundled data and trains', async () => {
    await context.setOffline(true);
    // setOffline alone must cut the page off: a never-visited same-origin URL cannot load.
    const probe = (path) =>
      page.evaluate(async (url) => {
        try {
          const response = await fetch(url, { cache: 'no-store' });
          return `status ${response.status}`;
        } catch (error) {
          return `failed: ${error.name}`;
        }
      }, path);
    const nope = () => `/nope-${Math.random().toString(36).slice(2)}`;
    assert.match(await probe(nope()), /^failed/, 'setOffline: an uncached URL does not load');
    assert.equal(await page.evaluate(() => navigator.onLine), false);
    // And stop serving the page's origin altogether.
    await proxy.stop();
    assert.match(await nodeGet(new URL(nope(), proxy.url).href), /ECONNREFUSED/);
    assert.match(await probe(nope()), /^failed/, 'no server: an uncached URL does not load');

    await page.reload({ waitUntil: 'load' });
    await page.locator('header h1', { hasText: 'Flowbook' }).waitFor({ timeout: LOAD_TIMEOUT_MS });
    await openPanel(page, 'data');
    const rowCount = dataset(page, JANUARY).getByTestId('row-count');
    await rowCount.waitFor({ state: 'visible', timeout: LOAD_TIMEOUT_MS });
    assert.equal((await rowCount.textContent()).trim(), '76518');
    await dataset(page, FEBRUARY).getByTestId('row-count').waitFor({ state: 'visible', timeout: LOAD_TIMEOUT_MS });

    const { validation } = await trainInCell(page, { model: 'ols' }, LOAD_TIMEOUT_MS);
    const want = reference('PU_DO', 'ols');
    assert.ok(want, 'no reference row for PU_DO ols');
    assert.ok(Math.abs(validation - want.val_rmse) <= 1e-3, `val ${validation} vs ${want.val_rmse}`);

    assert.equal(await page.locator('#panic').isVisible(), false);
    assert.deepEqual(pageErrors, []);
    await page.screenshot({ path: '/tmp/flowbook-offline.png', fullPage: true });
  });
});
