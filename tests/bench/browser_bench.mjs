// Opens the served app at /?bench in headless Chromium, waits for the engine's benchmark
// (the same code as `flowbook bench`) and prints its JSON on stdout.

import { launchChromium } from '../e2e/browser.mjs';

const url = new URL('?bench', process.env.FLOWBOOK_URL).toString();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(url, { waitUntil: 'load' });
  const result = page.getByTestId('bench-result').or(page.getByTestId('bench-error'));
  await result.waitFor({ timeout: 300_000 });
  if ((await result.getAttribute('data-testid')) === 'bench-error') {
    throw new Error(`browser benchmark failed: ${await result.textContent()}`);
  }
  process.stdout.write(`${await result.textContent()}\n`);
} finally {
  await browser.close();
}
