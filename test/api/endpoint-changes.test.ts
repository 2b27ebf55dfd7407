// PATCH, DELETE, rotate-secret and test of /v1/endpoints/{id}, against the real broker, registry,
// dispatcher and HTTP receivers: a changed URL takes the next delivery, a deleted endpoint's
// records are parked as endpoint_disabled, a rotation signs with both secrets during its overlap,
// and a test event arrives signed (verified with the public standardwebhooks library).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DeliveryHeader, type WebhookDelivery } from '@payhook/contracts';
import { createDispatcherApp, dispatcherEnvSchema } from '@payhook/dispatcher';
import { headerText } from '@payhook/kafka';
import { createLogger, createMetricsRegistry, parseEnv, systemClock } from '@payhook/runtime';
import { waitUntil } from '@payhook/testkit';
import { Webhook } from 'standardwebhooks';
import { type Arrival, type Receiver, startReceiver } from '../dispatcher/receiver.ts';
import { type ApiFixture, startApiFixture } from './api-fixture.ts';

const SECRETS_KEY = `k1:${randomBytes(32).toString('base64')}`;

let f: ApiFixture;
let receiver: Receiver;
let merchantA: string;
let merchantB: string;
let revoked: string;
const stops: (() => Promise<void>)[] = [];

before(async () => {
  receiver = await startReceiver();
  f = await startApiFixture({ PAYHOOK_SECRETS_KEY: SECRETS_KEY });
  const dispatcher = createDispatcherApp({
    config: parseEnv(dispatcherEnvSchema, { ...f.env, DISPATCHER_RETRY_JITTER: '0' }),
    logger: createLogger({ name: 'dispatcher', level: process.env.TEST_LOG_LEVEL ?? 'error' }),
    registry: createMetricsRegistry('dispatcher'),
    clock: systemClock,
  });
  await dispatcher.start();
  stops.push(() => dispatcher.stop());
  merchantA = (await f.createKey(['--merchant', 'mer_a'])).key;
  merchantB = (await f.createKey(['--merchant', 'mer_b'])).key;
  const doomed = await f.createKey(['--merchant', 'mer_a']);
  revoked = doomed.key;
  const result = await f.cli(['api-keys', 'revoke', doomed.keyId]);
  assert.equal(result.code, 0, result.stderr);
  await waitUntil(() => f.app.store.apiKeys.get(doomed.keyId)?.revoked_at !== null, { what: 'the revocation' });
});
after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await f?.close();
  await receiver?.close();
});

async function createEndpoint(path: string): Promise<{ id: string; secret: string }> {
  const created = await f.client(merchantA).POST('/v1/endpoints', { body: { url: `${receiver.url}${path}` } });
  assert.equal(created.response.status, 201, JSON.stringify(created.error));
  return { id: created.data?.endpoint_id as string, secret: created.data?.secret as string };
}

async function sendTest(endpointId: string): Promise<string> {
  const sent = await f.client(merchantA).POST('/v1/endpoints/{endpoint_id}/test', {
    params: { path: { endpoint_id: endpointId } },
  });
  assert.equal(sent.response.status, 202, JSON.stringify(sent.error));
  assert.equal(sent.data?.event_type, 'webhook.test');
  return sent.data?.delivery_id as string;
}

async function arrivalOf(deliveryId: string): Promise<Arrival> {
  await waitUntil(() => receiver.arrivals.some((a) => a.headers['webhook-id'] === deliveryId), {
    what: `delivery ${deliveryId} at the receiver`,
    timeoutMs: 30_000,
  });
  return receiver.arrivals.find((a) => a.headers['webhook-id'] === deliveryId) as Arrival;
}

function verify(secret: string, arrival: Arrival): { type: string; data: Record<string, unknown> } {
  return new Webhook(secret).verify(arrival.body, {
    'webhook-id': String(arrival.headers['webhook-id']),
    'webhook-timestamp': String(arrival.headers['webhook-timestamp']),
    'webhook-signature': String(arrival.headers['webhook-signature']),
  }) as { type: string; data: Record<string, unknown> };
}

function getEndpoint(key: string, endpointId: string) {
  return f.client(key).GET('/v1/endpoints/{endpoint_id}', { params: { path: { endpoint_id: endpointId } } });
}

