import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/**
 * Profile preferences that keep Firefox off the network: no updates, telemetry, crash or health
 * reports, captive-portal and connectivity probes, safe-browsing lists, remote settings, push,
 * DNS-over-HTTPS, certificate revocation checks or prefetching. The machine's network is closed
 * to the outside; the pages under test are all on loopback.
 */
const OFFLINE_PREFS: Record<string, string | number | boolean> = {
  'app.update.auto': false,
  'app.update.checkInstallTime': false,
  'app.update.disabledForTesting': true,
  'app.normandy.enabled': false,
  'app.normandy.api_url': '',
  'app.shield.optoutstudies.enabled': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.archive.enabled': false,
  'toolkit.telemetry.server': '',
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'breakpad.reportURL': '',
  'browser.crashReports.unsubmittedCheck.enabled': false,
  'browser.tabs.crashReporting.sendReport': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'captivedetect.canonicalURL': '',
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.downloads.remote.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.provider.google.updateURL': '',
  'browser.safebrowsing.provider.google4.updateURL': '',
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'services.settings.server': 'data:,#remote-settings-off',
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.blocklist.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'browser.search.update': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'browser.newtabpage.enabled': false,
  'browser.newtabpage.activity-stream.feeds.telemetry': false,
  'browser.newtabpage.activity-stream.telemetry': false,
  'browser.topsites.contile.enabled': false,
  'browser.ping-centre.telemetry': false,
  'dom.push.enabled': false,
  'dom.push.connection.enabled': false,
  'media.gmp-manager.updateEnabled': false,
  'media.gmp-gmpopenh264.enabled': false,
  'network.trr.mode': 5,
  'security.OCSP.enabled': 0,
  'security.remote_settings.crlite_filters.enabled': false,
  'security.remote_settings.intermediates.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.predictor.enabled': false,
  'network.http.speculative-parallel-limit': 0,
  // The network-change service asks the kernel for its route to a fixed outside address (no
  // packet leaves); loopback answers the same question without naming one.
  'network.netlink.route.check.IPv4': '127.0.0.1',
  'network.netlink.route.check.IPv6': '::1',
  // Nor does it guess at /favicon.ico for pages that name no icon (the console names none).
  'browser.chrome.site_icons': false,
};

/** A headless Firefox with a fresh profile, and what its pages reported. */
export interface Firefox {
  readonly browser: Browser;
  /** Uncaught errors and unhandled rejections, console errors and failed loads of the console's files. */
  readonly errors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** The Firefox binary: `FIREFOX_PATH`, by default Debian's firefox-esr; refused clearly when absent. */
export function firefoxPath(): string {
  const path = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(
      `FIREFOX_PATH: no Firefox to run at ${path} (install Debian's firefox-esr, or set FIREFOX_PATH to a Firefox binary)`,
    );
  }
  return path;
}

/**
 * Starts Firefox from `FIREFOX_PATH` headless over WebDriver BiDi (puppeteer-core), with a
 * throwaway profile kept off the network.
 */
export async function launchFirefox(): Promise<Firefox> {
  const executablePath = firefoxPath();
  const profile = mkdtempSync(join(tmpdir(), 'payhook-firefox-'));
  const browser = await puppeteer
    .launch({
      browser: 'firefox',
      executablePath,
      headless: true,
      userDataDir: profile,
      extraPrefsFirefox: OFFLINE_PREFS,
      // A release build takes services.settings.server (above) only with this set; otherwise it
      // fetches its remote settings from the vendor's server at start.
      env: { ...process.env, MOZ_REMOTE_SETTINGS_DEVTOOLS: '1' },
      defaultViewport: { width: 1200, height: 800 },
    })
    .catch((error: unknown) => {
      rmSync(profile, { recursive: true, force: true });
      throw error;
    });
  const errors: string[] = [];
  return {
    browser,
    errors,
    async newPage() {
      const page = await browser.newPage();
      page.on('pageerror', (error) => errors.push(`page error: ${error instanceof Error ? error.message : error}`));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console error: ${message.text()}`);
      });
      // API answers of 4xx are problems the pages show; a failed load of anything else is an error.
      page.on('response', (response) => {
        const { pathname } = new URL(response.url());
        if (response.status() >= 400 && !pathname.startsWith('/v1/'))
          errors.push(`${response.status()} for ${pathname}`);
      });
      return page;
    },
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
