import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeliveryHeader } from '@payhook/dispatcher';
import { generateSecret } from '@payhook/signing';
import { waitUntil } from '@payhook/testkit';
import { Webhook } from 'standardwebhooks';
import { createDispatcherFixture, type DispatcherFixture, header } from './fixture.ts';
import { type Receiver, startReceiver } from './receiver.ts';

let fx: DispatcherFixture;
let receiver: Receiver;

describe('dispatcher: signed delivery, tiered retries, DLQ', () => {
  before(async () => {
    receiver = await startReceiver();
    fx = await createDispatcherFixture({ tiers: '1s,2s' });
    await fx.startDispatcher();
  });
  after(async () => {
    await fx.close();
    await receiver.close();
  });

  it('delivers signed with every active secret; each verifies with the standardwebhooks library', async () => {
    const oldSecret = generateSecret();
    const newSecret = generateSecret();
    const endpoint = await fx.addEndpoint({
      url: `${receiver.url}/rotating`,
      secrets: [
        { secret: oldSecret, active_from: Date.now() - 86_400_000, expires_at: Date.now() + 3_600_000 },
        { secret: newSecret, active_from: Date.now() - 1_000, expires_at: null },
      ],
    });
    const delivery = await fx.dispatch(endpoint);
    await waitUntil(() => receiver.arrivalsAt('/rotating').length === 1, { what: 'the delivery' });
    const [arrival] = receiver.arrivalsAt('/rotating');
    assert.ok(arrival);
    assert.equal(arrival.body, delivery.body);
    assert.equal(arrival.headers['webhook-id'], delivery.delivery_id);
    assert.equal(arrival.headers['content-type'], 'application/json');
    assert.match(String(arrival.headers['user-agent']), /^payhook\/\d+\.\d+\.\d+/);
    assert.equal(String(arrival.headers['webhook-signature']).split(' ').length, 2);
    const headers = {
      'webhook-id': String(arrival.headers['webhook-id']),
      'webhook-timestamp': String(arrival.headers['webhook-timestamp']),
      'webhook-signature': String(arrival.headers['webhook-signature']),
    };
    for (const secret of [oldSecret, newSecret])
      assert.doesNotThrow(() => new Webhook(secret).verify(arrival.body, headers));
    assert.throws(() => new Webhook(generateSecret()).verify(arrival.body, headers));

    const [attempt] = await fx.read(fx.topics.attempts, 1);
    const logged = await fx.codec.decode('DELIVERY_ATTEMPT', attempt?.value ?? null);
    assert.equal(logged.delivery_id, delivery.delivery_id);
    assert.equal(logged.outcome, 'DELIVERED');
    assert.equal(logged.status_code, 200);
    assert.equal(logged.tier, 'dispatch');
  });

  it('500 then 200: the second attempt comes from tier 1, not before its due time, with the same webhook-id', async () => {
    receiver.program('/flaky', [{ status: 500 }, { status: 200 }]);
    const endpoint = await fx.addEndpoint({ url: `${receiver.url}/flaky` });
    const delivery = await fx.dispatch(endpoint);
    await waitUntil(() => receiver.arrivalsAt('/flaky').length === 2, { what: 'two attempts' });
    const [first, second] = receiver.arrivalsAt('/flaky');
    assert.ok(first && second);
    assert.equal(second.headers['webhook-id'], delivery.delivery_id);
    assert.equal(first.headers['webhook-id'], delivery.delivery_id);
    const retries = await fx.read(fx.topics.retry[0]?.topic as string, 1);
    const retried = retries.find((m) => m.key?.toString() === endpoint.endpoint_id);
    assert.ok(retried);
    const dueAt = Number(header(retried, DeliveryHeader.DUE_AT));
    assert.ok(dueAt >= first.at + 1_000 - 50, 'due one tier delay after the failure');
    assert.ok(second.at >= dueAt, `arrived at ${second.at}, due ${dueAt}: never early`);
    assert.equal(header(retried, DeliveryHeader.ATTEMPTS), '1');
    assert.equal(header(retried, DeliveryHeader.LAST_STATUS), '500');
    assert.equal(header(retried, DeliveryHeader.ORIGINAL_TOPIC), fx.topics.dispatch);
  });

  it('an always-failing endpoint passes every tier and lands in the DLQ with its whole story', async () => {
    receiver.program('/down', [{ status: 503 }]);
    const endpoint = await fx.addEndpoint({ url: `${receiver.url}/down` });
    const delivery = await fx.dispatch(endpoint);
    const dead = await fx.read(fx.topics.dlq, 1, 30_000);
    const parked = dead.find((m) => m.key?.toString() === endpoint.endpoint_id);
    assert.ok(parked);
    assert.equal(receiver.arrivalsAt('/down').length, 3, 'dispatch + two tiers');
    assert.equal(header(parked, DeliveryHeader.DLQ_REASON), 'retries_exhausted');
    assert.equal(header(parked, DeliveryHeader.ATTEMPTS), '3');
    assert.equal(header(parked, DeliveryHeader.LAST_STATUS), '503');
    assert.equal(header(parked, DeliveryHeader.LAST_ERROR_CLASS), 'HTTP_503');
    assert.equal(header(parked, DeliveryHeader.ORIGINAL_TOPIC), fx.topics.dispatch);
    assert.ok(header(parked, DeliveryHeader.ORIGINAL_OFFSET) !== undefined);
    assert.ok(header(parked, DeliveryHeader.ORIGINAL_PARTITION) !== undefined);
    assert.ok(header(parked, DeliveryHeader.ORIGINAL_TIMESTAMP) !== undefined);
    assert.ok(
      Number(header(parked, DeliveryHeader.FIRST_FAILURE_AT)) < Number(header(parked, DeliveryHeader.LAST_FAILURE_AT)),
    );
    const value = await fx.codec.decode('WEBHOOK_DELIVERY', parked.value);
    assert.equal(value.delivery_id, delivery.delivery_id);
    const ids = new Set(receiver.arrivalsAt('/down').map((a) => a.headers['webhook-id']));
    assert.deepEqual([...ids], [delivery.delivery_id]);
  });

  it('exports what happened as metrics with bounded labels', async () => {
    const text = await fx.metrics.metrics();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 'NaN');
    assert.ok(value(/payhook_dispatcher_deliveries_total\{outcome="delivered",tier="dispatch"[^}]*\} (\d+)/) >= 1);
    assert.ok(value(/payhook_dispatcher_deliveries_total\{outcome="throttled",tier="1s"[^}]*\} (\d+)/) >= 1);
    assert.equal(value(/payhook_dispatcher_dead_letters_total\{reason="retries_exhausted"[^}]*\} (\d+)/), 1);
    assert.ok(value(/payhook_dispatcher_retries_scheduled_total\{tier="2s",reason="throttled"[^}]*\} (\d+)/) >= 1);
    assert.match(text, /payhook_dispatcher_delivery_duration_seconds_bucket\{/);
    assert.match(text, /payhook_dispatcher_in_flight\{[^}]*\} 0/);
    assert.doesNotMatch(text, /msg_|ep_|whsec_/, 'no ids or secrets in labels');
  });
});
