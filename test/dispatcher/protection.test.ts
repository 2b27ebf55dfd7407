import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeliveryHeader } from '@payhook/dispatcher';
import { waitUntil } from '@payhook/testkit';
import { recordingNetwork, watchConnections } from '@payhook/testkit/network';
import { createDispatcherFixture, type DispatcherFixture, header } from './fixture.ts';
import { type Receiver, startReceiver } from './receiver.ts';

let fx: DispatcherFixture;
let receiver: Receiver;
// Every connection the dispatcher's sender opens, as announced by the recording network.
const CHANNEL = 'dispatcher-protection';
const watch = watchConnections(CHANNEL);
const connections = watch.hosts;
after(() => watch.close());
/** `private.merchant.test` resolves to a private address; only loopback is ever opened. */
const network = recordingNetwork({ channel: CHANNEL, hosts: { 'private.merchant.test': '10.1.2.3' } });

describe('dispatcher: per-endpoint protection', () => {
  before(async () => {
    receiver = await startReceiver();
    fx = await createDispatcherFixture({ tiers: '30s' });
    await fx.startDispatcher(
      { DISPATCHER_BREAKER_FAILURES: '2', DISPATCHER_BREAKER_COOLDOWN_MS: '60000' },
      { networkModule: network },
    );
  });
  after(async () => {
    await fx.close();
    await receiver.close();
  });

  it('an open circuit sends the endpoint’s records to the next tier with circuit_open and no request', async () => {
    receiver.program('/broken', [{ status: 500 }]);
    const endpoint = await fx.addEndpoint({ url: `${receiver.url}/broken` });
    for (let i = 0; i < 5; i++) await fx.dispatch(endpoint);
    const tier = fx.topics.retry[0]?.topic as string;
    const scheduled = (await fx.read(tier, 5)).filter((m) => m.key?.toString() === endpoint.endpoint_id);
    assert.equal(scheduled.length, 5);
    assert.equal(receiver.arrivalsAt('/broken').length, 2, 'two failures open the circuit; then no requests');
    const classes = scheduled.map((m) => header(m, DeliveryHeader.LAST_ERROR_CLASS));
    assert.deepEqual(classes.slice(0, 2), ['HTTP_5XX', 'HTTP_5XX']);
    assert.deepEqual(classes.slice(2), ['circuit_open', 'circuit_open', 'circuit_open']);
    assert.deepEqual(
      scheduled.slice(2).map((m) => header(m, DeliveryHeader.ATTEMPTS)),
      ['0', '0', '0'],
      'a skipped attempt is not counted',
    );
  });

  it('the token bucket shapes one endpoint to its rate without holding up another', async () => {
    // A slow rate, so that the other endpoint's twelve deliveries have seconds to spare even on
    // a busy machine.
    const slow = await fx.addEndpoint({ url: `${receiver.url}/rated`, rate_limit_per_second: 2 });
    const fast = await fx.addEndpoint({ url: `${receiver.url}/free` });
    for (let i = 0; i < 12; i++) await fx.dispatch(slow);
    for (let i = 0; i < 12; i++) await fx.dispatch(fast);
    await waitUntil(() => receiver.arrivalsAt('/rated').length === 12, {
      what: 'the rated deliveries',
      timeoutMs: 30_000,
    });
    const rated = receiver.arrivalsAt('/rated').map((a) => a.at);
    const free = receiver.arrivalsAt('/free').map((a) => a.at);
    assert.equal(free.length, 12);
    // Burst of 2, then 2 per second: the last of 12 is sent 5 s after the first. Arrival times
    // also carry each request's own latency (the first one opens the connection, which a busy
    // machine can delay), so a second is left for that; unshaped, all 12 arrive within a blink.
    const span = (rated.at(-1) as number) - (rated[0] as number);
    assert.ok(span >= 4_000, `shaped to its rate: 12 requests over ${span} ms`);
    assert.ok(Math.max(...free) < (rated.at(-1) as number), 'the other endpoint did not wait for it');
  });

  it('a host name that resolves to a private address is parked without any connection', async () => {
    const before = connections.length;
    const endpoint = await fx.addEndpoint({ url: 'https://private.merchant.test/hook' });
    const healthy = await fx.addEndpoint({ url: `${receiver.url}/beside-private` });
    await fx.dispatch(endpoint);
    await fx.dispatch(healthy);
    await waitUntil(() => receiver.arrivalsAt('/beside-private').length === 1, { what: 'the healthy delivery' });
    const parked = (await fx.read(fx.topics.dlq, 1)).find((m) => m.key?.toString() === endpoint.endpoint_id);
    assert.ok(parked);
    assert.equal(header(parked, DeliveryHeader.DLQ_REASON), 'unsafe_url');
    assert.equal(header(parked, DeliveryHeader.LAST_ERROR_CLASS), 'ADDRESS_REFUSED');
    assert.deepEqual(
      connections.slice(before).filter((host) => !host.startsWith('127.')),
      [],
      'no connection was attempted but to the receiver',
    );
    assert.ok(
      connections.some((host) => host.startsWith('127.')),
      'the recording network saw the connections the guard let through',
    );
  });
});

describe('dispatcher: sending on the consuming thread (DISPATCHER_SENDER_THREADS=0)', () => {
  let main: DispatcherFixture;
  let local: Receiver;
  before(async () => {
    local = await startReceiver();
    main = await createDispatcherFixture({ tiers: '30s' });
    await main.startDispatcher({ DISPATCHER_SENDER_THREADS: '0' }, { networkModule: network });
  });
  after(async () => {
    await main.close();
    await local.close();
  });

  it('delivers through the same guard and refuses a private address without a connection', async () => {
    const before = connections.length;
    const healthy = await main.addEndpoint({ url: `${local.url}/main-thread` });
    const hidden = await main.addEndpoint({ url: 'https://private.merchant.test/hook' });
    await main.dispatch(hidden);
    await main.dispatch(healthy);
    await waitUntil(() => local.arrivalsAt('/main-thread').length === 1, { what: 'the delivery', timeoutMs: 20_000 });
    const parked = (await main.read(main.topics.dlq, 1)).find((m) => m.key?.toString() === hidden.endpoint_id);
    assert.ok(parked);
    assert.equal(header(parked, DeliveryHeader.LAST_ERROR_CLASS), 'ADDRESS_REFUSED');
    await waitUntil(() => connections.length > before, { what: 'the announced connection', timeoutMs: 5_000 });
    assert.deepEqual(
      connections.slice(before).filter((host) => !host.startsWith('127.')),
      [],
      'only loopback connections, for the healthy endpoint',
    );
  });
});
