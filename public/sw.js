// Flowbook's service worker: after one visit the app opens and runs with no network.
//
// The app may be served from any folder (`/`, `/flowbook/`, ...): every path below is taken
// relative to this file's folder, BASE, which is also the worker's scope.
//
// Each build of the app is kept whole in a cache of its own, `flowbook-build-<id>`, where
// the id is a digest of its index.html. Trunk names the built css/js/wasm after their
// content hashes, so the list of files is read off index.html: every same-origin asset it
// references, plus the unhashed files beside it (the training worker's among them). A
// build's cache is filled completely (each file fetched afresh) before it becomes the
// current one; only then are older builds' caches dropped. An upgrade cut short (the
// network lost half way) leaves the previous build current and whole, so the app still
// starts offline — never a new index.html beside missing files.
//
// For same-origin GET requests only (cross-origin ones, e.g. an MLflow server, and non-GET
// requests are never touched):
//   - page navigations: network first (with a short timeout), falling back to the current
//     build's index.html; a fresh index.html of another build starts caching that build;
//   - content-hashed assets (`name-<16 hex>.ext`): from any build's cache, else the network;
//   - /data/ files: cache first, cached on first fetch (so a same-origin file opened by URL
//     stays available offline);
//   - anything else (the worker's unhashed files among them): network first, falling back
//     to the current build's copy, then to the runtime cache. The page and its worker check
//     that they come from one build (src/services/train_worker), and reload if not.
// Bump VERSION when this file's caching changes: `activate` deletes the other versions'
// caches.

const VERSION = 'v3';
const PREFIX = 'flowbook-';
const BUILD_PREFIX = `${PREFIX}build-`;
const DATA_CACHE = `${PREFIX}data-${VERSION}`;
const RUNTIME_CACHE = `${PREFIX}runtime-${VERSION}`;
/** Holds one entry, CURRENT_KEY: the id of the build that is complete and in use. */
const META_CACHE = `${PREFIX}meta-${VERSION}`;
const CURRENT_KEY = 'current-build';
/** The last entry put in a build's cache: the cache is complete when it is there. */
const COMPLETE_KEY = 'build-complete';
const FIXED_CACHES = [DATA_CACHE, RUNTIME_CACHE, META_CACHE];

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

/** The id of a build: the first 16 hex digits of its index.html's SHA-256. */
async function buildId(html) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(html));
  return [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function currentBuild() {
  const meta = await caches.open(META_CACHE);
  const entry = await meta.match(at(CURRENT_KEY));
  return entry ? entry.text() : null;
}

/** The cache of the build in use, if there is one. */
async function currentCache() {
  const id = await currentBuild();
  return id && (await caches.has(BUILD_PREFIX + id)) ? caches.open(BUILD_PREFIX + id) : null;
}

/** Builds being cached now, by id: a navigation during an install does not start a second. */
const installing = new Map();

/** Caches the build whose index.html this is, completely, then makes it the current one
 * and drops every other build's cache. Throws (leaving the current build as it was) if any
 * file index.html names cannot be fetched. */
function installBuild(indexResponse) {
  return (async () => {
    const index = await unredirected(indexResponse);
    const html = await index.clone().text();
    const id = await buildId(html);
    if ((await currentBuild()) === id) return;
    if (!installing.has(id)) {
      installing.set(id, fillBuild(id, index, html).finally(() => installing.delete(id)));
    }
    await installing.get(id);
  })();
}

async function fillBuild(id, index, html) {
  const name = BUILD_PREFIX + id;
  const assets = [...new Set([...shellAssets(html), ...STATIC_FILES])].filter((path) => path !== BASE);
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
  const cache = await caches.open(name);
  await Promise.all(responses.filter(Boolean).map(([path, response]) => cache.put(path, response)));
  await cache.put(BASE, index);
  await cache.put(at(COMPLETE_KEY), new Response(id));
  const meta = await caches.open(META_CACHE);
  await meta.put(at(CURRENT_KEY), new Response(id));
  for (const other of await caches.keys()) {
    if (other.startsWith(BUILD_PREFIX) && other !== name) await caches.delete(other);
  }
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
    (async () => {
      await Promise.all([installBuild(await fetchFresh(BASE)), precacheData()]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const current = await currentBuild();
      const keep = new Set([...FIXED_CACHES, current && BUILD_PREFIX + current]);
      const names = await caches.keys();
      await Promise.all(
        names.filter((name) => name.startsWith(PREFIX) && !keep.has(name)).map((name) => caches.delete(name)),
      );
      await self.clients.claim();
    })(),
  );
});

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
      // A failed install (the network lost half way) keeps the current build; the next
      // navigation tries again.
      refreshed = installBuild(response.clone()).catch(() => undefined);
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

/** The cached copy of a page: its own URL if cached, else the current build's BASE. */
async function cachedPage(url) {
  if (!isIndex(url)) {
    const own = await caches.match(url.href);
    if (own) return own;
  }
  const cache = await currentCache();
  return cache ? cache.match(BASE) : undefined;
}

/** A content-hashed asset: the same name is the same file, in whichever build's cache. */
async function hashedAsset(event) {
  const cached = await caches.match(event.request);
  return cached || fetch(event.request);
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
    // Offline: the current build's copy first, so that the page and the training worker
    // it starts come from one build.
    const build = await currentCache();
    const cached = (build && (await build.match(event.request))) || (await caches.match(event.request, { cacheName: cacheName }));
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
    event.respondWith(hashedAsset(event));
  } else {
    event.respondWith(networkFirst(event, RUNTIME_CACHE));
  }
});
