// The linear search in the browser: the default notebook's Data cell (January → February
// 2021, bundled), then a Search cell over examples/search/linear.json's space (ridge, lasso
// and elastic net × alpha × l1_ratio × four feature sets) with TPE and N trials, in headless
// Chromium on the release build. Times the search from the trial count's change (the cell
// runs on it) to its summary on screen, and reads the search's own elapsed time and best
// validation RMSE from the summary. Prints one JSON object.
//
//   FLOWBOOK_URL=http://127.0.0.1:PORT/ node tests/bench/browser_search.mjs [--trials 1000]

import { launchBrowser } from '../e2e/browser.mjs';

const args = process.argv.slice(2);
const TRIALS = Number(args[args.indexOf('--trials') + 1]) || 1000;
const URL = process.env.FLOWBOOK_URL;
const LONG = { timeout: 900_000 };

const browser = await launchBrowser();
try {
  const page = await (await browser.newContext()).newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(URL, { waitUntil: 'load' });
  const cell = page.locator('[data-testid="cell"][data-kind="search"]');
  const summary = cell.getByTestId('cell-search-summary');
  await page.locator('[data-testid="cell"][data-kind="data"]').waitFor(LONG);
  await page.waitForFunction(() => !document.querySelector('[data-testid="run-all"]')?.disabled, null, LONG);
  await page.getByTestId('run-all').click();
  await page.locator('[data-testid="cell"][data-kind="train"] [data-testid="cell-val-rmse"]').first().waitFor(LONG);
  await page.getByTestId('add-cell').last().selectOption('search');
  await cell.waitFor(LONG);
  // A new Search cell holds the linear space with TPE, and runs its 50 trials as it
  // appears; the timed search starts after them.
  await summary.waitFor(LONG);
  const before = await summary.getAttribute('data-parent');
  const evals = cell.getByTestId('search-max-evals');
  await evals.fill(String(TRIALS));
  const started = performance.now();
  await evals.dispatchEvent('change');
  await page.waitForFunction(
    ([n, previous]) => {
      const s = document.querySelector('[data-testid="cell"][data-kind="search"] [data-testid="cell-search-summary"]');
      return s && Number(s.dataset.trials) === n && s.dataset.parent !== previous;
    },
    [TRIALS, before ?? ''],
    LONG,
  );
  const onScreenMs = performance.now() - started;
  const text = await summary.textContent();
  const searchSeconds = Number(/·\s*([\d.]+)\s*s\b/.exec(text)?.[1]);
  const result = {
    trials: Number(await summary.getAttribute('data-trials')),
    best_val_rmse: Number(await summary.getAttribute('data-best')),
    search_s: Number.isFinite(searchSeconds) ? searchSeconds : null,
    on_screen_s: Math.round(onScreenMs) / 1000,
    workers: await page.evaluate(() => navigator.hardwareConcurrency),
    summary: text.trim(),
    page_errors: errors,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await browser.close();
}
