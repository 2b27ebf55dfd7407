// The console in Firefox (Debian's firefox-esr over WebDriver BiDi, FIREFOX_PATH): a merchant's
// portal link opens the endpoints; the add form shows a refused URL's problem next to the field,
// then adds an endpoint; the endpoint's page sends a test event that is delivered; the deliveries,
// a delivery, the payments and a payment's timeline render; an operator link opens the overview
// and an expired link its page. No page raised a JavaScript error or an unhandled rejection.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitUntil } from '@payhook/testkit';
import type { Page } from 'puppeteer-core';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { type PortalConsole, startPortalConsole } from './console-portal.ts';
import { type Firefox, firefoxPath, launchFirefox } from './firefox.ts';

const MERCHANT = 'mer_firefox_1';

let portal: PortalConsole;
let firefox: Firefox;

before(async () => {
  firefoxPath(); // before anything starts: a missing browser fails the test at once, naming the setting
  [portal, firefox] = await Promise.all([startPortalConsole(), launchFirefox()]);
});
after(async () => {
  await firefox?.close();
  await portal?.close();
});

/** Waits until the page's h1 reads `heading` and nothing is loading any more. */
async function heading(page: Page, heading: string | RegExp): Promise<void> {
  const matches = typeof heading === 'string' ? `t === ${JSON.stringify(heading)}` : `${heading}.test(t)`;
  const shown = "document.querySelector('h1')?.textContent ?? ''";
  await page
    .waitForFunction(`(t => ${matches} && !document.body.textContent.includes('Loading…'))(${shown})`, {
      timeout: 15_000,
    })
    .catch(async (error: unknown) => {
      const text = JSON.stringify(await page.evaluate(shown));
      throw new Error(`waiting for the heading ${heading} (the page shows ${text})`, { cause: error });
    });
}

/** Clicks the first `tag` element whose text contains `text`. */
async function click(page: Page, tag: 'a' | 'button', text: string): Promise<void> {
  await page.locator(`${tag}::-p-text(${JSON.stringify(text)})`).click();
}

describe('the console in Firefox', () => {
  it("shows every page of a merchant's portal", async () => {
    const link = await portal.merchantLink(MERCHANT);
    const client = portal.pipeline.api.client(link.token);
    const payment = await client.POST('/v1/payments', {
      body: {
        chain_id: 31337,
        deposit_address: privateKeyToAccount(generatePrivateKey()).address,
        amount_expected: '1000',
        required_confirmations: 1,
      },
    });
    assert.equal(payment.response.status, 201, JSON.stringify(payment.error));
    const paymentId = payment.data?.payment_id ?? '';
    const page = await firefox.newPage();

    await page.goto(link.url);
    await heading(page, 'Endpoints');
    await click(page, 'a', 'Add endpoint');
    await heading(page, 'Add endpoint');
    await page.locator('#url').fill('ftp://127.0.0.1/hooks');
    await click(page, 'button', 'Add endpoint');
    const problem = await page.waitForSelector('#url-problem');
    assert.match((await problem?.evaluate((e) => e.textContent)) ?? '', /https?/);
    assert.equal(await page.$eval('#url', (e) => e.getAttribute('aria-invalid')), 'true');

    const url = `${portal.pipeline.receiver.url}/firefox`;
    await page.locator('#url').fill(url);
    await click(page, 'button', 'Add endpoint');
    await heading(page, 'Endpoint added');
    await click(page, 'a', 'Back to the endpoints');
    await heading(page, 'Endpoints');
    await click(page, 'a', url);
    await heading(page, /^Endpoint ep_/);
    await click(page, 'button', 'Send test event');
    await page.waitForSelector('.test-watch ::-p-text(delivered)', { timeout: 30_000 });
    const deliveryId = String(portal.pipeline.receiver.arrivalsAt('/firefox')[0]?.headers['webhook-id']);

    await click(page, 'a', 'Deliveries');
    await heading(page, 'Deliveries');
    await click(page, 'a', deliveryId);
    await heading(page, `Delivery ${deliveryId}`);

    await waitUntil(
      async () => (await client.GET('/v1/payments')).data?.data.some((p) => p.payment_id === paymentId) === true,
      { what: 'the payment in the API' },
    );
    await click(page, 'a', 'Payments');
    await heading(page, 'Payments');
    await click(page, 'a', paymentId);
    await heading(page, `Payment ${paymentId}`);
    await page.waitForSelector('::-p-text(Pending: nothing seen on chain yet.)');
    await page.close();
  });

  it('opens the operator view from an operator link', async () => {
    const page = await firefox.newPage();
    await page.goto((await portal.operatorLink()).url);
    await heading(page, 'Overview');
    await page.close();
  });

  it('shows a clear page for an expired link', async () => {
    const page = await firefox.newPage();
    await page.goto(portal.expiredLink(MERCHANT));
    await heading(page, 'This link has expired');
    await page.close();
  });

  it('raised no JavaScript error or unhandled rejection on any page', () => {
    assert.deepEqual(firefox.errors, []);
  });
});
