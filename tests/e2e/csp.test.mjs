// The page's Content-Security-Policy (scripts/csp.py, a Trunk hook) in a real browser:
// the whole default notebook runs under it without one violation, a script slipped into
// the page does not run, and a Markdown image from another host loads only once the
// reader allows it (before that, its host never hears of the page).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { cell, cellValRmse, reference } from './app_page.mjs';
import { launchBrowser } from './browser.mjs';

// A 1×1 PNG.
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

describe('Content-Security-Policy and images from other hosts', () => {
  let browser;
  let page;
  let imageHost;
  const imageRequests = [];
  const pageErrors = [];

  before(async () => {
    imageHost = createServer((req, res) => {
      imageRequests.push(req.url);
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(PIXEL);
    });
    await new Promise((ready) => imageHost.listen(0, '127.0.0.1', ready));
    browser = await launchBrowser();
    const context = await browser.newContext();
    // Every violation the page reports, from its first script on.
    await context.addInitScript(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    const page0 = await context.newPage();
    page0.on('pageerror', (error) => pageErrors.push(error.message));
    await page0.goto(process.env.FLOWBOOK_URL, { waitUntil: 'load' });
    page = page0;
  });

  after(async () => {
    await browser?.close();
    imageHost?.close();
  });

  test('the default notebook runs under the policy without a violation', async () => {
    const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.match(policy, /script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
    assert.match(policy, /object-src 'none'/);
    await page.locator('[data-testid="cell"]').first().waitFor({ timeout: 120_000 });
    await page.getByTestId('run-all').click();
    const got = await cellValRmse(page);
    assert.ok(Math.abs(got - reference('PU_DO', 'ols').val_rmse) <= 1e-3, `val ${got}`);
    assert.deepEqual(await page.evaluate(() => window.__violations), []);
    assert.deepEqual(pageErrors, []);
  });

  test('a script slipped into the page does not run', async () => {
    const ran = await page.evaluate(async () => {
      const script = document.createElement('script');
      script.textContent = 'window.__slipped = true;';
      document.body.append(script);
      await new Promise((r) => setTimeout(r, 100));
      return window.__slipped === true;
    });
    assert.equal(ran, false);
    const violations = await page.evaluate(() => window.__violations.splice(0));
    assert.ok(violations.some((v) => v.startsWith('script-src')), violations.join('; '));
  });

  test("a Markdown image from another host waits for the reader's leave", async () => {
    const host = `127.0.0.1:${imageHost.address().port}`;
    const note = cell(page, 'markdown');
    await note.getByTestId('markdown-edit').click();
    const source = note.getByTestId('markdown-source');
    await source.fill(`# Zones\n\n![zone map](http://${host}/zones.png?reader=1)`);
    await source.blur();
    await note.getByTestId('markdown-edit').click();
    const held = note.getByTestId('blocked-image');
    await held.waitFor();
    assert.equal(await held.getAttribute('data-host'), host);
    assert.match(await held.textContent(), /zone map/);
    assert.match(await note.getByTestId('blocked-images').textContent(), new RegExp(`Images from ${host} are not loaded`));
    assert.equal(await note.locator('img').count(), 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(imageRequests, [], 'the host heard nothing yet');

    await note.getByTestId('show-images').click();
    const image = note.locator(`img[src="http://${host}/zones.png?reader=1"]`);
    await image.waitFor();
    await page.waitForFunction((el) => el.complete && el.naturalWidth === 1, await image.elementHandle());
    assert.deepEqual(imageRequests, ['/zones.png?reader=1']);
    assert.equal(await note.getByTestId('blocked-images').count(), 0);
    assert.deepEqual(await page.evaluate(() => window.__violations), []);
  });
});
