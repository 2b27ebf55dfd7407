// Endpoint health and the operator's figures over the real pipeline: the API, the confirmation
// filter and the dispatcher on a private broker, with a local receiver. An endpoint answering
// 500 shows its breaker open through the API once the dispatcher holds deliveries on it; a
// healthy one shows its share delivered; the operator overview gives both groups' lag and the
// latency percentiles of the requests made; a merchant key or link cannot read it.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { paths } from '@payhook/api/client';
import { waitUntil } from '@payhook/testkit';
import { type Receiver, startReceiver } from '../dispatcher/receiver.ts';
import { type ApiFixture, startApiFixture } from './api-fixture.ts';
import { startFilterAndDispatcher } from './pipeline-services.ts';

type EndpointView = paths['/v1/endpoints/{endpoint_id}']['get']['responses'][200]['content']['application/json'];

const BREAKER_FAILURES = 3;
let f: ApiFixture;
let receiver: Receiver;
let merchant: string;
let operator: string;
const stops: (() => Promise<void>)[] = [];

before(async () => {
  receiver = await startReceiver();
  f = await startApiFixture();
  merchant = (await f.createKey(['--merchant', 'mer_health'])).key;
  operator = (await f.createKey(['--operator'])).key;
  stops.push(
    await startFilterAndDispatcher('endpoint-health', f.pipeline.serviceEnv(), {
      DISPATCHER_BREAKER_FAILURES: String(BREAKER_FAILURES),
      DISPATCHER_BREAKER_COOLDOWN_MS: '60000',
    }),
  );
});
after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await f?.close();
  await receiver?.close();
});

async function addEndpoint(path: string): Promise<string> {
  const created = await f.client(merchant).POST('/v1/endpoints', { body: { url: `${receiver.url}${path}` } });
  assert.equal(created.response.status, 201, JSON.stringify(created.error));
  return created.data?.endpoint_id as string;
}

async function sendTests(endpointId: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const sent = await f.client(merchant).POST('/v1/endpoints/{endpoint_id}/test', {
      params: { path: { endpoint_id: endpointId } },
    });
    assert.equal(sent.response.status, 202, JSON.stringify(sent.error));
  }
}

async function health(endpointId: string): Promise<EndpointView['health']> {
  const got = await f.client(merchant).GET('/v1/endpoints/{endpoint_id}', {
    params: { path: { endpoint_id: endpointId } },
  });
  assert.equal(got.response.status, 200, JSON.stringify(got.error));
  return (got.data as EndpointView).health;
}

it('a healthy endpoint shows its requests delivered; one answering 500 shows its breaker open until its next try', async () => {
  const healthy = await addEndpoint('/healthy');
  receiver.program('/failing', [{ status: 500 }]);
  const failing = await addEndpoint('/failing');
  const fresh = await health(healthy);
  assert.deepEqual(
    [fresh.requests, fresh.success_rate, fresh.last_attempt, fresh.circuit_open],
    [0, null, null, false],
    'no attempts yet',
  );
  // The dispatcher reads new endpoints from their topic before it sends to them.
  await new Promise((r) => setTimeout(r, 1_500));

  await sendTests(healthy, 3);
  await waitUntil(async () => (await health(healthy)).delivered === 3, { what: 'three deliveries', timeoutMs: 30_000 });
  const good = await health(healthy);
  assert.equal(good.requests, 3);
  assert.equal(good.success_rate, 1);
  assert.equal(good.last_attempt?.outcome, 'delivered');
  assert.equal(good.last_attempt?.status_code, 200);
  assert.equal(good.circuit_open, false);
  assert.equal(good.circuit_open_until, null);

  // Enough failures to open the breaker, then one more delivery, which is held on it.
  await sendTests(failing, BREAKER_FAILURES);
  await waitUntil(() => receiver.arrivalsAt('/failing').length >= BREAKER_FAILURES, {
    what: 'the failing requests',
    timeoutMs: 30_000,
  });
  await sendTests(failing, 1);
  let bad: EndpointView['health'] | undefined;
  await waitUntil(
    async () => {
      bad = await health(failing);
      return bad.circuit_open;
    },
    { what: 'the breaker open in the API', timeoutMs: 30_000 },
  );
  assert.equal(bad?.last_attempt?.outcome, 'held');
  assert.equal(bad?.last_attempt?.error_class, 'circuit_open');
  assert.ok(Date.parse(bad?.circuit_open_until ?? '') > Date.now() - 1_000, 'open until a time ahead');
  assert.equal(bad?.delivered, 0);
  assert.ok((bad?.requests ?? 0) >= BREAKER_FAILURES, 'the failed requests are counted, the hold is not');
  assert.equal(bad?.success_rate, 0);
  assert.equal(receiver.arrivalsAt('/failing').length, BREAKER_FAILURES, 'the held delivery sent no request');

  // The list shows the same health.
  const list = await f.client(merchant).GET('/v1/endpoints');
  const listed = new Map(list.data?.data.map((e) => [e.endpoint_id, e.health]));
  assert.equal(listed.get(failing)?.circuit_open, true);
  assert.equal(listed.get(healthy)?.success_rate, 1);

  // Another merchant's endpoint is not found.
  const other = (await f.createKey(['--merchant', 'mer_other'])).key;
  const foreign = await f.client(other).GET('/v1/endpoints/{endpoint_id}', {
    params: { path: { endpoint_id: failing } },
  });
  assert.equal(foreign.response.status, 404);
});

it('the operator overview gives both groups lag and the latency percentiles of the requests made; merchants are refused', async () => {
  const overview = await f.client(operator).GET('/v1/operator/overview');
  assert.equal(overview.response.status, 200, JSON.stringify(overview.error));
  const data = overview.data;
  assert.ok(data !== undefined);
  const topics = f.pipeline.topics;
  assert.deepEqual(
    data.lag.map((g) => [g.role, g.group_id]),
    [
      ['filter', `${topics.prefix}payhook-confirmation-filter`],
      ['dispatcher', `${topics.prefix}payhook-dispatcher`],
    ],
  );
  for (const g of data.lag) {
    assert.ok(Number.isInteger(g.lag_records) && g.lag_records >= 0, `${g.role} lag in records`);
    assert.ok(g.lag_seconds >= 0, `${g.role} lag in seconds`);
    assert.equal(
      g.lag_records,
      g.topics.reduce((n, t) => n + t.lag_records, 0),
      'the total is the sum of the topics',
    );
  }
  assert.deepEqual(
    data.lag[0]?.topics.map((t) => t.topic),
    [topics.events],
  );
  assert.ok(data.lag[1]?.topics.some((t) => t.topic === topics.dispatch));

  assert.equal(data.latency.length, 61, 'every minute of the last hour, and this one');
  const requests = data.latency.reduce((n, m) => n + m.requests, 0);
  assert.ok(requests >= 3 + BREAKER_FAILURES, `the requests of the first test are counted (${requests})`);
  for (const m of data.latency.filter((x) => x.requests > 0)) {
    assert.ok(m.p50_ms <= m.p95_ms && m.p95_ms <= m.p99_ms, 'percentiles in order');
  }

  const byMerchant = await f.client(merchant).GET('/v1/operator/overview');
  assert.equal(byMerchant.response.status, 403);
  const link = await f.client(operator).POST('/v1/merchants/{merchant_id}/portal-links', {
    params: { path: { merchant_id: 'mer_health' } },
  });
  const byLink = await f.client(link.data?.token).GET('/v1/operator/overview');
  assert.equal(byLink.response.status, 403);
});
