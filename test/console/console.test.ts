// The console in a real browser (Debian's Chromium) over the real pipeline: a merchant opens a
// portal link, adds an endpoint pointing at a local receiver, sees it listed; a payment paid on
// anvil is delivered, and its delivery appears in the log with its attempts; a second
// merchant's link shows none of it; expired and altered links show a clear page. axe-core runs
// on every page, and every page is photographed under test/results/console/.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createPortalTokens, PortalRole } from '@payhook/api';
import { waitUntil } from '@payhook/testkit';
import type { Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { type Browser, launchBrowser, screenshot, seriousViolations } from './browser.ts';
import { type ConsolePipeline, startConsolePipeline } from './console-pipeline.ts';

const PORTAL_KEY = randomBytes(32);
const PHONE = { width: 375, height: 740 };

let pipeline: ConsolePipeline;
let browser: Browser;
let operator: string;

before(async () => {
  [pipeline, browser] = await Promise.all([
    startConsolePipeline({ PAYHOOK_PORTAL_KEY: PORTAL_KEY.toString('base64') }),
    launchBrowser(),
  ]);
  operator = (await pipeline.api.createKey(['--operator'])).key;
});
after(async () => {
  await browser?.close();
  await pipeline?.close();
});

async function portalLink(merchant: string): Promise<{ url: string; token: string }> {
  const { data, response } = await pipeline.api.client(operator).POST('/v1/merchants/{merchant_id}/portal-links', {
    params: { path: { merchant_id: merchant } },
  });
  assert.equal(response.status, 201);
  assert.ok(data !== undefined);
  return data;
}

/** Waits for the page's heading, checks it with axe-core and photographs it. */
async function checkPage(page: Page, heading: string | RegExp, name: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  await page.getByText('Loading…').waitFor({ state: 'detached' });
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations, null, 2)}`);
  await screenshot(page, name);
}

describe("a merchant's portal", () => {
  let page: Page;
  let link: { url: string; token: string };
  let secret: string;
  let endpointId: string;
  let deliveryId: string;
  let paymentId: string;

  before(async () => {
    link = await portalLink('mer_console_1');
    page = await browser.newPage();
  });

  it('opens from a portal link, with the token out of the address bar', async () => {
    await page.goto(link.url);
    await checkPage(page, 'Endpoints', 'endpoints-empty');
    await page.getByText('No endpoints yet').waitFor();
    assert.ok(!page.url().includes(link.token), page.url());
  });

  it('adds an endpoint from the keyboard; a refused URL shows the API problem next to the field', async () => {
    // Tab from the top of the page to the "Add endpoint" link and follow it.
    await page.locator('body').focus();
    for (let i = 0; i < 10; i += 1) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate('document.activeElement?.textContent?.trim()')) === 'Add endpoint') break;
    }
    await page.keyboard.press('Enter');
    await checkPage(page, 'Add endpoint', 'endpoint-new');

    await page.getByLabel('URL').fill('ftp://127.0.0.1/hooks');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const problem = page.locator('#url-problem');
    await problem.waitFor();
    assert.match((await problem.textContent()) ?? '', /https?/);
    assert.equal(await page.getByLabel('URL').getAttribute('aria-invalid'), 'true');
    await checkPage(page, 'Add endpoint', 'endpoint-new-problem');

    await page.getByLabel('URL').fill(`${pipeline.receiver.url}/shop`);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await checkPage(page, 'Endpoint added', 'endpoint-secret');
    secret = (await page.locator('#secret').textContent()) ?? '';
    assert.match(secret, /^whsec_/);
    assert.ok(((await page.locator('pre code').textContent()) ?? '').includes(secret));

    await page.getByRole('link', { name: 'Back to the endpoints' }).click();
    await checkPage(page, 'Endpoints', 'endpoints');
    const row = page.getByRole('row').filter({ hasText: `${pipeline.receiver.url}/shop` });
    await row.waitFor();
    endpointId = ((await row.locator('.muted').first().textContent()) ?? '').trim();
    assert.match(endpointId, /^ep_/);
  });

  it('shows a delivery in the log, with its attempts, once a payment is paid on chain', async () => {
    const client = pipeline.api.client(link.token);
    const created = await client.POST('/v1/payments', {
      body: {
        chain_id: 31337,
        deposit_address: privateKeyToAccount(generatePrivateKey()).address,
        amount_expected: parseEther('0.25').toString(),
        required_confirmations: 1,
      },
    });
    assert.equal(created.response.status, 201, JSON.stringify(created.error));
    paymentId = created.data?.payment_id ?? '';
    // The scanner and the dispatcher read the intent and the endpoint from their topics.
    await new Promise((r) => setTimeout(r, 1_500));
    await pipeline.chain.sendNative(created.data?.deposit_address as `0x${string}`, parseEther('0.25'));
    await pipeline.chain.mine(1);
    await waitUntil(() => pipeline.receiver.arrivalsAt('/shop').length >= 1, {
      what: 'the webhook',
      timeoutMs: 30_000,
    });
    const arrival = pipeline.receiver.arrivalsAt('/shop')[0];
    assert.ok(arrival !== undefined);
    deliveryId = String(arrival.headers['webhook-id']);
    // The secret the console showed is the one the webhook is signed with.
    new Webhook(secret).verify(arrival.body, {
      'webhook-id': deliveryId,
      'webhook-timestamp': String(arrival.headers['webhook-timestamp']),
      'webhook-signature': String(arrival.headers['webhook-signature']),
    });

    await page.getByRole('link', { name: 'Deliveries' }).click();
    await page.getByRole('heading', { level: 1, name: 'Deliveries' }).waitFor();
    // The log polls: the delivery appears without a reload.
    const row = page.getByRole('row').filter({ hasText: deliveryId });
    await row.waitFor({ timeout: 30_000 });
    await row.getByText('delivered').waitFor({ timeout: 30_000 });
    await checkPage(page, 'Deliveries', 'deliveries');

    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No deliveries').waitFor();
    await page.getByLabel('Status').selectOption('delivered');
    await page.getByLabel('Endpoint').selectOption(endpointId);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('row').filter({ hasText: deliveryId }).waitFor();

    await page.getByRole('link', { name: deliveryId }).click();
    await checkPage(page, `Delivery ${deliveryId}`, 'delivery');
    const attempts = page.getByRole('table', { name: 'Attempts, in the order they were made' }).getByRole('row');
    await attempts.filter({ hasText: 'delivered' }).filter({ hasText: '200' }).waitFor();
    assert.equal(await attempts.count(), 2, 'a header row and one attempt');
    await page.getByText('none scheduled').waitFor();
  });

  it("shows the payment's timeline and the webhook it caused", async () => {
    await page.getByRole('link', { name: paymentId }).click();
    await checkPage(page, `Payment ${paymentId}`, 'payment');
    const timeline = page.locator('ol.timeline > li');
    await timeline
      .filter({ hasText: 'confirmed' })
      .getByRole('link', { name: deliveryId })
      .waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: 'Payments' }).click();
    await checkPage(page, 'Payments', 'payments');
    await page.getByRole('row').filter({ hasText: paymentId }).waitFor();
  });

  it('fits a phone-width screen', async () => {
    const phone = await browser.newPage(PHONE);
    await phone.goto(`${pipeline.api.baseUrl}/console/#token=${link.token}`);
    await checkPage(phone, 'Endpoints', 'endpoints-phone');
    await phone.getByText(`${pipeline.receiver.url}/shop`).waitFor();
    assert.ok(Number(await phone.evaluate('document.documentElement.scrollWidth')) <= PHONE.width);
    await phone.goto(`${pipeline.api.baseUrl}/console/#/deliveries/${deliveryId}`);
    await checkPage(phone, `Delivery ${deliveryId}`, 'delivery-phone');
    assert.ok(Number(await phone.evaluate('document.documentElement.scrollWidth')) <= PHONE.width);
    await phone.close();
  });

  it("another merchant's link shows none of it", async () => {
    const other = await browser.newPage();
    await other.goto((await portalLink('mer_console_2')).url);
    await checkPage(other, 'Endpoints', 'other-merchant-endpoints');
    await other.getByText('No endpoints yet').waitFor();
    await other.getByRole('link', { name: 'Deliveries' }).click();
    await other.getByText('No deliveries').waitFor();
    await other.getByRole('link', { name: 'Payments' }).click();
    await other.getByText('No payments yet').waitFor();
    // Named directly, the first merchant's objects do not exist for it.
    await other.goto(`${pipeline.api.baseUrl}/console/#/deliveries/${deliveryId}`);
    await other.getByRole('alert').filter({ hasText: 'does not exist' }).waitFor();
    await other.goto(`${pipeline.api.baseUrl}/console/#/payments/${paymentId}`);
    await other.getByRole('alert').filter({ hasText: 'does not exist' }).waitFor();
    const text = (await other.locator('body').textContent()) ?? '';
    assert.ok(!text.includes(pipeline.receiver.url), 'no trace of the first merchant');
    await other.close();
  });

  after(async () => {
    await page?.close();
  });
});