it('a test event goes through the dispatcher, arrives signed, and its delivery shows delivered', async () => {
  const { id, secret } = await createEndpoint('/test');
  const deliveryId = await sendTest(id);
  assert.match(deliveryId, /^msg_[0-9a-f]{26}$/);
  const body = verify(secret, await arrivalOf(deliveryId));
  assert.equal(body.type, 'webhook.test');
  assert.deepEqual([body.data.endpoint_id, body.data.merchant_id], [id, 'mer_a']);
  let status: string | undefined;
  await waitUntil(
    async () => {
      const got = await f.client(merchantA).GET('/v1/deliveries/{delivery_id}', {
        params: { path: { delivery_id: deliveryId } },
      });
      status = got.data?.status;
      return status === 'delivered' && got.data?.attempts.length === 1;
    },
    { what: `delivery ${deliveryId} delivered in the read model (last: ${status})`, timeoutMs: 30_000 },
  );
});

it('PATCH changes the URL between two deliveries: the second reaches the new receiver', async () => {
  const { id, secret } = await createEndpoint('/old');
  const first = await sendTest(id);
  await arrivalOf(first);
  const patched = await f.client(merchantA).PATCH('/v1/endpoints/{endpoint_id}', {
    params: { path: { endpoint_id: id } },
    body: { url: `${receiver.url}/new`, timeout_ms: 5_000, rate_limit_per_second: 50, description: ' Checkout ' },
  });
  assert.equal(patched.response.status, 200, JSON.stringify(patched.error));
  assert.equal(patched.data?.url, `${receiver.url}/new`);
  assert.equal(patched.data?.description, 'Checkout');
  assert.deepEqual([patched.data?.timeout_ms, patched.data?.rate_limit_per_second], [5_000, 50]);
  assert.ok(!JSON.stringify(patched.data).includes('whsec_'), 'no secret in the response');
  // The dispatcher follows the endpoints topic on its own consumer: a record it reads before
  // that consumer has read the change still goes to the old URL (so would one after a CLI
  // update). Test events go out until one reaches the new URL; from then on none goes to the old.
  let arrival: Arrival | undefined;
  await waitUntil(
    async () => {
      arrival = await arrivalOf(await sendTest(id));
      return arrival.path === '/new';
    },
    { what: 'a test event at the new URL', timeoutMs: 30_000, intervalMs: 100 },
  );
  verify(secret, arrival as Arrival);
  const oldCount = receiver.arrivalsAt('/old').length;
  assert.equal(receiver.arrivalsAt('/old')[0]?.headers['webhook-id'], first);
  const next = await arrivalOf(await sendTest(id));
  assert.equal(next.path, '/new');
  assert.equal(receiver.arrivalsAt('/old').length, oldCount, 'nothing more to the old URL');
  const back = await f.client(merchantA).PATCH('/v1/endpoints/{endpoint_id}', {
    params: { path: { endpoint_id: id } },
    body: { timeout_ms: null, enabled: false },
  });
  assert.deepEqual(
    [back.data?.timeout_ms, back.data?.enabled, back.data?.disabled_reason],
    [null, false, 'disabled through the API'],
  );
  const again = await f.client(merchantA).PATCH('/v1/endpoints/{endpoint_id}', {
    params: { path: { endpoint_id: id } },
    body: { enabled: true },
  });
  assert.deepEqual([again.data?.enabled, again.data?.disabled_reason], [true, null]);
});

it('rotate-secret shows the new secret once; both secrets sign during the overlap; sealed at rest', async () => {
  const { id, secret: old } = await createEndpoint('/rotate');
  const rotated = await f.client(merchantA).POST('/v1/endpoints/{endpoint_id}/rotate-secret', {
    params: { path: { endpoint_id: id } },
    body: { overlap: '1h' },
  });
  assert.equal(rotated.response.status, 200, JSON.stringify(rotated.error));
  const secret = rotated.data?.secret as string;
  assert.match(secret, /^whsec_/);
  assert.notEqual(secret, old);
  const expires = Date.parse(rotated.data?.previous_secrets_expire_at as string);
  assert.ok(Math.abs(expires - (Date.now() + 3_600_000)) < 60_000, 'the old secret ends with the overlap');
  const got = await getEndpoint(merchantA, id);
  assert.ok(!JSON.stringify(got.data).includes('whsec_'), 'never shown again');
  const arrival = await arrivalOf(await sendTest(id));
  assert.equal(String(arrival.headers['webhook-signature']).split(' ').length, 2, 'one signature per secret');
  verify(old, arrival);
  verify(secret, arrival);
  // The endpoints topic holds the rotated version sealed: neither secret in plaintext.
  const count = await f.recordCount(f.pipeline.topics.endpoints);
  const records = await f.pipeline.read(f.pipeline.topics.endpoints, count);
  const latest = records.filter((r) => r.key?.toString() === id).at(-1);
  const stored = await f.pipeline.codec.decode('ENDPOINT', latest?.value ?? null);
  assert.equal(stored.secrets.length, 2);
  for (const s of stored.secrets) assert.match(s.secret, /^enc:v1:k1:/);
});

