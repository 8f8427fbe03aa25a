// Launching Debian's Chromium for the end-to-end tests and the browser benchmark.
// playwright-core never downloads a browser; the flags keep a root, offline, headless
// Chromium quiet and working.

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.FLOWBOOK_CHROMIUM || '/usr/bin/chromium';

export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
