// The retry path as a hostile merchant would use it: a Retry-After of an hour, an endpoint
// that is down for longer than the short tiers add up to, 429s by the dozen. Other endpoints'
// retries keep their pace, nothing waits in a tier longer than that tier's delay, and an
// open breaker makes deliveries wait instead of sending them to the DLQ untried.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveryAttempt, Endpoint } from '@payhook/contracts';
import { DeliveryHeader } from '@payhook/dispatcher';
import { waitUntil } from '@payhook/testkit';
import type { KafkaMessage } from 'kafkajs';
import { createDispatcherFixture, type DispatcherFixture, header } from './fixture.ts';
import { type Receiver, startReceiver } from './receiver.ts';

const TIERS = '1s,2s,4s';
/** The test dispatchers run without jitter: a record is due at most its tier's delay after its write. */
const tierDelayMs = (label: string) => ({ '1s': 1_000, '2s': 2_000, '4s': 4_000 })[label] ?? Number.NaN;

/** Every record a topic holds now (the dispatcher writes these topics without transactions). */
async function readAll(fx: DispatcherFixture, topic: string): Promise<KafkaMessage[]> {
  const admin = fx.kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    return total === 0 ? [] : await fx.read(topic, total);
  } finally {
    await admin.disconnect();
  }
}

/** Every record of every tier. */
async function tierRecords(fx: DispatcherFixture): Promise<KafkaMessage[]> {
  const all: KafkaMessage[] = [];
  for (const tier of fx.topics.retry) all.push(...(await readAll(fx, tier.topic)));
  return all;
}

/** The attempts-log records of an endpoint, once there are at least `count`. */
async function attemptsOf(fx: DispatcherFixture, endpoint: Endpoint, count: number): Promise<DeliveryAttempt[]> {
  let mine: DeliveryAttempt[] = [];
  await waitUntil(
    async () => {
      const records = await readAll(fx, fx.topics.attempts);
      const decoded = await Promise.all(records.map((m) => fx.codec.decode('DELIVERY_ATTEMPT', m.value)));
      mine = decoded
        .filter((a) => a.endpoint_id === endpoint.endpoint_id)
        .sort((a, b) => a.attempted_at - b.attempted_at);
      return mine.length >= count;
    },
    { what: `${count} attempts-log records of ${endpoint.endpoint_id}`, timeoutMs: 20_000, intervalMs: 500 },
  );
  return mine;
}

