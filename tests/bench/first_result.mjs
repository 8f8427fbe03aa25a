// Time to the first result: from navigation to the default notebook's validation RMSE on
// screen, the user clicking Run all as soon as it can be clicked, in headless Chromium on
// the release build. Five first visits (a new browser profile each: nothing cached, the
// service worker not installed yet) and five return visits (the same profile reloaded: the
// service worker answers from its cache). Prints JSON with each visit and the medians.
//
//   FLOWBOOK_URL=http://127.0.0.1:PORT/ node tests/bench/first_result.mjs [--visits 5]

import { launchBrowser } from '../e2e/browser.mjs';

const args = process.argv.slice(2);
const VISITS = Number(args[args.indexOf('--visits') + 1]) || 5;
const URL = process.env.FLOWBOOK_URL;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** One visit: ms from navigation start to Run all clickable, and to the RMSE shown. */
async function visit(page, load) {
  const started = performance.now();
  await load();
  const runAll = page.getByTestId('run-all');
  await runAll.waitFor({ timeout: 120_000 });
  await page.waitForFunction(() => !document.querySelector('[data-testid="run-all"]')?.disabled, null, {
    timeout: 120_000,
  });
  const clickable = performance.now() - started;
  await runAll.click();
  const value = page.locator('[data-testid="cell"][data-kind="train"]').first().getByTestId('cell-val-rmse');
  await value.waitFor({ timeout: 120_000 });
  const result = performance.now() - started;
  return { clickable_ms: Math.round(clickable), result_ms: Math.round(result), val_rmse: Number(await value.getAttribute('data-value')) };
}

const browser = await launchBrowser();
const first = [];
const returning = [];
try {
  for (let i = 0; i < VISITS; i += 1) {
    const context = await browser.newContext();
    const page = await context.newPage();
    first.push(await visit(page, () => page.goto(URL, { waitUntil: 'commit' })));
    // Let the service worker finish its precache before the return visit.
    await page.evaluate(() => navigator.serviceWorker?.ready);
    await page.waitForTimeout(1_000);
    returning.push(await visit(page, () => page.reload({ waitUntil: 'commit' })));
    await context.close();
  }
} finally {
  await browser.close();
}
const summary = (visits) => ({
  median_result_ms: median(visits.map((v) => v.result_ms)),
  median_clickable_ms: median(visits.map((v) => v.clickable_ms)),
  visits,
});
process.stdout.write(`${JSON.stringify({ first_visit: summary(first), return_visit: summary(returning) }, null, 2)}\n`);
