// Launching the browser for the end-to-end tests and the browser benchmark.
// playwright-core never downloads a browser: the tests drive Debian's Chromium (over CDP) or
// Debian's Firefox ESR (over WebDriver BiDi, Playwright's "moz-firefox" channel), chosen with
// FLOWBOOK_BROWSER=chromium|firefox. The flags keep a root, offline, headless browser quiet.

import { chromium, firefox } from 'playwright-core';

export const BROWSER = process.env.FLOWBOOK_BROWSER || 'chromium';
export const CHROMIUM = process.env.FLOWBOOK_CHROMIUM || '/usr/bin/chromium';
export const FIREFOX = process.env.FLOWBOOK_FIREFOX || '/usr/bin/firefox-esr';

if (BROWSER !== 'chromium' && BROWSER !== 'firefox') {
  throw new Error(`FLOWBOOK_BROWSER must be chromium or firefox, not ${BROWSER}`);
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

// Firefox's own background traffic (updates, telemetry, safe browsing) would only meet the
// closed network; these preferences turn it off.
const FIREFOX_PREFS = {
  'app.update.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'toolkit.telemetry.enabled': false,
};

function launchOptions(firefoxPrefs = {}) {
  return BROWSER === 'firefox'
    ? { channel: 'moz-firefox', executablePath: FIREFOX, firefoxUserPrefs: { ...FIREFOX_PREFS, ...firefoxPrefs } }
    : { executablePath: CHROMIUM, args: CHROMIUM_ARGS };
}

export function browserType() {
  return BROWSER === 'firefox' ? firefox : chromium;
}

/** Starts the chosen browser, headless; `firefoxPrefs` are added to Firefox's preferences. */
export function launchBrowser(firefoxPrefs = {}) {
  return browserType().launch(launchOptions(firefoxPrefs));
}

/** Starts the chosen browser on a profile directory that outlives it (a browser restart). */
export function launchPersistent(profileDir) {
  return browserType().launchPersistentContext(profileDir, launchOptions());
}
