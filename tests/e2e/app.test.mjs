// End-to-end tests of the Flowbook app: a real headless Chromium against the release build.
//
//   FLOWBOOK_URL=http://127.0.0.1:8080/ node --test tests/e2e/
//
// scripts/test.sh builds the app, serves dist/ and runs these. The browser is Debian's
// /usr/bin/chromium (playwright-core never downloads one). Expected values come from pyarrow
// in the reference venv (FLOWBOOK_VENV), not from the app.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPanel } from './app_page.mjs';
import { launchBrowser } from './browser.mjs';
import { freePort } from './servers.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHARED_DATA = resolve(REPO, '..', 'shared', 'data');
const BASE_URL = process.env.FLOWBOOK_URL;
const VENV = process.env.FLOWBOOK_VENV || join(homedir(), '.cache', 'flowbook', 'venv');
const SCREENSHOT = process.env.FLOWBOOK_SCREENSHOT || '/tmp/flowbook-e2e.png';
const LOAD_TIMEOUT_MS = 60_000;

const SAMPLE = 'green_tripdata_2021-01.parquet';
const UPLOAD = 'green_tripdata_2023-03.parquet';
const BAD_UPLOAD = 'trips-export.parquet';

/** The card of one opened file. */
function dataset(page, fileName) {
  return page.locator(`[data-testid="dataset"][data-file-name="${fileName}"]`);
}

/** Number of rows pyarrow reads from a parquet file's footer. */
function pyarrowRowCount(path) {
  const python = join(VENV, 'bin', 'python');
  assert.ok(existsSync(python), `no Python at ${python}: run scripts/setup.sh first`);
  const script = 'import sys, pyarrow.parquet as pq; print(pq.ParquetFile(sys.argv[1]).metadata.num_rows)';
  return execFileSync(python, ['-c', script, path], { encoding: 'utf8' }).trim();
}

/** First trip's pickup zone ID and pickup time, as pyarrow reads them, and the zone's name
 * from the TLC lookup table. */
function firstTripFacts(path) {
  const python = join(VENV, 'bin', 'python');
  const script = [
    'import sys, csv, pyarrow.parquet as pq',
    't = pq.read_table(sys.argv[1], columns=["lpep_pickup_datetime", "PULocationID"]).slice(0, 1).to_pylist()[0]',
    'zones = {int(r["LocationID"]): f\'{r["Zone"]} ({r["Borough"]})\' for r in csv.DictReader(open(sys.argv[2]))}',
    'print(t["lpep_pickup_datetime"].strftime("%Y-%m-%d %H:%M:%S")); print(f\'{t["PULocationID"]} · {zones[t["PULocationID"]]}\')',
  ].join('\n');
  const out = execFileSync(python, ['-c', script, path, join(SHARED_DATA, 'taxi_zone_lookup.csv')], {
    encoding: 'utf8',
  });
  const [pickup, zone] = out.trim().split('\n');
  return { pickup, zone };
}