describe('retry isolation: a Retry-After of an hour', () => {
  let fx: DispatcherFixture;
  let receiver: Receiver;

  before(async () => {
    receiver = await startReceiver();
    // One partition: the hostile endpoint shares every tier partition with the others.
    fx = await createDispatcherFixture({ tiers: TIERS, partitions: 1 });
    await fx.startDispatcher();
  });
  after(async () => {
    await fx.close();
    await receiver.close();
  });

  it('holds only its own endpoint: the others retry on time, and no tier record is due past its tier', async () => {
    receiver.program('/hostile', [{ status: 429, headers: { 'retry-after': '3600' } }, { status: 200 }]);
    const hostile = await fx.addEndpoint({ url: `${receiver.url}/hostile` });
    const others: Endpoint[] = [];
    for (let i = 0; i < 11; i++) {
      receiver.program(`/other-${i}`, [{ status: 500 }, { status: 200 }]);
      others.push(await fx.addEndpoint({ url: `${receiver.url}/other-${i}` }));
    }
    // The hostile endpoint's records come first on the partition, then everyone else's.
    const first = await fx.dispatch(hostile);
    await waitUntil(() => receiver.arrivalsAt('/hostile').length === 1, { what: 'the 429' });
    await fx.dispatchMany([hostile, hostile], 2);
    await fx.dispatchMany(others, others.length);

    // Every other endpoint gets its retry from the first tier, not an hour later.
    await waitUntil(() => others.every((_, i) => receiver.arrivalsAt(`/other-${i}`).length === 2), {
      what: "every other endpoint's retry",
      timeoutMs: 20_000,
    });
    assert.equal(receiver.arrivalsAt('/hostile').length, 1, 'nothing is sent to an endpoint before its Retry-After');

    // The invariant: a record in a tier is never due later than its write time plus the tier's delay.
    const inTiers = await tierRecords(fx);
    assert.ok(inTiers.length >= 11 + 1, `${inTiers.length} tier records`);
    for (const record of inTiers) {
      const tier = header(record, DeliveryHeader.TIER) ?? '';
      const dueIn = Number(header(record, DeliveryHeader.DUE_AT)) - Number(record.timestamp);
      assert.ok(dueIn <= tierDelayMs(tier), `a record in tier ${tier} is due ${dueIn} ms after its write`);
    }

    // The hostile endpoint's records wait without a request and without spending attempts.
    const logged = await attemptsOf(fx, hostile, 3);
    const throttled = logged.find((a) => a.delivery_id === first.delivery_id && a.attempt === 1);
    assert.equal(throttled?.outcome, 'RETRY_SCHEDULED');
    assert.equal(throttled?.status_code, 429);
    const held = logged.filter((a) => a.outcome === 'HELD');
    assert.ok(held.length >= 2, 'the records behind the 429 are held');
    for (const h of held) {
      assert.equal(h.error_class, 'retry_after');
      assert.equal(h.status_code, null);
      assert.equal(h.attempt, h.delivery_id === first.delivery_id ? 1 : 0, 'a hold spends no attempt');
    }
    assert.equal((await readAll(fx, fx.topics.dlq)).length, 0, 'waiting never dead-letters');
  });

  it('a record due later than its tier allows (written by an older version) holds its partition back only that long', async () => {
    receiver.program('/late', [{ status: 200 }]);
    receiver.program('/behind', [{ status: 200 }]);
    const late = await fx.addEndpoint({ url: `${receiver.url}/late` });
    const behind = await fx.addEndpoint({ url: `${receiver.url}/behind` });
    const tier = fx.topics.retry[0];
    assert.ok(tier);
    const now = Date.now();
    const encode = (endpoint: Endpoint) =>
      fx.codec.encode(tier.topic, 'WEBHOOK_DELIVERY', {
        delivery_id: `msg_${endpoint.endpoint_id}`,
        event_id: `evt_${endpoint.endpoint_id}`,
        event_type: 'payment.confirmed',
        endpoint_id: endpoint.endpoint_id,
        merchant_id: endpoint.merchant_id,
        payment_id: `pay_${endpoint.endpoint_id}`,
        body: '{}',
        created_at: now,
      });
    await fx.produceRaw(tier.topic, late.endpoint_id, await encode(late), {
      [DeliveryHeader.ATTEMPTS]: '1',
      [DeliveryHeader.TIER]: tier.label,
      [DeliveryHeader.DUE_AT]: String(now + 3_600_000),
    });
    await fx.produceRaw(tier.topic, behind.endpoint_id, await encode(behind), {
      [DeliveryHeader.ATTEMPTS]: '1',
      [DeliveryHeader.TIER]: tier.label,
      [DeliveryHeader.DUE_AT]: String(now),
    });
    await waitUntil(() => receiver.arrivalsAt('/behind').length === 1, {
      what: 'the record behind a head due in an hour',
      timeoutMs: 15_000,
    });
  });
});

