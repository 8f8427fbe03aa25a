// Opens the served app at /?bench in headless Chromium, waits for the engine's benchmark
// (the same code as `flowbook bench`) and prints its JSON on stdout.
//
//   node tests/bench/browser_bench.mjs          # /?bench: decode and training timings
//   node tests/bench/browser_bench.mjs large    # /?bench=large: load dist/data/large.parquet
//
// In `large` mode the JSON also carries Chrome's own figures for the page, read over the
// DevTools protocol after the load (Performance.getMetrics: JSHeapUsedSize and
// JSHeapTotalSize, the JS heap, which does not include the wasm linear memory).

import { launchBrowser } from '../e2e/browser.mjs';

const mode = process.argv[2] || 'default';
if (!['default', 'large'].includes(mode)) {
  throw new Error(`unknown mode ${mode}: use large or nothing`);
}
const query = mode === 'large' ? '?bench=large' : '?bench';
const url = new URL(query, process.env.FLOWBOOK_URL).toString();
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  const cdp = mode === 'large' ? await page.context().newCDPSession(page) : null;
  if (cdp) await cdp.send('Performance.enable');
  await page.goto(url, { waitUntil: 'load' });
  const result = page.getByTestId('bench-result').or(page.getByTestId('bench-error'));
  await result.waitFor({ timeout: 300_000 });
  if ((await result.getAttribute('data-testid')) === 'bench-error') {
    throw new Error(`browser benchmark failed: ${await result.textContent()}`);
  }
  const text = await result.textContent();
  if (cdp) {
    const report = JSON.parse(text);
    const { metrics } = await cdp.send('Performance.getMetrics');
    const wanted = ['JSHeapUsedSize', 'JSHeapTotalSize'];
    report.chrome_metrics = Object.fromEntries(
      metrics.filter((m) => wanted.includes(m.name)).map((m) => [m.name, m.value]),
    );
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    process.stdout.write(`${text}\n`);
  }
} finally {
  await browser.close();
}
