// Offline upgrades in a real browser: the service worker (public/sw.js) switches to a new
// build only once it holds every file of it, and the page and its training worker check
// that they come from one build.
//
// A server of this test's own serves build 1 (dist/), then build 2 (a copy of dist/ whose
// page wasm and js carry another content hash, whose index.html says it is build 2 and
// whose worker loader differs). The network is lost just after build 2's index.html
// arrives: offline, the app must start as build 1 and train. Back online build 2 is cached
// whole; offline again it starts as build 2 with build 2's worker. Last, a worker that
// speaks another protocol version makes the page reload once, then train on the page and
// say why.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { cell, cellValRmse, REPO, reference } from './app_page.mjs';
import { launchBrowser } from './browser.mjs';

const LOAD_TIMEOUT_MS = 120_000;
const BUILD_2_HASH = 'feedc0ffee123456';
const WORKER_LOADER = 'flowbook-worker_loader.js';
const BUILD_2_MARK = '// Flowbook upgrade test: build 2';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv',
  '.parquet': 'application/octet-stream',
};

/** Build 2: dist/ copied, its page js and wasm renamed to another content hash. */
function makeBuild2(dist) {
  const folder = join(mkdtempSync(join(tmpdir(), 'flowbook-build2-')), 'dist');
  cpSync(dist, folder, { recursive: true });
  const wasm = readdirSync(folder).find((name) => /^flowbook-web-[0-9a-f]{16}_bg\.wasm$/.test(name));
  assert.ok(wasm, 'dist/ holds the page wasm');
  const hash = wasm.slice('flowbook-web-'.length, 'flowbook-web-'.length + 16);
  for (const name of readdirSync(folder).filter((n) => n.includes(hash))) {
    renameSync(join(folder, name), join(folder, name.replace(hash, BUILD_2_HASH)));
  }
  const indexPath = join(folder, 'index.html');
  const before = readFileSync(indexPath, 'utf8');
  let index = before.replaceAll(hash, BUILD_2_HASH);
  // The page's Content-Security-Policy names its inline scripts by digest (scripts/csp.py).
  const inline = (html) => [...html.matchAll(/<script\b(?![^>]*\bsrc\s*=)[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => m[1]);
  const digest = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
  const [oldScripts, newScripts] = [inline(before), inline(index)];
  oldScripts.forEach((text, i) => {
    index = index.replace(digest(text), digest(newScripts[i]));
  });
  writeFileSync(indexPath, index.replace('<head>', '<head>\n    <meta name="flowbook-test-build" content="2" />'));
  const loader = join(folder, WORKER_LOADER);
  writeFileSync(loader, `${readFileSync(loader, 'utf8')}\n${BUILD_2_MARK}\n`);
  return { folder, wasm: `flowbook-web-${BUILD_2_HASH}_bg.wasm` };
}

/**
 * A static server whose folder can change. Modes: `up` serves it; `index-only` serves
 * index.html and drops every other connection (the network lost just after the page
 * arrived); `down` drops every connection. `overrides` answer a path with other text.
 */
async function startSiteServer(folder) {
  const site = { folder, mode: 'up', dropped: [], overrides: new Map() };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const isIndex = path === '/' || path === '/index.html';
    if (site.mode === 'down' || (site.mode === 'index-only' && !isIndex)) {
      site.dropped.push(path);
      req.socket.destroy();
      return;
    }
    if (site.overrides.has(path)) {
      res.writeHead(200, { 'content-type': TYPES[extname(path)] || 'text/plain', 'cache-control': 'no-cache' });
      res.end(site.overrides.get(path));
      return;
    }
    const file = resolve(site.folder, `.${isIndex ? '/index.html' : path}`);
    if (!file.startsWith(site.folder) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(readFileSync(file));
  });
  await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
  site.url = `http://127.0.0.1:${server.address().port}/`;
  site.close = () =>
    new Promise((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
  return site;
}

/** The service worker's builds as the page sees them: the current one and every cached one. */
function builds(page) {
  return page.evaluate(async () => {
    const names = (await caches.keys()).filter((name) => name.startsWith('flowbook-build-'));
    const metaName = (await caches.keys()).find((name) => name.startsWith('flowbook-meta-'));
    const meta = metaName && (await (await caches.open(metaName)).match(new URL('current-build', location.href).href));
    return { current: meta ? await meta.text() : null, cached: names.map((n) => n.slice('flowbook-build-'.length)) };
  });
}

async function waitForBuild(page, test, timeout = LOAD_TIMEOUT_MS) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const state = await builds(page).catch(() => null);
    if (state && test(state)) return state;
    if (Date.now() > deadline) throw new Error(`the service worker's builds stayed ${JSON.stringify(state)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Which build the page runs: 2 when its index.html says so, else 1. */
const buildOnPage = (page) =>
  page.evaluate(() => document.querySelector('meta[name="flowbook-test-build"]')?.content ?? '1');

async function trainsToReference(page) {
  const got = await cellValRmse(page, LOAD_TIMEOUT_MS);
  const want = reference('PU_DO', 'ols');
  assert.ok(Math.abs(got - want.val_rmse) <= 1e-3, `val ${got} vs ${want.val_rmse}`);
}

describe('Offline upgrades', () => {
  let browser;
  let context;
  let page;
  let site;
  let build2;
  let build1Id;
  const navigations = [];

  before(async () => {
    const dist = resolve(REPO, 'dist');
    build2 = makeBuild2(dist);
    site = await startSiteServer(dist);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    page = await context.newPage();
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations.push(frame.url());
    });
  });

  after(async () => {
    await browser?.close();
    await site?.close();
  });

  test('build 1: one visit caches the whole build and makes it current', async () => {
    await page.goto(site.url, { waitUntil: 'load' });
    await page.locator('[data-testid="cell"]').first().waitFor({ timeout: LOAD_TIMEOUT_MS });
    const state = await waitForBuild(page, (s) => s.current !== null);
    assert.deepEqual(state.cached, [state.current]);
    build1Id = state.current;
    await page.getByTestId('run-all').click();
    await trainsToReference(page);
  });

  test('the network lost just after build 2 arrives: offline, build 1 starts and trains', async () => {
    site.folder = build2.folder;
    site.mode = 'index-only';
    site.dropped.length = 0;
    await page.reload({ waitUntil: 'domcontentloaded' }).catch(() => undefined);
    // The service worker, caching build 2, met the lost network on its files.
    const deadline = Date.now() + 30_000;
    while (!site.dropped.includes(`/${build2.wasm}`) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(site.dropped.includes(`/${build2.wasm}`), `build 2's wasm was asked for (${site.dropped.join(', ')})`);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal((await builds(page)).current, build1Id, 'build 1 stays current');

    site.mode = 'down';
    await context.setOffline(true);
    await page.reload({ waitUntil: 'load' });
    await page.locator('[data-testid="cell"]').first().waitFor({ timeout: LOAD_TIMEOUT_MS });
    assert.equal(await buildOnPage(page), '1');
    // Run all was clicked before: the notebook runs on load.
    await trainsToReference(page);
    assert.equal(await cell(page, 'train').getByTestId('cell-train-note').count(), 0, 'trained in the worker');
  });

  test('back online build 2 is cached whole; offline it starts with its own worker', async () => {
    await context.setOffline(false);
    site.mode = 'up';
    await page.reload({ waitUntil: 'load' });
    assert.equal(await buildOnPage(page), '2');
    const state = await waitForBuild(page, (s) => s.current !== build1Id && s.cached.length === 1);
    assert.deepEqual(state.cached, [state.current], 'build 1 is dropped once build 2 is whole');

    site.mode = 'down';
    await context.setOffline(true);
    await page.reload({ waitUntil: 'load' });
    await page.locator('[data-testid="cell"]').first().waitFor({ timeout: LOAD_TIMEOUT_MS });
    assert.equal(await buildOnPage(page), '2');
    const loader = await page.evaluate(async (name) => (await fetch(name)).text(), WORKER_LOADER);
    assert.ok(loader.includes(BUILD_2_MARK), "offline, the worker's files are build 2's");
    await trainsToReference(page);
    assert.equal(await cell(page, 'train').getByTestId('cell-train-note').count(), 0, 'trained in the worker');
  });

  test('a worker of another protocol version: the page reloads once, then trains on the page and says why', async () => {
    await context.setOffline(false);
    site.mode = 'up';
    // A worker from some other build: it says it is ready in another protocol version.
    site.overrides.set(
      `/${WORKER_LOADER}`,
      `self.onmessage = () => {};\nself.postMessage({ json: JSON.stringify({ reply: 'ready', protocol: 999 }) });\n`,
    );
    const before = navigations.length;
    await page.reload({ waitUntil: 'load' });
    const note = cell(page, 'train').getByTestId('cell-train-note');
    await note.waitFor({ timeout: LOAD_TIMEOUT_MS });
    assert.match(await note.textContent(), /another version of Flowbook \(messages v999/);
    await trainsToReference(page);
    assert.equal(navigations.length - before, 2, `the reload asked for and one more (${navigations.slice(before).join(', ')})`);
    const reloadedAt = await page.evaluate(() => sessionStorage.getItem('flowbook.reloaded-for-worker'));
    assert.ok(Number(reloadedAt) > 0, 'the page noted its reload for the worker');
  });
});
