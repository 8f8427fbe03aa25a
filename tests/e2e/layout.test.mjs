// The page's layout: the notebook is the workspace, and Data, Runs, Compare, Registry and
// MLflow are panels opened beside it from tabs in the top bar, on a 1366×768 laptop and a
// 1920×1080 projector; narrower than a laptop the panel slides over the notebook. The open
// panel is kept across a reload; a tab clicked again, the close button and Escape close it.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './browser.mjs';

const BASE_URL = process.env.FLOWBOOK_URL;
const PANELS = ['data', 'runs', 'compare', 'registry', 'mlflow'];

describe('Layout', () => {
  let browser;
  const pageErrors = [];

  before(async () => {
    assert.ok(BASE_URL, 'set FLOWBOOK_URL to the served app');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  async function open(viewport) {
    const page = await (await browser.newContext({ viewport })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(BASE_URL, { waitUntil: 'load' });
    await page.getByTestId('notebook').waitFor();
    return page;
  }

  const box = (page, testid) => page.getByTestId(testid).boundingBox();

  for (const viewport of [{ width: 1366, height: 768 }, { width: 1920, height: 1080 }]) {
    test(`${viewport.width}×${viewport.height}: each panel opens beside the notebook, which keeps a readable width`, async () => {
      const page = await open(viewport);
      assert.equal(await page.getByTestId('side-panel').isVisible(), false, 'no panel is open at first');
      const alone = await box(page, 'notebook');
      assert.ok(alone.width >= 800, `the notebook alone is ${alone.width} px wide`);
      // Nothing else shares the notebook's column: the datasets, runs and registry are in panels.
      for (const testid of ['runs', 'registry', 'sync-panel', 'server-runs']) {
        assert.equal(await page.getByTestId(testid).isVisible(), false, `${testid} is in a closed panel`);
      }
      for (const key of PANELS) {
        await page.getByTestId(`tab-${key}`).click();
        assert.equal(await page.getByTestId(`tab-${key}`).getAttribute('aria-selected'), 'true');
        for (const other of PANELS) {
          assert.equal(await page.getByTestId(`panel-${other}`).isVisible(), other === key, `${other} while ${key} is open`);
        }
        const [notebook, panel] = [await box(page, 'notebook'), await box(page, 'side-panel')];
        assert.ok(notebook.x + notebook.width <= panel.x, `${key}: the panel is beside the notebook, not over it`);
        assert.ok(panel.x + panel.width <= viewport.width, `${key}: the panel fits the screen`);
        assert.ok(panel.y + panel.height <= viewport.height, `${key}: the panel scrolls inside the screen`);
        assert.ok(notebook.width >= 640, `${key}: the notebook keeps ${notebook.width} px`);
      }
      // The same tab again closes the panel; the notebook takes the width back.
      await page.getByTestId('tab-mlflow').click();
      await page.getByTestId('side-panel').waitFor({ state: 'hidden' });
      assert.equal((await box(page, 'notebook')).width, alone.width);
      await page.context().close();
      assert.deepEqual(pageErrors, []);
    });
  }

  test('the open panel is kept across a reload; the close button and Escape close it', async () => {
    const page = await open({ width: 1366, height: 768 });
    await page.getByTestId('tab-registry').click();
    await page.getByTestId('panel-registry').waitFor();
    await page.reload({ waitUntil: 'load' });
    await page.getByTestId('panel-registry').waitFor();
    await page.getByTestId('close-panel').click();
    await page.getByTestId('side-panel').waitFor({ state: 'hidden' });
    // Escape right after a tab is clicked (the focus is on the tab, in the top bar) and
    // with the focus inside the panel.
    await page.getByTestId('tab-runs').click();
    await page.getByTestId('panel-runs').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('side-panel').waitFor({ state: 'hidden' });
    await page.getByTestId('tab-runs').click();
    await page.getByTestId('runs-filter').focus();
    await page.keyboard.press('Escape');
    await page.getByTestId('side-panel').waitFor({ state: 'hidden' });
    await page.reload({ waitUntil: 'load' });
    await page.getByTestId('notebook').waitFor();
    assert.equal(await page.getByTestId('side-panel').isVisible(), false, 'closed stays closed');
    await page.context().close();
    assert.deepEqual(pageErrors, []);
  });

  test('narrower than a laptop, the panel slides over the notebook and the tabs stay reachable', async () => {
    const page = await open({ width: 1000, height: 760 });
    await page.getByTestId('tab-data').click();
    const panel = await box(page, 'side-panel');
    assert.ok(panel.x + panel.width <= 1000 && panel.width >= 480, `the panel is ${panel.width} px at x ${panel.x}`);
    for (const key of PANELS) assert.ok(await page.getByTestId(`tab-${key}`).isVisible(), `tab ${key}`);
    await page.getByTestId('tab-data').click();
    await page.getByTestId('side-panel').waitFor({ state: 'hidden' });
    await page.context().close();
    assert.deepEqual(pageErrors, []);
  });
});
