import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createFilterApp, deliveryId, filterEnvSchema } from '@payhook/confirmation-filter';
import type { Endpoint, PaymentEvent, PaymentStatus, WebhookDelivery } from '@payhook/contracts';
import { createLogger, createMetricsRegistry, parseEnv } from '@payhook/runtime';
import { createPipelineFixture, type PipelineFixture, sampleValues, uniqueName } from '@payhook/testkit';
import { testEndpoint } from '../dispatcher/fixture.ts';

let pipe: PipelineFixture;
type FilterApp = ReturnType<typeof createFilterApp>;
const running: FilterApp[] = [];

async function startFilter(): Promise<FilterApp> {
  const config = parseEnv(filterEnvSchema, { ...pipe.serviceEnv(), FILTER_INSTANCE_ID: 'test' });
  const logger = createLogger({
    name: 'filter-test',
    level: process.env.TEST_LOG_LEVEL ?? 'error',
    destination: process.stderr,
  });
  const app = createFilterApp({ config, logger, registry: createMetricsRegistry('confirmation-filter') });
  await app.start();
  running.push(app);
  return app;
}

function event(paymentId: string, merchantId: string, sequence: number, status: PaymentStatus): PaymentEvent {
  return {
    ...sampleValues.PAYMENT_EVENT,
    event_id: `evt_${paymentId}_${sequence}`,
    payment_id: paymentId,
    merchant_id: merchantId,
    sequence,
    status,
  };
}

async function deliveries(count: number): Promise<WebhookDelivery[]> {
  const records = await pipe.read(pipe.topics.dispatch, count, 20_000);
  return Promise.all(records.map((r) => pipe.codec.decode('WEBHOOK_DELIVERY', r.value)));
}

describe('confirmation filter', () => {
  let merchant: string;
  let confirmedOnly: Endpoint;
  let everything: Endpoint;

  before(async () => {
    pipe = await createPipelineFixture();
    merchant = uniqueName('mer');
    confirmedOnly = testEndpoint({ url: 'https://a.example/hook', merchant_id: merchant });
    everything = testEndpoint({
      url: 'https://b.example/hook',
      merchant_id: merchant,
      event_types: ['payment.detected', 'payment.confirmed', 'payment.reorged'],
    });
    const disabled = testEndpoint({ url: 'https://c.example/hook', merchant_id: merchant, enabled: false });
    const otherMerchant = testEndpoint({ url: 'https://d.example/hook', merchant_id: 'mer_other' });
    await pipe.produce(
      pipe.topics.endpoints,
      'ENDPOINT',
      [confirmedOnly, everything, disabled, otherMerchant].map((e) => ({ key: e.endpoint_id, value: e })),
    );
  });
  after(async () => {
    for (const app of running) await app.stop().catch(() => undefined);
    await pipe.close();
  });

  it('fans out one delivery per enabled subscribed endpoint of the merchant, with the documented body', async () => {
    await startFilter();
    await pipe.produce(pipe.topics.events, 'PAYMENT_EVENT', [
      { key: 'pay_a', value: event('pay_a', merchant, 1, 'DETECTED') },
      { key: 'pay_a', value: event('pay_a', merchant, 2, 'CONFIRMED') },
    ]);
    const out = await deliveries(3);
    const byEndpoint = out
      .map((d) => `${d.endpoint_id === confirmedOnly.endpoint_id ? 'A' : 'B'}:${d.event_type}`)
      .sort();
    assert.deepEqual(byEndpoint, ['A:payment.confirmed', 'B:payment.confirmed', 'B:payment.detected']);
    const confirmed = out.find((d) => d.endpoint_id === confirmedOnly.endpoint_id) as WebhookDelivery;
    assert.equal(confirmed.delivery_id, deliveryId('evt_pay_a_2', confirmedOnly.endpoint_id));
    const body = JSON.parse(confirmed.body);
    assert.equal(body.type, 'payment.confirmed');
    assert.equal(body.id, 'evt_pay_a_2');
    assert.equal(body.data.status, 'confirmed');
    assert.equal(body.data.payment_id, 'pay_a');
    assert.equal(body.data.sequence, 2);
    assert.equal(body.data.amount_received, sampleValues.PAYMENT_EVENT.amount_received);
    for (const key of [
      'merchant_id',
      'address',
      'amount_expected',
      'asset',
      'chain_id',
      'tx_hashes',
      'block_number',
      'confirmations',
    ]) {
      assert.ok(key in body.data, key);
    }
  });

  it('an event seen before produces nothing new; a restart mid-stream neither loses nor repeats output', async () => {
    await pipe.produce(pipe.topics.events, 'PAYMENT_EVENT', [
      { key: 'pay_a', value: event('pay_a', merchant, 2, 'CONFIRMED') },
    ]);
    const [first] = running.splice(0, 1);
    await new Promise((r) => setTimeout(r, 1_500));
    await first?.stop();
    const events = Array.from({ length: 40 }, (_, i) => ({
      key: `pay_${i}`,
      value: event(`pay_${i}`, merchant, 1, 'CONFIRMED'),
    }));
    await pipe.produce(pipe.topics.events, 'PAYMENT_EVENT', events.slice(0, 20));
    await startFilter();
    await pipe.produce(pipe.topics.events, 'PAYMENT_EVENT', events.slice(20));
    const out = await deliveries(3 + 80);
    await new Promise((r) => setTimeout(r, 1_500));
    const settled = await deliveries(3 + 80);
    assert.equal(settled.length, 83, 'exactly the expected deliveries, no duplicates');
    assert.equal(new Set(out.map((d) => d.delivery_id)).size, 83);
  });
});