describe('retry isolation: an open breaker makes deliveries wait, never dead-letters them', () => {
  let fx: DispatcherFixture;
  let receiver: Receiver;
  const COOLDOWN_MS = 12_000;

  before(async () => {
    receiver = await startReceiver();
    fx = await createDispatcherFixture({ tiers: TIERS, partitions: 1 });
    await fx.startDispatcher({
      DISPATCHER_BREAKER_FAILURES: '3',
      // Longer than the tiers add up to (7 s): the case that used to empty the endpoint into the DLQ.
      DISPATCHER_BREAKER_COOLDOWN_MS: String(COOLDOWN_MS),
    });
  });
  after(async () => {
    await fx.close();
    await receiver.close();
  });

  it('an endpoint down for longer than every tier, but less than the cool-down, gets every delivery once back', async () => {
    receiver.program('/down', [{ status: 500 }]);
    const endpoint = await fx.addEndpoint({ url: `${receiver.url}/down` });
    const deliveries = await fx.dispatchMany([endpoint], 8);
    await waitUntil(() => receiver.arrivalsAt('/down').length === 3, { what: 'the failures that open the breaker' });
    // Longer than 1 s + 2 s + 4 s, shorter than the cool-down.
    await sleep(8_000);
    assert.equal(receiver.arrivalsAt('/down').length, 3, 'no request reaches an endpoint while its breaker is open');

    receiver.program('/down', [{ status: 200 }]);
    const wanted = new Set(deliveries.map((d) => d.delivery_id));
    const delivered = () =>
      new Set(
        receiver
          .arrivalsAt('/down')
          .slice(3)
          .map((a) => a.headers['webhook-id']),
      );
    await waitUntil(() => [...wanted].every((id) => delivered().has(id)), {
      what: 'every delivery after the endpoint came back',
      timeoutMs: COOLDOWN_MS + 20_000,
    });
    assert.equal(receiver.arrivalsAt('/down').length, 3 + 8, 'each delivered once, the first of them as the probe');
    assert.equal((await readAll(fx, fx.topics.dlq)).length, 0, 'nothing went to the DLQ');

    const logged = await attemptsOf(fx, endpoint, 3 + 8);
    const held = logged.filter((a) => a.outcome === 'HELD');
    assert.ok(held.length > 0);
    for (const h of held) assert.equal(h.error_class, 'circuit_open');
    for (const id of wanted) {
      const requests = logged.filter((a) => a.delivery_id === id && a.outcome !== 'HELD');
      assert.ok(requests.length <= 2, `${id}: at most one failed request and one delivery`);
    }
  });

  it('429s, however many, never open the breaker', async () => {
    const throttle = { status: 429, headers: { 'retry-after': '1' } };
    receiver.program('/throttle', [throttle, throttle, throttle, { status: 200 }]);
    const endpoint = await fx.addEndpoint({ url: `${receiver.url}/throttle` });
    const delivery = await fx.dispatch(endpoint);
    await waitUntil(() => receiver.arrivalsAt('/throttle').length === 4, {
      what: 'three 429s and the delivery',
      timeoutMs: 20_000,
    });
    const logged = await attemptsOf(fx, endpoint, 4);
    assert.deepEqual(
      logged.filter((a) => a.outcome !== 'HELD').map((a) => [a.attempt, a.outcome]),
      [
        [1, 'RETRY_SCHEDULED'],
        [2, 'RETRY_SCHEDULED'],
        [3, 'RETRY_SCHEDULED'],
        [4, 'DELIVERED'],
      ],
    );
    assert.ok(logged.every((a) => a.error_class !== 'circuit_open'));
    assert.equal(delivery.endpoint_id, endpoint.endpoint_id);
  });

  it('a delivery past the maximum age goes to the DLQ as max_age_exceeded, with the requests it made', async () => {
    receiver.program('/old', [{ status: 500 }]);
    const endpoint = await fx.addEndpoint({ url: `${receiver.url}/old` });
    // Three days (the default maximum age) less two seconds old.
    await fx.dispatch(endpoint, { created_at: Date.now() - 3 * 86_400_000 + 2_000 });
    const dead = await fx.read(fx.topics.dlq, 1, 20_000);
    const parked = dead.find((m) => m.key?.toString() === endpoint.endpoint_id);
    assert.ok(parked);
    assert.equal(header(parked, DeliveryHeader.DLQ_REASON), 'max_age_exceeded');
    const requests = receiver.arrivalsAt('/old').length;
    assert.equal(header(parked, DeliveryHeader.ATTEMPTS), String(requests));
    assert.ok(requests >= 2 && requests < 4, `${requests} requests: fewer than the tiers allow`);
  });
});
