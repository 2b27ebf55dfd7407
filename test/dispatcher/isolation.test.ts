import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { waitUntil } from '@payhook/testkit';
import { createDispatcherFixture, type DispatcherFixture, header } from './fixture.ts';
import { type Receiver, startReceiver } from './receiver.ts';

let fx: DispatcherFixture;
let receiver: Receiver;
const TIMEOUT_MS = 4_000;

before(async () => {
  receiver = await startReceiver();
  // One partition: the hanging endpoint shares it with every healthy one.
  fx = await createDispatcherFixture({ tiers: '30s', partitions: 1 });
  await fx.startDispatcher({
    DISPATCHER_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
    // A small read-ahead, so that records queued behind a hanging endpoint would hold the
    // partition back if they stayed queued.
    DISPATCHER_MAX_UNFINISHED_PER_PARTITION: '20',
    DISPATCHER_SLOW_ATTEMPT_MS: '300',
    DISPATCHER_MAX_QUEUED_WHILE_SLOW: '5',
  });
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

it('records queued behind an endpoint that does not answer move on to the next tier, so its partition does not stall', async () => {
  receiver.program('/stalled', ['hang']);
  const stalled = await fx.addEndpoint({ url: `${receiver.url}/stalled` });
  const healthy = await Promise.all(
    Array.from({ length: 5 }, (_, i) => fx.addEndpoint({ url: `${receiver.url}/fine-${i}` })),
  );
  // 40 records for the stalled endpoint first: twice the partition's read-ahead.
  await fx.dispatchMany([stalled], 40);
  const after = await fx.dispatchMany(healthy, 20);

  await waitUntil(() => receiver.arrivals.filter((a) => a.path.startsWith('/fine-')).length === after.length, {
    what: 'every healthy delivery behind the stalled endpoint',
    timeoutMs: 30_000,
  });
  const firstStalled = receiver.arrivalsAt('/stalled')[0];
  assert.ok(firstStalled, 'the stalled endpoint got its first request');
  const lastHealthy = Math.max(...receiver.arrivals.filter((a) => a.path.startsWith('/fine-')).map((a) => a.at));
  assert.ok(
    lastHealthy < firstStalled.at + TIMEOUT_MS,
    'healthy deliveries behind the stalled endpoint finished before its attempt timed out',
  );
  assert.equal(receiver.arrivalsAt('/stalled').length, 1, 'no second request while the first is unanswered');

  // 1 running, 5 kept waiting: the other 34 went to the tier without a request.
  const moved = (await fx.read(fx.topics.retry[0]?.topic as string, 34, 30_000)).filter(
    (m) => m.key?.toString() === stalled.endpoint_id,
  );
  assert.equal(moved.length, 34);
  for (const record of moved) {
    assert.equal(header(record, 'payhook-last-error-class'), 'endpoint_stalled');
    assert.equal(header(record, 'payhook-attempts'), '0', 'no request was made for it');
  }
});
