import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

// Debian's chromium, driven by playwright-core (browsers are not downloaded). Background
// services are switched off: the machine's network is closed and they would only wait on it.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const consoleDir = fileURLToPath(new URL('../../services/console/', import.meta.url));
/** Screenshots of every page a test visits, for people to look at (ignored by git). */
export const RESULTS_DIR = fileURLToPath(new URL('../results/console/', import.meta.url));

/**
 * Builds the console from its sources into a fresh directory, so a test never serves a stale
 * build (nor replaces the one in services/console/dist while the API serves it).
 */
export async function buildConsole(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'payhook-console-'));
  const bin = fileURLToPath(new URL('../../node_modules/.bin/vite', import.meta.url));
  await promisify(execFile)(bin, ['build', '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: consoleDir,
  });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A headless Chromium with a fresh profile, and what its pages reported. */
export interface Browser {
  readonly context: BrowserContext;
  /** Uncaught errors, console errors and failed loads of the console's files, in every page. */
  readonly errors: string[];
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/** Starts Chromium from `CHROMIUM_PATH` (default /usr/bin/chromium) with a throwaway profile. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'payhook-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1200, height: 800 },
  });
  const errors: string[] = [];
  context.on('weberror', (error) => errors.push(`page error: ${error.error().message}`));
  // The browser logs every API answer of 4xx as a failed load: the pages show those problems, so
  // they are left out; a failed load of anything else (the console's own files) is an error.
  context.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      errors.push(message.text());
  });
  context.on('response', (response) => {
    const { pathname } = new URL(response.url());
    if (response.status() >= 400 && !pathname.startsWith('/v1/')) errors.push(`${response.status()} for ${pathname}`);
  });
  return {
    context,
    errors,
    async newPage(viewport) {
      const page = await context.newPage();
      if (viewport !== undefined) await page.setViewportSize(viewport);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One axe-core finding. */
export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}

/**
 * Runs axe-core in the page (evaluated through the debugging protocol, so the console's
 * Content-Security-Policy stays in force) and returns the serious and critical violations.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run()).violations as {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: string[] }[];
    }[];
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.flatMap((n) => n.target) }));
}

/** Saves a full-page screenshot as test/results/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  await page.screenshot({ path: join(RESULTS_DIR, `${name}.png`), fullPage: true });
}