describe('Flowbook in a browser', () => {
  let browser;
  let page;
  const consoleErrors = [];

  before(async () => {
    assert.ok(BASE_URL, 'set FLOWBOOK_URL to the served app, e.g. http://127.0.0.1:8080/');
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) =>
      consoleErrors.push(`request failed: ${request.url()} ${request.failure()?.errorText}`),
    );
    await page.goto(BASE_URL, { waitUntil: 'load' });
  });

  after(async () => {
    await browser?.close();
  });

  test('shows the bundled sample: row count and schema', async () => {
    await assert.doesNotReject(page.locator('header h1', { hasText: 'Flowbook' }).waitFor());
    await openPanel(page, 'data');
    const card = dataset(page, SAMPLE);
    const rowCount = card.getByTestId('row-count');
    await rowCount.waitFor({ state: 'visible', timeout: LOAD_TIMEOUT_MS });
    assert.equal((await rowCount.textContent()).trim(), '76518');
    assert.equal((await card.getByTestId('row-groups').textContent()).trim(), '1');
    assert.match(await card.getByTestId('sha256').textContent(), /^[0-9a-f]{64}$/);
    const schema = card.getByTestId('schema');
    await schema.getByText('lpep_pickup_datetime', { exact: true }).waitFor({ timeout: LOAD_TIMEOUT_MS });
    assert.equal(await schema.locator('tbody tr').count(), 20);
  });

  test('previews the decoded trips: summaries, first trips with zone names, durations', async () => {
    const card = page.getByTestId('preview').first();
    await card.waitFor({ timeout: LOAD_TIMEOUT_MS });
    const summaries = await card.getByTestId('summaries').textContent();
    assert.match(summaries, /duration \(min\)/);
    assert.match(summaries, /trip_distance/);
    const want = firstTripFacts(join(SHARED_DATA, SAMPLE));
    const firstRow = card.getByTestId('first-rows').locator('tbody tr').first();
    await page.waitForFunction(
      (zone) => document.querySelector('[data-testid="first-rows"] tbody tr')?.textContent.includes(zone),
      want.zone,
      { timeout: LOAD_TIMEOUT_MS },
    );
    const text = await firstRow.textContent();
    assert.ok(text.includes(want.pickup), `${text} lacks ${want.pickup}`);
    assert.ok(text.includes(want.zone), `${text} lacks ${want.zone}`);
  });

  test('draws the duration histogram on a canvas and saves it as PNG', async () => {
    const canvas = page.locator('[data-testid="duration-histogram"][data-drawn="true"]').first();
    await canvas.waitFor({ timeout: LOAD_TIMEOUT_MS });
    // Read the pixels back: bars are drawn in the first series colour (0, 114, 178).
    const profile = await canvas.evaluate((element) => {
      const { width, height } = element;
      const data = element.getContext('2d').getImageData(0, 0, width, height).data;
      const tops = new Array(width).fill(height);
      let bar = 0;
      for (let y = 0; y < height; y += 1) {
        for (let x = 0; x < width; x += 1) {
          const i = 4 * (y * width + x);
          if (data[i] === 0 && data[i + 1] === 114 && data[i + 2] === 178) {
            bar += 1;
            tops[x] = Math.min(tops[x], y);
          }
        }
      }
      const columns = tops.filter((t) => t < height).length;
      const peakX = tops.indexOf(Math.min(...tops));
      const left = tops.findIndex((t) => t < height);
      const right = width - 1 - [...tops].reverse().findIndex((t) => t < height);
      return { bar, columns, peakX, left, right, width, height };
    });
    assert.ok(profile.bar > 0.05 * profile.width * profile.height, JSON.stringify(profile));
    // Most green-taxi trips take 3-15 minutes: the tallest bar sits in the left third of the
    // 0-60 minute axis, and bars span most of it.
    const span = profile.right - profile.left;
    assert.ok(profile.peakX - profile.left < span / 3, JSON.stringify(profile));
    assert.ok(profile.columns > 0.5 * profile.width, JSON.stringify(profile));

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dataset(page, SAMPLE).locator('xpath=following-sibling::section[1]').getByTestId('save-png').click(),
    ]);
    assert.equal(download.suggestedFilename(), 'green_tripdata_2021-01-durations.png');
    const png = readFileSync(await download.path());
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.length > 5_000, `a ${png.length}-byte PNG is too small for a chart`);
  });

  test('the bundled months have their roles: January trains, February validates', async () => {
    await dataset(page, SAMPLE).getByTestId('role').waitFor({ timeout: LOAD_TIMEOUT_MS });
    assert.equal(await dataset(page, SAMPLE).getByTestId('role').inputValue(), 'train');
    const february = dataset(page, 'green_tripdata_2021-02.parquet');
    await february.getByTestId('role').waitFor({ timeout: LOAD_TIMEOUT_MS });
    assert.equal(await february.getByTestId('role').inputValue(), 'validation');
  });

  test('a CSV trip file chosen through the file input opens with its rows and preview', async () => {
    const python = join(VENV, 'bin', 'python');
    const script = [
      'import sys, pyarrow.parquet as pq',
      'df = pq.read_table(sys.argv[1]).slice(0, 5000).to_pandas()',
      'sys.stdout.write(df.to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S"))',
    ].join('\n');
    const csv = execFileSync(python, ['-c', script, join(SHARED_DATA, SAMPLE)], {
      maxBuffer: 64 << 20,
    });
    const name = 'green_tripdata_2021-01-head.csv';
    await page.getByTestId('file-input').setInputFiles({ name, mimeType: 'text/csv', buffer: csv });
    const card = dataset(page, name);
    await card.getByTestId('row-count').waitFor({ timeout: LOAD_TIMEOUT_MS });
    assert.equal((await card.getByTestId('row-count').textContent()).trim(), '5000');
    assert.equal((await card.getByTestId('format').textContent()).trim(), 'CSV');
    assert.equal(await card.getByTestId('role').inputValue(), 'other');
    const preview = card.locator('xpath=following-sibling::section[1]');
    await preview.getByTestId('first-rows').waitFor({ timeout: LOAD_TIMEOUT_MS });
    assert.match(await preview.textContent(), /Trips: 5000 decoded/);
  });

  test('serves the other bundled sample files under /data/', async () => {
    for (const name of ['green_tripdata_2021-02.parquet', 'taxi_zone_lookup.csv']) {
      const response = await page.request.get(new URL(`data/${name}`, BASE_URL).href);
      assert.equal(response.status(), 200, name);
    }
  });

  test('inspects a local file chosen through the file input', async () => {
    const path = join(SHARED_DATA, UPLOAD);
    assert.ok(existsSync(path), `${path} is missing: ../shared/data must sit beside the repo`);
    const expected = pyarrowRowCount(path);
    await page.getByTestId('file-input').setInputFiles(path);
    const rowCount = dataset(page, UPLOAD).getByTestId('row-count');
    await rowCount.waitFor({ state: 'visible', timeout: LOAD_TIMEOUT_MS });
    assert.equal((await rowCount.textContent()).trim(), expected);
    // The sample stays on the page.
    assert.equal((await dataset(page, SAMPLE).getByTestId('row-count').textContent()).trim(), '76518');
  });

  test('a text file named .parquet gives a readable error, earlier files stay', async () => {
    await page.getByTestId('file-input').setInputFiles({
      name: BAD_UPLOAD,
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('pickup,dropoff,fare\n2023-03-01,2023-03-01,12.5\n'),
    });
    const error = dataset(page, BAD_UPLOAD).getByTestId('error');
    await error.waitFor({ state: 'visible', timeout: LOAD_TIMEOUT_MS });
    const message = await error.textContent();
    assert.match(message, /not a parquet file/);
    assert.match(message, new RegExp(BAD_UPLOAD.replace('.', '\\.')));
    assert.equal((await dataset(page, SAMPLE).getByTestId('row-count').textContent()).trim(), '76518');
    assert.ok(await dataset(page, UPLOAD).getByTestId('row-count').isVisible());
    assert.equal(await page.getByTestId('dataset').count(), 5);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  test('a file dropped on the page opens like a chosen one', async () => {
    const name = 'green_tripdata_2022-02.parquet';
    const bytes = [...readFileSync(join(SHARED_DATA, name))];
    const transfer = await page.evaluateHandle(
      ({ bytes, name }) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], name));
        return transfer;
      },
      { bytes, name },
    );
    await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: transfer });
    const card = dataset(page, name);
    await card.getByTestId('row-count').waitFor({ timeout: LOAD_TIMEOUT_MS });
    assert.equal(await card.getByTestId('row-count').textContent(), pyarrowRowCount(join(SHARED_DATA, name)));
  });

  test('a file opened by URL downloads and loads; an unreachable URL is explained', async () => {
    const name = 'green_tripdata_2021-02.parquet';
    await page.getByTestId('url-input').fill(new URL(`data/${name}`, BASE_URL).toString());
    await page.getByTestId('url-open').click();
    // The bundled February card has the same name: the downloaded one is the last card.
    const card = dataset(page, name).last();
    await card.getByTestId('row-count').waitFor({ timeout: LOAD_TIMEOUT_MS });
    assert.equal(await card.getByTestId('row-count').textContent(), pyarrowRowCount(join(SHARED_DATA, name)));

    // A loopback port that was free a moment ago: nothing listens there, so fetch fails.
    const port = await freePort();
    const unreachable = `http://127.0.0.1:${port}/missing.parquet`;
    await page.getByTestId('url-input').fill(unreachable);
    await page.getByTestId('url-open').click();
    const failed = dataset(page, 'missing.parquet');
    const message = await failed.getByTestId('error').textContent({ timeout: LOAD_TIMEOUT_MS });
    assert.ok(message.startsWith(`Could not download ${unreachable}: the server is unreachable`), message);
    assert.ok(await card.isVisible(), 'earlier datasets stay');
    // The refused request is this test's own doing; drop it before the no-errors check.
    const expected = (e) => e.includes(`:${port}/`) || e.includes('ERR_CONNECTION_REFUSED');
    consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !expected(e)));
  });

  test('no console errors, page errors or failed requests; no panic banner', async () => {
    assert.deepEqual(consoleErrors, []);
    assert.equal(await page.locator('#panic').isVisible(), false);
  });
});
