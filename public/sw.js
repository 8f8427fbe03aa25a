// Flowbook's service worker: after one visit the app opens and runs with no network.
//
// The app may be served from any folder (`/`, `/flowbook/`, ...): every path below is taken
// relative to this file's folder, BASE, which is also the worker's scope.
//
// Trunk names the built css/js/wasm after their content hashes, so the list of files to keep
// is not fixed: on install the worker fetches BASE (index.html) and caches every same-origin
// asset it references, plus the bundled sample data under BASE/data/. Then, for same-origin GET
// requests only (cross-origin ones, e.g. an MLflow server, and non-GET requests are never
// touched):
//   - page navigations: network first (with a short timeout), falling back to the cached BASE;
//     a fresh index.html replaces the cached one and drops assets of older builds;
//   - content-hashed assets (`name-<16 hex>.ext`) and /data/ files: cache first, cached on
//     first fetch (so a same-origin file opened by URL stays available offline);
//   - anything else: network first, falling back to the cache.
// Bump VERSION when this file's caching changes: `activate` deletes every other cache.

const VERSION = 'v2';
const PREFIX = 'flowbook-';
const SHELL_CACHE = `${PREFIX}shell-${VERSION}`;
const DATA_CACHE = `${PREFIX}data-${VERSION}`;
const RUNTIME_CACHE = `${PREFIX}runtime-${VERSION}`;
const CACHES = [SHELL_CACHE, DATA_CACHE, RUNTIME_CACHE];

/** The folder the app is served from, with a trailing slash: `/` or `/flowbook/`. */
const BASE = new URL('./', self.location.href).pathname;
const at = (path) => BASE + path;

/** The sample files the app opens on start (src/app.rs). Missing ones do not stop install. */
const DATA_FILES = [
  'data/green_tripdata_2021-01.parquet',
  'data/green_tripdata_2021-02.parquet',
  'data/taxi_zone_lookup.csv',
].map(at);
/** Unhashed files beside index.html that the shell needs offline. */
const STATIC_FILES = [
  'manifest.webmanifest',
  'favicon.svg',
  // The training worker (unhashed: the page starts it by this name).
  'flowbook-worker_loader.js',
  'flowbook-worker.js',
  'flowbook-worker_bg.wasm',
].map(at);

/** How long a navigation waits for the network before the cached page is shown. */
const NAVIGATION_TIMEOUT_MS = 3000;

const HASHED = /-[0-9a-f]{16}(?:_bg)?\.[A-Za-z0-9]+$/;

function isHashedAsset(url) {
  return HASHED.test(url.pathname);
}

function isDataFile(url) {
  return url.pathname.startsWith(at('data/'));
}

/** Same-origin asset URLs an index.html references: link href, script/img src, and the
 * quoted paths of inline module scripts (Trunk's loader imports the js and passes the wasm
 * path to `init`). */
function shellAssets(html) {
  const found = new Set();
  const add = (value) => {
    if (!value || value.startsWith('data:') || value.startsWith('#')) return;
    let url;
    try {
      url = new URL(value, self.location.origin + BASE);
    } catch {
      return;
    }
    if (url.origin !== self.location.origin || url.pathname === at('sw.js')) return;
    // Preloaded data files belong to the data cache, not to the shell.
    if (isDataFile(url)) return;
    url.hash = '';
    found.add(url.pathname + url.search);
  };
  for (const match of html.matchAll(/<(?:link|script|img|source)\b[^>]*?\s(?:href|src)\s*=\s*["']([^"']+)["']/gi)) {
    add(match[1]);
  }
  for (const script of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)) {
    for (const match of script[1].matchAll(/["'`]((?:\.{0,2}\/)?[\w./-]+\.(?:js|mjs|wasm|css|json|svg|png|ico|webmanifest))["'`]/g)) {
      add(match[1]);
    }
  }
  return [...found];
}

/** A response fit for `cache.put`: a complete, same-origin 200. */
function cacheable(response) {
  return response && response.status === 200 && response.type === 'basic';
}

/** Redirected responses must not answer navigations; copy the body into a plain one. */
async function unredirected(response) {
  if (!response.redirected) return response;
  return new Response(await response.blob(), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

async function fetchFresh(path) {
  const response = await fetch(new Request(path, { cache: 'reload', credentials: 'same-origin' }));
  if (!cacheable(response)) throw new Error(`${path}: HTTP ${response.status}`);
  return response;
}

/** Caches index.html as BASE and every asset it references; the shell must be complete. */
async function precacheShell() {
  const index = await unredirected(await fetchFresh(BASE));
  const html = await index.clone().text();
  const assets = [...new Set([...shellAssets(html), ...STATIC_FILES])].filter((path) => path !== BASE);
  const cache = await caches.open(SHELL_CACHE);
  const responses = await Promise.all(
    assets.map(async (path) => {
      try {
        return [path, await fetchFresh(path)];
      } catch (error) {
        // The unhashed extras are optional; an asset index.html names is not.
        if (STATIC_FILES.includes(path)) return null;
        throw error;
      }
    }),
  );
  await Promise.all(responses.filter(Boolean).map(([path, response]) => cache.put(path, response)));
  await cache.put(BASE, index);
}

/** Caches the bundled data files that are not cached yet; failures are left for later. */
async function precacheData() {
  const cache = await caches.open(DATA_CACHE);
  await Promise.allSettled(
    DATA_FILES.map(async (path) => {
      if (await cache.match(path)) return;
      await cache.put(path, await fetchFresh(path));
    }),
  );
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    Promise.all([precacheShell(), precacheData()]).then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => name.startsWith(PREFIX) && !CACHES.includes(name))
          .map((name) => caches.delete(name)),
      );
      await self.clients.claim();
    })(),
  );
});

