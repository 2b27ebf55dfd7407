import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { DeliveryHeader } from '@payhook/dispatcher';
import { generateSecret } from '@payhook/signing';
import { waitUntil } from '@payhook/testkit';
import { Webhook } from 'standardwebhooks';
import { createDispatcherFixture, type DispatcherFixture, header } from './fixture.ts';
import { type Receiver, startReceiver } from './receiver.ts';

let fx: DispatcherFixture;
let receiver: Receiver;

before(async () => {
  receiver = await startReceiver();
  fx = await createDispatcherFixture({ tiers: '1s' });
  await fx.startDispatcher({ DISPATCHER_LAST_TIER_REPEATS: '2' });
});
after(async () => {
  await fx.close();
  await receiver.close();
});

it('a new URL, a rotated secret and disabling apply to the next delivery without a restart', async () => {
  const endpoint = await fx.addEndpoint({ url: `${receiver.url}/v1` });
  await fx.dispatch(endpoint);
  await waitUntil(() => receiver.arrivalsAt('/v1').length === 1, { what: 'delivery to the first URL' });

  const secret = generateSecret();
  await fx.addEndpoint({
    ...endpoint,
    url: `${receiver.url}/v2`,
    secrets: [{ secret, active_from: Date.now() - 1_000, expires_at: null }],
    updated_at: Date.now(),
  });
  // The change reaches the dispatcher through the compacted topic within moments.
  await waitUntil(
    async () => {
      await fx.dispatch(endpoint);
      await new Promise((r) => setTimeout(r, 200));
      return receiver.arrivalsAt('/v2').length > 0;
    },
    { what: 'a delivery to the new URL', timeoutMs: 15_000 },
  );
  const arrival = receiver.arrivalsAt('/v2')[0];
  assert.ok(arrival);
  const headers = {
    'webhook-id': String(arrival.headers['webhook-id']),
    'webhook-timestamp': String(arrival.headers['webhook-timestamp']),
    'webhook-signature': String(arrival.headers['webhook-signature']),
  };
  assert.doesNotThrow(() => new Webhook(secret).verify(arrival.body, headers), 'signed with the rotated secret');

  await fx.addEndpoint({ ...endpoint, url: `${receiver.url}/v2`, enabled: false, disabled_reason: 'merchant request' });
  await new Promise((r) => setTimeout(r, 1_000));
  const countBefore = receiver.arrivals.length;
  await fx.dispatch(endpoint);
  const parked = await fx.read(fx.topics.dlq, 1);
  assert.equal(header(parked[0] as never, DeliveryHeader.DLQ_REASON), 'endpoint_disabled');
  assert.equal(receiver.arrivals.length, countBefore, 'nothing sent to a disabled endpoint');
});

it('the last tier repeats as configured before the DLQ', async () => {
  receiver.program('/always-500', [{ status: 500 }]);
  const endpoint = await fx.addEndpoint({ url: `${receiver.url}/always-500` });
  await fx.dispatch(endpoint);
  await waitUntil(
    async () =>
      (await fx.read(fx.topics.dlq, 1, 1_000).catch(() => [])).some((m) => m.key?.toString() === endpoint.endpoint_id),
    { what: 'the delivery in the DLQ', timeoutMs: 30_000 },
  );
  // dispatch, tier 1s, then the 1s tier twice more.
  assert.equal(receiver.arrivalsAt('/always-500').length, 4);
});
