// The console in a real browser (Debian's Chromium) over the real pipeline: a merchant opens a
// portal link, adds an endpoint pointing at a local receiver, sees it listed; a payment paid on
// anvil shows up confirmed with its webhook on the open payment page, the delivery in the log
// with its attempts, and a resend arrives with the same webhook-id; a test event sent from the
// endpoint's page is watched until delivered; settings, rotation, disable/enable work; a second
// merchant's link shows none of it; an endpoint answering 500 shows its open breaker from the
// API's health; the operator view shows latency percentiles and consumer lag; expired and
// altered links show a clear page. axe-core runs on every page, and every page is photographed
// under test/results/console/.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitUntil } from '@payhook/testkit';
import type { Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { Arrival } from '../dispatcher/receiver.ts';
import { type Browser, launchBrowser, screenshot, seriousViolations } from './browser.ts';
import type { ConsolePipeline } from './console-pipeline.ts';
import { type PortalConsole, startPortalConsole } from './console-portal.ts';

const PHONE = { width: 375, height: 740 };

let portal: PortalConsole;
let pipeline: ConsolePipeline;
let browser: Browser;
let operator: string;

before(async () => {
  [portal, browser] = await Promise.all([startPortalConsole(), launchBrowser()]);
  ({ pipeline, operator } = portal);
});
after(async () => {
  await browser?.close();
  await portal?.close();
});

async function endpointNow(endpointId: string) {
  const { data } = await pipeline.api
    .client(operator)
    .GET('/v1/endpoints/{endpoint_id}', { params: { path: { endpoint_id: endpointId } } });
  return data;
}

/** Checks a webhook's signature with the public standardwebhooks library; returns its body. */
function verify(secret: string, arrival: Arrival): unknown {
  return new Webhook(secret).verify(arrival.body, {
    'webhook-id': String(arrival.headers['webhook-id']),
    'webhook-timestamp': String(arrival.headers['webhook-timestamp']),
    'webhook-signature': String(arrival.headers['webhook-signature']),
  });
}

/**
 * A test delivery to a new endpoint of the bearer's merchant at `path`, answered 500 until it is
 * in the DLQ (three attempts: dispatch and two tiers, below the breaker's five); then `path`
 * answers 200.
 */
async function deadLetter(bearer: string, path: string): Promise<{ endpointId: string; deliveryId: string }> {
  const client = pipeline.api.client(bearer);
  pipeline.receiver.program(path, [{ status: 500 }]);
  const created = await client.POST('/v1/endpoints', {
    body: { url: `${pipeline.receiver.url}${path}`, merchant_id: bearer === operator ? 'mer_console_1' : undefined },
  });
  assert.equal(created.response.status, 201, JSON.stringify(created.error));
  const endpointId = created.data?.endpoint_id ?? '';
  await waitUntil(async () => (await endpointNow(endpointId)) !== undefined, { what: 'the endpoint in the API' });
  const test = await client.POST('/v1/endpoints/{endpoint_id}/test', { params: { path: { endpoint_id: endpointId } } });
  const deliveryId = test.data?.delivery_id ?? '';
  await waitUntil(
    async () =>
      (await client.GET('/v1/deliveries/{delivery_id}', { params: { path: { delivery_id: deliveryId } } })).data
        ?.status === 'failed',
    { what: 'the delivery in the DLQ', timeoutMs: 60_000 },
  );
  pipeline.receiver.program(path, [{ status: 200 }]);
  return { endpointId, deliveryId };
}

/** Counts one failed delivery with a dry run (nothing sent), confirms, and sees it arrive with its webhook-id. */
async function recoverOne(page: Page, path: string, deliveryId: string, name: string): Promise<void> {
  const before = pipeline.receiver.arrivalsAt(path).length;
  await page.getByRole('button', { name: 'Count them (dry run)' }).click();
  await page.getByText('1 failed delivery in this window.').waitFor({ timeout: 30_000 });
  await screenshot(page, name);
  assert.equal(pipeline.receiver.arrivalsAt(path).length, before, 'the dry run sent nothing');
  await page.getByRole('button', { name: 'Send it again' }).click();
  await page.getByText('Sent 1 again').waitFor({ timeout: 30_000 });
  await waitUntil(() => pipeline.receiver.arrivalsAt(path).length > before, {
    what: 'the recovered webhook',
    timeoutMs: 30_000,
  });
  assert.equal(pipeline.receiver.arrivalsAt(path)[before]?.headers['webhook-id'], deliveryId);
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
    link = await portal.merchantLink('mer_console_1');
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
    await page.getByLabel('Description').fill('Shop checkout');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await checkPage(page, 'Endpoint added', 'endpoint-secret');
    secret = (await page.locator('#secret').textContent()) ?? '';
    assert.match(secret, /^whsec_/);
    assert.ok(((await page.locator('pre code').textContent()) ?? '').includes(secret));

    await page.getByRole('link', { name: 'Back to the endpoints' }).click();
    await checkPage(page, 'Endpoints', 'endpoints');
    const row = page.getByRole('row').filter({ hasText: `${pipeline.receiver.url}/shop` });
    await row.getByText('Shop checkout').waitFor();
    endpointId = ((await row.locator('.muted').first().textContent()) ?? '').trim();
    assert.match(endpointId, /^ep_/);
  });

  it('shows a payment paid on chain, its timeline and webhook without a reload, in the log with its attempts', async () => {
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
    // The payment's page is open before the payment is made: what follows arrives without a reload.
    await page.evaluate(`location.hash = '#/payments/${paymentId}'`);
    await checkPage(page, `Payment ${paymentId}`, 'payment-pending');
    await page.getByText('Pending: nothing seen on chain yet.').waitFor();
    // The scanner and the dispatcher read the intent and the endpoint from their topics.
    await new Promise((r) => setTimeout(r, 1_500));
    await pipeline.chain.sendNative(created.data?.deposit_address as `0x${string}`, parseEther('0.25'));
    await pipeline.chain.mine(1);
    await waitUntil(() => pipeline.receiver.arrivalsAt('/shop').length >= 1, {
      what: 'the webhook',
      timeoutMs: 30_000,
    });
    const arrival = pipeline.receiver.arrivalsAt('/shop')[0] as Arrival;
    deliveryId = String(arrival.headers['webhook-id']);
    // The secret the console showed is the one the webhook is signed with.
    verify(secret, arrival);
    const confirmed = page.locator('ol.timeline > li').filter({ hasText: 'confirmed' });
    await confirmed.getByRole('link', { name: deliveryId }).waitFor({ timeout: 30_000 });
    await confirmed.getByText('delivered').waitFor({ timeout: 30_000 });
    await checkPage(page, `Payment ${paymentId}`, 'payment');

    await page.getByRole('link', { name: 'Deliveries' }).click();
    await page.getByRole('row').filter({ hasText: deliveryId }).getByText('delivered').waitFor();
    await checkPage(page, 'Deliveries', 'deliveries');
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No deliveries').waitFor();
    await page.getByLabel('Status').selectOption('delivered');
    // Created from an hour ahead (in the browser's time zone): none yet.
    const later = String(
      await page.evaluate(
        '(() => { const d = new Date(Date.now() + 3600e3); d.setMinutes(d.getMinutes() - d.getTimezoneOffset()); return d.toISOString().slice(0, 16); })()',
      ),
    );
    await page.getByLabel('Created from').fill(later);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No deliveries').waitFor();
    await page.getByLabel('Created from').fill('');
    await page.getByLabel('Endpoint').selectOption(endpointId);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('row').filter({ hasText: deliveryId }).waitFor();

    await page.getByRole('link', { name: deliveryId }).click();
    await checkPage(page, `Delivery ${deliveryId}`, 'delivery');
    const attempts = page.getByRole('table', { name: 'Attempts, in the order they were made' }).getByRole('row');
    await attempts.filter({ hasText: 'delivered' }).filter({ hasText: '200' }).waitFor();
    assert.equal(await attempts.count(), 2, 'a header row and one attempt');
    await page.getByText('none scheduled').waitFor();
    // The start of the receiver's answer, and the body exactly as the receiver got it.
    assert.equal(await page.locator('code.excerpt').first().textContent(), 'ok');
    const shown = (await page.getByTestId('delivery-body').textContent()) ?? '';
    const arrived = pipeline.receiver.arrivalsAt('/shop')[0]?.body ?? '';
    assert.deepEqual(JSON.parse(shown), JSON.parse(arrived));

    await page.getByRole('button', { name: 'Resend' }).click();
    await page.getByText('Sent again').waitFor();
    await waitUntil(() => pipeline.receiver.arrivalsAt('/shop').length >= 2, { what: 'the resent webhook' });
    assert.equal(pipeline.receiver.arrivalsAt('/shop')[1]?.headers['webhook-id'], deliveryId);
  });

  it('lists the payment and links its timeline', async () => {
    await page.getByRole('link', { name: 'Payments' }).click();
    await checkPage(page, 'Payments', 'payments');
    await page.getByRole('row').filter({ hasText: paymentId }).getByText('confirmed').waitFor();
    await page.getByRole('link', { name: paymentId }).click();
    await page.getByRole('heading', { level: 1, name: `Payment ${paymentId}` }).waitFor();
  });

  it('sends a test event and watches it arrive, changes settings, rotates the secret, disables and enables', async () => {
    await page.getByRole('link', { name: 'Endpoints' }).click();
    await page.getByRole('link', { name: `${pipeline.receiver.url}/shop` }).click();
    await checkPage(page, `Endpoint ${endpointId}`, 'endpoint');

    const before = pipeline.receiver.arrivalsAt('/shop').length;
    const watched: string[] = [];
    const watch = (request: { url(): string }) => {
      if (/\/v1\/deliveries\/[^/?]+$/.test(request.url())) watched.push(request.url());
    };
    page.on('request', watch);
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.locator('.test-watch').getByText('delivered').waitFor({ timeout: 30_000 });
    const test = pipeline.receiver.arrivalsAt('/shop')[before] as Arrival;
    assert.equal((verify(secret, test) as { type: string }).type, 'webhook.test');
    await screenshot(page, 'endpoint-test-delivered');
    // Once delivered, the watch stops asking (it polled every second before).
    const asked = watched.length;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    page.off('request', watch);
    assert.ok(asked > 0, 'the watch asked for the delivery');
    assert.equal(watched.length, asked, 'no request for a delivered test event');

    await page.getByLabel('Timeout (ms)').fill('5');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('#timeout_ms-problem').waitFor();
    await checkPage(page, `Endpoint ${endpointId}`, 'endpoint-settings-problem');
    await page.getByLabel('Timeout (ms)').fill('5000');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.').waitFor();
    await waitUntil(async () => (await endpointNow(endpointId))?.timeout_ms === 5000, { what: 'the timeout saved' });

    await page.getByLabel('Overlap').fill('1h');
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('button', { name: 'Copy secret' }).waitFor();
    const rotated = (await page.locator('#secret').textContent()) ?? '';
    assert.match(rotated, /^whsec_/);
    assert.notEqual(rotated, secret);
    await checkPage(page, `Endpoint ${endpointId}`, 'endpoint-rotated');

    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    assert.equal((await endpointNow(endpointId))?.enabled, false);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('button', { name: 'Disable' }).waitFor();
    assert.equal((await endpointNow(endpointId))?.enabled, true);

    // After the rotation, a test event verifies with the new secret.
    const count = pipeline.receiver.arrivalsAt('/shop').length;
    await page.getByRole('button', { name: 'Send test event' }).click();
    await waitUntil(() => pipeline.receiver.arrivalsAt('/shop').length > count, { what: 'the second test event' });
    verify(rotated, pipeline.receiver.arrivalsAt('/shop')[count] as Arrival);
  });

  it("recovers an endpoint's failed deliveries after a dry-run count, with their original webhook-ids", async () => {
    const failed = await deadLetter(link.token, '/failing');
    await page.evaluate(`location.hash = '#/endpoints/${failed.endpointId}'`);
    await checkPage(page, `Endpoint ${failed.endpointId}`, 'endpoint-recover');
    await recoverOne(page, '/failing', failed.deliveryId, 'endpoint-recover-counted');
  });

  it('deletes an endpoint after a confirmation', async () => {
    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('group', { name: /Delete this endpoint for good/ }).waitFor();
    await page.getByRole('button', { name: 'Keep it' }).click();
    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('button', { name: 'Delete endpoint' }).click();
    await checkPage(page, 'Endpoint deleted', 'endpoint-deleted');
    await page.getByRole('link', { name: 'Back to the endpoints' }).click();
    await page.getByRole('link', { name: `${pipeline.receiver.url}/shop` }).waitFor();
    // The list refreshes while open: the deleted endpoint leaves it.
    await page
      .getByRole('link', { name: `${pipeline.receiver.url}/failing`, exact: true })
      .waitFor({ state: 'detached' });
  });

  it('shows the API health: an endpoint answering 500 until its breaker opens has the circuit-open badge, a healthy one its share delivered', async () => {
    const client = pipeline.api.client(link.token);
    const url = `${pipeline.receiver.url}/breaking`;
    pipeline.receiver.program('/breaking', [{ status: 500 }]);
    const created = await client.POST('/v1/endpoints', { body: { url } });
    assert.equal(created.response.status, 201, JSON.stringify(created.error));
    const id = created.data?.endpoint_id ?? '';
    const path = { params: { path: { endpoint_id: id } } };
    // The breaker's five failures (the dispatcher's default), then one more delivery, held on it.
    for (let i = 0; i < 5; i += 1) await client.POST('/v1/endpoints/{endpoint_id}/test', path);
    await waitUntil(() => pipeline.receiver.arrivalsAt('/breaking').length >= 5, {
      what: 'five failed requests',
      timeoutMs: 60_000,
    });
    await client.POST('/v1/endpoints/{endpoint_id}/test', path);
    await waitUntil(async () => (await endpointNow(id))?.health.circuit_open === true, {
      what: 'the breaker open in the API',
      timeoutMs: 30_000,
    });

    await page.evaluate(`location.hash = '#/endpoints'`);
    await checkPage(page, 'Endpoints', 'endpoints-health');
    const breaking = page.getByRole('row').filter({ hasText: url });
    await breaking.getByText('circuit open').waitFor({ timeout: 15_000 });
    await breaking.getByText(/^0 %/).waitFor();
    const shop = page.getByRole('row').filter({ hasText: `${pipeline.receiver.url}/shop` });
    await shop.getByText(/^100 %/).waitFor();
    await screenshot(page, 'endpoints-circuit-open');

    await page.evaluate(`location.hash = '#/endpoints/${id}'`);
    await checkPage(page, `Endpoint ${id}`, 'endpoint-circuit-open');
    const health = page.getByRole('region', { name: 'Health (last 24 h)' });
    await health.getByText('circuit open').waitFor({ timeout: 15_000 });
    await health.getByText('until').waitFor();
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
    await other.goto((await portal.merchantLink('mer_console_2')).url);
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

describe('the operator view', () => {
  it('shows every merchant, deliveries per minute, and the DLQ by reason and endpoint, recovered after a dry run', async () => {
    const failed = await deadLetter(operator, '/failing-again');
    const page = await browser.newPage();
    await page.goto((await portal.operatorLink()).url);
    await checkPage(page, 'Overview', 'operator-overview');
    await page.getByRole('img', { name: /Deliveries per minute/ }).waitFor();
    await page.getByRole('img', { name: /Request latency percentiles/ }).waitFor();
    for (const group of ['Confirmation filter', 'Dispatcher']) {
      const lag = page.getByRole('region', { name: group });
      await lag.getByText(/records behind/).waitFor();
      await lag.getByRole('table', { name: `${group} lag per topic` }).waitFor();
    }
    await page.getByRole('row').filter({ hasText: 'mer_console_1' }).waitFor();

    await page.getByRole('link', { name: 'Dead letters', exact: true }).click();
    const group = page.getByRole('row').filter({ hasText: failed.endpointId });
    await group.waitFor();
    await checkPage(page, 'Dead letters', 'operator-dead-letters');
    await group.getByRole('button', { name: /Recover/ }).click();
    await page.getByRole('heading', { name: `Recover failed deliveries of ${failed.endpointId}` }).waitFor();
    await recoverOne(page, '/failing-again', failed.deliveryId, 'operator-recover-counted');
    await page.close();
  });
});

describe('a link that no longer works', () => {
  it('shows a clear page when expired', async () => {
    const page = await browser.newPage();
    await page.goto(portal.expiredLink('mer_console_1'));
    await checkPage(page, 'This link has expired', 'link-expired');
    await page.getByText('Ask for a new link').waitFor();
    assert.equal(await page.evaluate('sessionStorage.length'), 0, 'the refused token is forgotten');
    await page.close();
  });

  it('shows a clear page when altered', async () => {
    const { token } = await portal.merchantLink('mer_console_1');
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