/** After a fresh index.html: keep it as the offline BASE and drop hashed assets it no longer
 * references (older builds). Assets of the new build are cached as the page fetches them. */
async function refreshShell(response) {
  const index = await unredirected(response);
  const html = await index.clone().text();
  const keep = new Set(shellAssets(html).map((path) => new URL(path, self.location.origin).href));
  const cache = await caches.open(SHELL_CACHE);
  await cache.put(BASE, index);
  for (const request of await cache.keys()) {
    const url = new URL(request.url);
    if (isHashedAsset(url) && !isDataFile(url) && !keep.has(url.href)) await cache.delete(request);
  }
}

function isIndex(url) {
  return url.pathname === BASE || url.pathname === at('index.html');
}

async function navigate(event) {
  const url = new URL(event.request.url);
  let refreshed;
  const network = fetch(event.request).then((response) => {
    // Keep the page fresh for the next offline start, without holding up this one.
    const html = (response.headers.get('content-type') || '').includes('text/html');
    if (isIndex(url) && cacheable(response) && html) {
      refreshed = refreshShell(response.clone()).catch(() => undefined);
    }
    return response;
  });
  event.waitUntil(network.then(() => refreshed, () => undefined));
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(resolve, NAVIGATION_TIMEOUT_MS, 'timeout');
  });
  try {
    const first = await Promise.race([network, timeout]);
    if (first !== 'timeout') return first;
    const cached = await cachedPage(url);
    return cached || (await network);
  } catch (error) {
    const cached = await cachedPage(url);
    if (cached) return cached;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The cached copy of a page: its own URL if cached, else the app shell BASE. */
async function cachedPage(url) {
  if (!isIndex(url)) {
    const own = await caches.match(url.href);
    if (own) return own;
  }
  return caches.match(BASE, { cacheName: SHELL_CACHE });
}

async function cacheFirst(event, cacheName) {
  const cached = await caches.match(event.request, { cacheName });
  if (cached) return cached;
  const response = await fetch(event.request);
  if (cacheable(response)) {
    const copy = response.clone();
    event.waitUntil(caches.open(cacheName).then((cache) => cache.put(event.request, copy)).catch(() => undefined));
  }
  return response;
}

async function networkFirst(event, cacheName) {
  try {
    const response = await fetch(event.request);
    if (cacheable(response)) {
      const copy = response.clone();
      event.waitUntil(caches.open(cacheName).then((cache) => cache.put(event.request, copy)).catch(() => undefined));
    }
    return response;
  } catch (error) {
    const cached = await caches.match(event.request);
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Partial content cannot be cached; leave range requests to the network.
  if (request.headers.has('range')) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigate(event));
  } else if (isDataFile(url)) {
    event.respondWith(cacheFirst(event, DATA_CACHE));
  } else if (isHashedAsset(url)) {
    event.respondWith(cacheFirst(event, SHELL_CACHE));
  } else {
    event.respondWith(networkFirst(event, RUNTIME_CACHE));
  }
});
