import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeliveryHeader } from '@payhook/dispatcher';
import { generateSecret } from '@payhook/signing';
import { waitUntil } from '@payhook/testkit';
import { createDispatcherFixture, type DispatcherFixture, header } from './fixture.ts';
import { type Receiver, startReceiver } from './receiver.ts';

let fx: DispatcherFixture;
let receiver: Receiver;

async function dlqReasons(count: number): Promise<Map<string, string>> {
  const records = await fx.read(fx.topics.dlq, count);
  return new Map(records.map((m) => [m.key?.toString() ?? '', header(m, DeliveryHeader.DLQ_REASON) ?? '']));
}

describe('dispatcher: outcomes without retries', () => {
  before(async () => {
    receiver = await startReceiver();
    fx = await createDispatcherFixture({ tiers: '1s,2s' });
    await fx.startDispatcher();
  });
  after(async () => {
    await fx.close();
    await receiver.close();
  });

  it('410 disables the endpoint on the endpoints topic; later records are parked without a request', async () => {
    receiver.program('/gone', [{ status: 410 }]);
    const endpoint = await fx.addEndpoint({ url: `${receiver.url}/gone` });
    await fx.dispatch(endpoint);
    await waitUntil(() => receiver.arrivalsAt('/gone').length === 1, { what: 'the 410 attempt' });
    const versions = await fx.read(fx.topics.endpoints, 2);
    const latest = versions.filter((m) => m.key?.toString() === endpoint.endpoint_id).at(-1);
    const disabled = await fx.codec.decode('ENDPOINT', latest?.value ?? null);
    assert.equal(disabled.enabled, false);
    assert.match(disabled.disabled_reason ?? '', /410/);

    await fx.dispatch(endpoint);
    const reasons = await fx.read(fx.topics.dlq, 2);
    const mine = reasons
      .filter((m) => m.key?.toString() === endpoint.endpoint_id)
      .map((m) => header(m, DeliveryHeader.DLQ_REASON));
    assert.deepEqual(mine, ['endpoint_gone', 'endpoint_disabled']);
    assert.equal(receiver.arrivalsAt('/gone').length, 1, 'no request after the 410');
  });

  it('429 with Retry-After: the next attempt waits at least that long', async () => {
    receiver.program('/busy', [{ status: 429, headers: { 'retry-after': '3' } }, { status: 200 }]);
    const endpoint = await fx.addEndpoint({ url: `${receiver.url}/busy` });
    await fx.dispatch(endpoint);
    await waitUntil(() => receiver.arrivalsAt('/busy').length === 2, { what: 'the second attempt', timeoutMs: 20_000 });
    const [first, second] = receiver.arrivalsAt('/busy');
    assert.ok(first && second);
    assert.ok(second.at - first.at >= 3_000, `waited ${second.at - first.at} ms`);
  });

  it('parks a record for an unknown endpoint, and poison records, and keeps going', async () => {
    const healthy = await fx.addEndpoint({ url: `${receiver.url}/healthy` });
    const ghost = { ...healthy, endpoint_id: 'ep_does_not_exist' };
    await fx.dispatch(ghost);
    await fx.produceRaw(fx.topics.dispatch, 'poison-magic', Buffer.from('{"json":"not avro"}'));
    await fx.produceRaw(fx.topics.dispatch, 'poison-id', Buffer.from([0, 0x7f, 0xff, 0xff, 0x00, 1, 2, 3]));
    await fx.produceRaw(fx.topics.dispatch, 'poison-null', null);
    const good = await fx.dispatch(healthy);
    await waitUntil(() => receiver.arrivalsAt('/healthy').length === 1, { what: 'the healthy delivery' });
    assert.equal(receiver.arrivalsAt('/healthy')[0]?.headers['webhook-id'], good.delivery_id);
    const reasons = await dlqReasons(6);
    assert.equal(reasons.get('ep_does_not_exist'), 'endpoint_unknown');
    assert.equal(reasons.get('poison-magic'), 'poison_record');
    assert.equal(reasons.get('poison-id'), 'poison_record');
    assert.equal(reasons.get('poison-null'), 'poison_record');
  });

  it('an unsafe URL is parked without a request', async () => {
    const endpoint = await fx.addEndpoint({ url: 'http://10.0.0.1/hook' });
    await fx.dispatch(endpoint);
    const reasons = await dlqReasons(7);
    assert.equal(reasons.get(endpoint.endpoint_id), 'unsafe_url');
  });

  it('an endpoint whose secrets have all expired gets its record parked without a request', async () => {
    const endpoint = await fx.addEndpoint({
      url: `${receiver.url}/expired-secret`,
      secrets: [{ secret: generateSecret(), active_from: Date.now() - 120_000, expires_at: Date.now() - 60_000 }],
    });
    await fx.dispatch(endpoint);
    const reasons = await dlqReasons(8);
    assert.equal(reasons.get(endpoint.endpoint_id), 'no_active_secret');
    assert.equal(receiver.arrivalsAt('/expired-secret').length, 0);
  });

  it('a secret that cannot sign parks the record without a request, and its partition commits past it', async () => {
    const endpoint = await fx.addEndpoint({
      url: `${receiver.url}/bad-secret`,
      secrets: [{ secret: 'whsec_not*base64', active_from: Date.now() - 60_000, expires_at: null }],
    });
    await fx.dispatch(endpoint);
    const parked = (await fx.read(fx.topics.dlq, 9)).find((m) => m.key?.toString() === endpoint.endpoint_id);
    assert.ok(parked, 'parked in the DLQ');
    assert.equal(header(parked, DeliveryHeader.DLQ_REASON), 'cannot_sign');
    assert.equal(header(parked, DeliveryHeader.LAST_ERROR_CLASS), 'CANNOT_SIGN');
    assert.match(header(parked, DeliveryHeader.LAST_ERROR) ?? '', /signing secret #1/);
    assert.equal(receiver.arrivalsAt('/bad-secret').length, 0);
    const partition = Number(header(parked, DeliveryHeader.ORIGINAL_PARTITION));
    const offset = Number(header(parked, DeliveryHeader.ORIGINAL_OFFSET));
    const admin = fx.kafka.admin();
    await admin.connect();
    try {
      const committed = async () => {
        const [topic] = await admin.fetchOffsets({
          groupId: `${fx.pipeline.prefix}payhook-dispatcher`,
          topics: [fx.topics.dispatch],
        });
        return Number(topic?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
      };
      await waitUntil(async () => (await committed()) > offset, { what: 'a commit past the parked record' });
    } finally {
      await admin.disconnect();
    }
  });
});