describe('a link that no longer works', () => {
  it('shows a clear page when expired', async () => {
    // Signed with the API's key an hour ago, for a minute.
    const past = createPortalTokens(PORTAL_KEY, () => Date.now() - 3_600_000);
    const { token } = past.issue({ role: PortalRole.MERCHANT, merchantId: 'mer_console_1', ttlMs: 60_000 });
    const page = await browser.newPage();
    await page.goto(`${pipeline.api.baseUrl}/console/#token=${token}`);
    await checkPage(page, 'This link has expired', 'link-expired');
    await page.getByText('Ask for a new link').waitFor();
    assert.equal(await page.evaluate('sessionStorage.length'), 0, 'the refused token is forgotten');
    await page.close();
  });

  it('shows a clear page when altered', async () => {
    const { token } = await portalLink('mer_console_1');
    const page = await browser.newPage();
    await page.goto(`${pipeline.api.baseUrl}/console/#token=${token.slice(0, -3)}AAA`);
    await checkPage(page, 'This link is not valid', 'link-altered');
    await page.close();
  });

  it('shows how to get in when opened without a link', async () => {
    const page = await browser.newPage();
    await page.goto(`${pipeline.api.baseUrl}/console`);
    await checkPage(page, 'Open the console from a portal link', 'no-link');
    await page.close();
  });
});

describe('the pages', () => {
  it('raised no JavaScript error', () => {
    assert.deepEqual(browser.errors, []);
  });
});