it("a create's Idempotency-Key repeats its response until the endpoint changes, then is a 409 without the secret", async () => {
  const params = { header: { 'idempotency-key': 'endpoint-then-rotate' } };
  const body = { url: `${receiver.url}/keyed` };
  const first = await f.client(merchantA).POST('/v1/endpoints', { params, body });
  assert.equal(first.response.status, 201, JSON.stringify(first.error));
  const again = await f.client(merchantA).POST('/v1/endpoints', { params, body });
  assert.equal(again.response.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.data?.secret, first.data?.secret);
  const path = { params: { path: { endpoint_id: first.data?.endpoint_id as string } } };
  const rotated = await f.client(merchantA).POST('/v1/endpoints/{endpoint_id}/rotate-secret', { ...path, body: {} });
  assert.equal(rotated.response.status, 200, JSON.stringify(rotated.error));
  const stale = await f.client(merchantA).POST('/v1/endpoints', { params, body });
  assert.equal(stale.response.status, 409);
  assert.match(stale.error?.detail ?? '', /has changed since/);
  assert.ok(!JSON.stringify(stale.error).includes('whsec_'), 'no secret in the refusal');
});

it('DELETE hides the endpoint and the dispatcher parks its records as endpoint_disabled', async () => {
  const { id } = await createEndpoint('/deleted');
  const deleted = await f.client(merchantA).DELETE('/v1/endpoints/{endpoint_id}', {
    params: { path: { endpoint_id: id } },
  });
  assert.equal(deleted.response.status, 204);
  assert.equal((await getEndpoint(merchantA, id)).response.status, 404);
  const listed = await f.client(merchantA).GET('/v1/endpoints', { params: { query: { limit: '250' } } });
  assert.ok(!(listed.data?.data ?? []).some((e) => e.endpoint_id === id), 'absent from the list');
  const twice = await f.client(merchantA).DELETE('/v1/endpoints/{endpoint_id}', {
    params: { path: { endpoint_id: id } },
  });
  assert.equal(twice.response.status, 404);
  await waitUntil(() => f.app.store.endpoints.get(id)?.deleted_at !== null, { what: 'the deletion read back' });
  // A record for it still in flight (as the filter wrote it before the delete).
  const { topics, codec } = f.pipeline;
  const inFlight: WebhookDelivery = {
    delivery_id: 'msg_deleted_in_flight',
    event_id: 'evt_deleted',
    event_type: 'payment.confirmed',
    endpoint_id: id,
    merchant_id: 'mer_a',
    payment_id: 'pay_deleted',
    body: '{"type":"payment.confirmed"}',
    created_at: Date.now(),
  };
  const dlqBefore = await f.recordCount(topics.dlq);
  await f.pipeline.produceRaw(topics.dispatch, id, await codec.encode(topics.dispatch, 'WEBHOOK_DELIVERY', inFlight));
  const parked = (await f.pipeline.read(topics.dlq, dlqBefore + 1)).at(-1);
  assert.equal(headerText(parked?.headers, DeliveryHeader.DLQ_REASON), 'endpoint_disabled');
  assert.equal((await codec.decode('WEBHOOK_DELIVERY', parked?.value ?? null)).delivery_id, inFlight.delivery_id);
  assert.equal(receiver.arrivalsAt('/deleted').length, 0, 'nothing sent to a deleted endpoint');
});

