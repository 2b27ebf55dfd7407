// The whole pipeline on real parts: an on-chain payment becomes a signed webhook that a
// merchant verifies with the public standardwebhooks library, exactly one per endpoint.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createFilterApp, filterEnvSchema } from '@payhook/confirmation-filter';
import { createDispatcherApp, dispatcherEnvSchema } from '@payhook/dispatcher';
import { createLogger, createMetricsRegistry, parseEnv, systemClock } from '@payhook/runtime';
import { waitUntil } from '@payhook/testkit';
import { Webhook } from 'standardwebhooks';
import { parseEther } from 'viem';
import { testEndpoint } from '../dispatcher/fixture.ts';
import { type Receiver, startReceiver } from '../dispatcher/receiver.ts';
import { createScannerFixture, type ScannerFixture } from '../scanner/scanner-fixture.ts';

let fx: ScannerFixture;
let receiver: Receiver;
const stops: (() => Promise<void>)[] = [];
const logger = createLogger({ name: 'e2e', level: process.env.TEST_LOG_LEVEL ?? 'error', destination: process.stderr });

before(async () => {
  receiver = await startReceiver();
  fx = await createScannerFixture();
  await fx.startScanner();
  const env = fx.pipe.serviceEnv();
  const filter = createFilterApp({
    config: parseEnv(filterEnvSchema, { ...env, FILTER_INSTANCE_ID: 'e2e' }),
    logger,
    registry: createMetricsRegistry('confirmation-filter'),
  });
  await filter.start();
  stops.push(() => filter.stop());
  const dispatcher = createDispatcherApp({
    config: parseEnv(dispatcherEnvSchema, {
      ...env,
      DISPATCHER_DEV_ALLOW_LIST: '127.0.0.1',
      DISPATCHER_RETRY_JITTER: '0',
    }),
    logger,
    registry: createMetricsRegistry('dispatcher'),
    clock: systemClock,
  });
  await dispatcher.start();
  stops.push(() => dispatcher.stop());
});
after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await fx.close();
  await receiver.close();
});

it('a native payment on chain arrives as one verified payment.confirmed webhook per subscribed endpoint', async () => {
  const confirmedOnly = testEndpoint({ url: `${receiver.url}/shop`, merchant_id: 'mer_scan' });
  const everything = testEndpoint({
    url: `${receiver.url}/audit`,
    merchant_id: 'mer_scan',
    event_types: ['payment.detected', 'payment.confirmed'],
  });
  await fx.pipe.produce(
    fx.pipe.topics.endpoints,
    'ENDPOINT',
    [confirmedOnly, everything].map((e) => ({ key: e.endpoint_id, value: e })),
  );
  const intent = await fx.createIntent({ amount: parseEther('0.5'), confirmations: 2 });
  await new Promise((r) => setTimeout(r, 1_000));
  const receipt = await fx.chain.sendNative(intent.deposit_address as `0x${string}`, parseEther('0.5'));
  await fx.chain.mine(1);

  await waitUntil(() => receiver.arrivalsAt('/shop').length >= 1 && receiver.arrivalsAt('/audit').length >= 2, {
    what: 'the webhooks',
    timeoutMs: 30_000,
  });
  await fx.chain.mine(3);
  await new Promise((r) => setTimeout(r, 1_500));
  const shop = receiver.arrivalsAt('/shop');
  const audit = receiver.arrivalsAt('/audit');
  assert.equal(shop.length, 1, 'exactly one confirmed webhook');
  assert.deepEqual(
    audit.map((a) => JSON.parse(a.body).type),
    ['payment.detected', 'payment.confirmed'],
  );
  const arrival = shop[0] as NonNullable<(typeof shop)[0]>;
  const headers = {
    'webhook-id': String(arrival.headers['webhook-id']),
    'webhook-timestamp': String(arrival.headers['webhook-timestamp']),
    'webhook-signature': String(arrival.headers['webhook-signature']),
  };
  const payload = new Webhook(confirmedOnly.secrets[0]?.secret as string).verify(arrival.body, headers) as {
    type: string;
    data: { payment_id: string; amount_received: string; tx_hashes: string[]; status: string };
  };
  assert.equal(payload.type, 'payment.confirmed');
  assert.equal(payload.data.payment_id, intent.payment_id);
  assert.equal(payload.data.status, 'confirmed');
  assert.equal(payload.data.amount_received, parseEther('0.5').toString());
  assert.deepEqual(payload.data.tx_hashes, [receipt.transactionHash]);
});
