// The course's tree model trained in headless Chromium, as a user runs it: the default
// notebook's tree cell switched to "Course settings" (1,000 rounds, early stopping 50) on
// the bundled January -> February 2021 files. Prints JSON: the training's time as the page
// measured it (worker, from job to result), the validation RMSE and the rounds.
//
//   FLOWBOOK_URL=http://127.0.0.1:PORT/ node tests/bench/browser_trees.mjs

import { launchBrowser } from '../e2e/browser.mjs';

const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  await page.goto(process.env.FLOWBOOK_URL, { waitUntil: 'load' });
  const treeCell = page.locator('[data-testid="cell"][data-kind="train"]').nth(1);
  await treeCell.waitFor({ timeout: 120_000 });
  await treeCell.getByTestId('preset-course').click();
  const value = treeCell.getByTestId('cell-val-rmse');
  await value.waitFor({ timeout: 1_800_000 });
  const summary = await treeCell.getByTestId('cell-train-result').textContent();
  const ms = Number(/· (\d+) ms in this browser/.exec(summary)?.[1]);
  const best = Number(/best round (\d+) of (\d+)/.exec(summary)?.[1]);
  process.stdout.write(`${JSON.stringify({ ms, val_rmse: Number(await value.getAttribute('data-value')), best_iteration: best - 1, summary })}\n`);
} finally {
  await browser.close();
}
