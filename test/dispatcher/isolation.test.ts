import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { waitUntil } from '@payhook/testkit';
import { createDispatcherFixture, type DispatcherFixture } from './fixture.ts';
import { type Receiver, startReceiver } from './receiver.ts';

let fx: DispatcherFixture;
let receiver: Receiver;
const TIMEOUT_MS = 4_000;

before(async () => {
  receiver = await startReceiver();
  // One partition: the hanging endpoint shares it with every healthy one.
  fx = await createDispatcherFixture({ tiers: '30s', partitions: 1 });
  await fx.startDispatcher({ DISPATCHER_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) });
});
after(async () => {
  await fx.close();
  await receiver.close();
});

it('one endpoint that never answers does not hold up the others on its partition', async () => {
  receiver.program('/hang', ['hang']);
  const hanging = await fx.addEndpoint({ url: `${receiver.url}/hang` });
  const healthy = await Promise.all(
    Array.from({ length: 10 }, (_, i) => fx.addEndpoint({ url: `${receiver.url}/ok-${i}` })),
  );
  // The hanging endpoint's records come first in the partition.
  for (let i = 0; i < 3; i++) await fx.dispatch(hanging);
  for (let round = 0; round < 5; round++) for (const endpoint of healthy) await fx.dispatch(endpoint);

  await waitUntil(() => receiver.arrivals.filter((a) => a.path.startsWith('/ok-')).length === 50, {
    what: 'every healthy delivery',
    timeoutMs: 30_000,
  });
  const firstHang = receiver.arrivalsAt('/hang')[0];
  assert.ok(firstHang, 'the hanging endpoint got its first request');
  const lastHealthy = Math.max(...receiver.arrivals.filter((a) => a.path.startsWith('/ok-')).map((a) => a.at));
  // Order, not speed: every healthy delivery completed before the first timeout could fire.
  assert.ok(lastHealthy < firstHang.at + TIMEOUT_MS, 'healthy deliveries finished before the hanging one timed out');
  assert.equal(receiver.arrivalsAt('/hang').length, 1, 'the hanging endpoint keeps its order: one request at a time');
});
