// Monitoring eight later months in the browser: the default notebook run, then a Monitor
// cell checking its model against January 2021 on the same eight months as
// tests/bench/monitor.py (2021-02 bundled, the rest fetched from the same static server),
// in headless Chromium on the release build. Times the check from the months' edit (the
// cell runs on it) to its summary on screen, five times (each edit of the list re-runs it:
// the months are listed in another order each time, the files already fetched once).
// Prints one JSON object.
//
//   node tests/bench/browser_monitor.mjs      (serves dist/ and ../shared/data itself)

import { spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO, SHARED_DATA } from '../e2e/app_page.mjs';
import { launchBrowser } from '../e2e/browser.mjs';
import { freePort, waitForOk } from '../e2e/servers.mjs';

const LONG = { timeout: 600_000 };
const LATER = ['2021-03', '2022-01', '2022-02', '2022-03', '2023-01', '2023-02', '2023-03'];
const MONTHS = ['data/green_tripdata_2021-02.parquet', ...LATER.map((m) => `../months/green_tripdata_${m}.parquet`)];
const ROUNDS = 5;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'flowbook-monitor-bench-'));
symlinkSync(resolve(REPO, 'dist'), join(dir, 'flowbook'), 'dir');
symlinkSync(SHARED_DATA, join(dir, 'months'), 'dir');
const port = await freePort();
const site = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], { stdio: 'ignore' });
const browser = await launchBrowser();
try {
  await waitForOk(`http://127.0.0.1:${port}/flowbook/`, 30_000, site);
  const page = await (await browser.newContext()).newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`http://127.0.0.1:${port}/flowbook/`, { waitUntil: 'load' });
  await page.locator('[data-testid="cell"][data-kind="data"]').waitFor(LONG);
  await page.waitForFunction(() => !document.querySelector('[data-testid="run-all"]')?.disabled, null, LONG);
  await page.getByTestId('run-all').click();
  await page.locator('[data-testid="cell"][data-kind="train"] [data-testid="cell-val-rmse"]').last().waitFor(LONG);
  await page.getByTestId('add-cell').last().selectOption('monitor');
  const cell = page.locator('[data-testid="cell"][data-kind="monitor"]');
  await cell.waitFor(LONG);
  const months = cell.getByTestId('monitor-months');
  const rounds = [];
  let previous = '';
  for (let round = 0; round < ROUNDS; round += 1) {
    // Rotated, so each round is an edit (and a new run) over the same eight files.
    const list = [...MONTHS.slice(round), ...MONTHS.slice(0, round)];
    await months.fill(list.join('\n'));
    const started = performance.now();
    await months.blur();
    await page.waitForFunction(
      (before) => {
        const s = document.querySelector('[data-testid="cell-monitor-summary"]');
        return s && s.dataset.months === '8' && s.dataset.run !== before;
      },
      previous,
      LONG,
    );
    rounds.push(Math.round(performance.now() - started) / 1000);
    previous = await cell.getByTestId('cell-monitor-summary').getAttribute('data-run');
  }
  const summary = (await cell.getByTestId('cell-monitor-summary').textContent()).trim();
  const result = {
    months: MONTHS.length,
    first_s: rounds[0],
    median_s: median(rounds.slice(1)),
    rounds_s: rounds,
    summary,
    page_errors: errors,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await browser.close();
  site.kill();
}