describe('confirmation filter, a backlog larger than one send', () => {
  // One partition each way: a fetch of about 1 MiB of events fans out to twice as many delivery
  // records on one dispatch partition, several MiB in one transaction. The broker refuses a
  // partition's share of a send above its message.max.bytes (1 MiB), so the filter splits the
  // transaction's writes; in one send, the transaction failed and the batch was retried for ever.
  const EVENTS = 6_000;
  let backlog: PipelineFixture;
  let app: FilterApp | undefined;

  before(async () => {
    backlog = await createPipelineFixture({ partitions: 1 });
  });
  after(async () => {
    await app?.stop().catch(() => undefined);
    await backlog?.close();
  });

  it('writes every delivery of a backlog whose batch passes 1 MiB on one partition', async () => {
    const merchant = uniqueName('mer');
    const endpoints = ['https://a.example/hook', 'https://b.example/hook'].map((url) =>
      testEndpoint({ url, merchant_id: merchant }),
    );
    await backlog.produce(
      backlog.topics.endpoints,
      'ENDPOINT',
      endpoints.map((e) => ({ key: e.endpoint_id, value: e })),
    );
    const events = Array.from({ length: EVENTS }, (_, i) => ({
      key: `pay_${i}`,
      value: event(`pay_${i}`, merchant, 1, 'CONFIRMED'),
    }));
    for (let i = 0; i < events.length; i += 1_000) {
      await backlog.produce(backlog.topics.events, 'PAYMENT_EVENT', events.slice(i, i + 1_000));
    }
    const config = parseEnv(filterEnvSchema, { ...backlog.serviceEnv(), FILTER_INSTANCE_ID: 'backlog' });
    const logger = createLogger({ name: 'filter-test', level: process.env.TEST_LOG_LEVEL ?? 'error' });
    app = createFilterApp({ config, logger, registry: createMetricsRegistry('confirmation-filter') });
    await app.start();
    const out = await backlog.read(backlog.topics.dispatch, 2 * EVENTS, 120_000);
    assert.equal(out.length, 2 * EVENTS);
    const ids = await Promise.all(
      out.map(async (r) => (await backlog.codec.decode('WEBHOOK_DELIVERY', r.value)).delivery_id),
    );
    assert.equal(new Set(ids).size, 2 * EVENTS, 'each delivery once');
  });
});