describe('tenancy and bad input', () => {
  let endpointId: string;
  before(async () => {
    endpointId = (await createEndpoint('/guarded')).id;
  });

  const routes = (id: string): [string, string, string | undefined][] => [
    ['PATCH', `/v1/endpoints/${id}`, JSON.stringify({ url: 'http://127.0.0.1:9/x' })],
    ['DELETE', `/v1/endpoints/${id}`, undefined],
    ['POST', `/v1/endpoints/${id}/rotate-secret`, '{}'],
    ['POST', `/v1/endpoints/${id}/test`, undefined],
  ];

  async function send(method: string, path: string, key: string, body?: string, type = 'application/json') {
    const response = await fetch(`${f.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': type }) },
      ...(body === undefined ? {} : { body }),
    });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  }

  async function written(): Promise<number[]> {
    const { topics } = f.pipeline;
    return [await f.recordCount(topics.endpoints), await f.recordCount(topics.dispatch)];
  }

  it("another merchant's endpoint is a 404 on every route, a revoked key a 401, and nothing is written", async () => {
    const before = await written();
    for (const [method, path, body] of [...routes(endpointId), ...routes('ep_nope')]) {
      const foreign = await send(method, path, merchantB, body);
      assert.equal(foreign.status, 404, `${method} ${path}`);
      assert.equal(foreign.type, 'application/problem+json');
      assert.ok(!foreign.text.includes(receiver.url), 'never the object');
      assert.equal((await send(method, path, revoked, body)).status, 401, `${method} ${path} revoked`);
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await written(), before, 'nothing written');
    assert.equal((await getEndpoint(merchantA, endpointId)).data?.url, `${receiver.url}/guarded`);
  });

  it('a malformed, unknown or oversized body is a problem naming the field, and nothing is written', async () => {
    const before = await written();
    const patch = `/v1/endpoints/${endpointId}`;
    const rotate = `${patch}/rotate-secret`;
    const cases: [string, string, number, string | undefined][] = [
      [patch, '{}', 422, 'body'],
      [patch, JSON.stringify({ url: 'ftp://example.com/x' }), 422, 'url'],
      [patch, JSON.stringify({ url: 'https://10.0.0.1/x' }), 422, 'url'],
      [patch, JSON.stringify({ url: 7 }), 422, 'url'],
      [patch, JSON.stringify({ event_types: ['payment.nope'] }), 422, 'event_types'],
      [patch, JSON.stringify({ rate_limit_per_second: 0 }), 422, 'rate_limit_per_second'],
      [patch, JSON.stringify({ timeout_ms: 5 }), 422, 'timeout_ms'],
      [patch, JSON.stringify({ enabled: 'yes' }), 422, 'enabled'],
      [patch, JSON.stringify({ description: 'bell \u0007' }), 422, 'description'],
      [patch, JSON.stringify({ description: 'x'.repeat(501) }), 422, 'description'],
      [patch, JSON.stringify({ merchant_id: 'mer_b' }), 422, 'merchant_id'],
      [patch, JSON.stringify({ url: `https://example.com/${'x'.repeat(70_000)}` }), 413, undefined],
      [patch, '{"url": ', 400, undefined],
      [rotate, JSON.stringify({ overlap: 'forever' }), 422, 'overlap'],
      [rotate, JSON.stringify({ overlap: '31d' }), 422, 'overlap'],
      [rotate, JSON.stringify({ secret: 'whsec_x' }), 422, 'secret'],
    ];
    for (const [path, body, status, field] of cases) {
      const method = path === patch ? 'PATCH' : 'POST';
      const result = await send(method, path, merchantA, body);
      assert.equal(result.status, status, `${method} ${body.slice(0, 80)}: ${result.text.slice(0, 300)}`);
      assert.equal(result.type, 'application/problem+json');
      if (field !== undefined) {
        const problem = JSON.parse(result.text) as { errors?: { field: string }[] };
        assert.ok(
          problem.errors?.some((e) => e.field === field),
          `names ${field}: ${result.text}`,
        );
      }
    }
    assert.equal((await send('PATCH', patch, merchantA, 'url=x', 'text/plain')).status, 415);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await written(), before, 'nothing written');
    const unchanged = await getEndpoint(merchantA, endpointId);
    assert.equal(unchanged.data?.url, `${receiver.url}/guarded`);
  });
});
