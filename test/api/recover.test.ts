// POST /v1/endpoints/{id}/recover replays the endpoint's dead-lettered deliveries in a window
// through the same code as `payhook replay --from dlq`, as a job followed with GET /v1/jobs/{id}.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { WebhookDelivery } from '@payhook/contracts';
import { DeliveryHeader } from '@payhook/contracts';
import { headerText } from '@payhook/kafka';
import { waitUntil } from '@payhook/testkit';
import { type ApiFixture, startApiFixture } from './api-fixture.ts';

let f: ApiFixture;
let merchantA: string;
let merchantB: string;
let operator: string;
let endpointId: string;
let otherEndpointId: string;
let windowStart: string;

function dead(id: string, endpoint: string): WebhookDelivery {
  return {
    delivery_id: id,
    event_id: `evt_${id}`,
    event_type: 'payment.confirmed',
    endpoint_id: endpoint,
    merchant_id: 'mer_a',
    payment_id: `pay_${id}`,
    body: `{"id":"${id}"}`,
    created_at: Date.now(),
  };
}

async function job(key: string, id: string) {
  return f.client(key).GET('/v1/jobs/{job_id}', { params: { path: { job_id: id } } });
}

async function finished(key: string, id: string) {
  let last: Awaited<ReturnType<typeof job>>['data'];
  await waitUntil(
    async () => {
      last = (await job(key, id)).data;
      return last?.status !== 'running';
    },
    { what: `job ${id}`, timeoutMs: 30_000 },
  );
  return last;
}

before(async () => {
  f = await startApiFixture();
  merchantA = (await f.createKey(['--merchant', 'mer_a'])).key;
  merchantB = (await f.createKey(['--merchant', 'mer_b'])).key;
  operator = (await f.createKey(['--operator'])).key;
  const url = 'http://127.0.0.1:9/hooks';
  endpointId = (await f.client(merchantA).POST('/v1/endpoints', { body: { url } })).data?.endpoint_id as string;
  otherEndpointId = (await f.client(merchantA).POST('/v1/endpoints', { body: { url } })).data?.endpoint_id as string;
  windowStart = new Date(Date.now() - 1_000).toISOString();
  const { topics, codec } = f.pipeline;
  for (const d of [dead('msg_r1', endpointId), dead('msg_r2', endpointId), dead('msg_r3', otherEndpointId)]) {
    const value = await codec.encode(topics.dlq, 'WEBHOOK_DELIVERY', d);
    await f.pipeline.produceRaw(topics.dlq, d.endpoint_id, value, {
      [DeliveryHeader.DLQ_REASON]: 'retries_exhausted',
      [DeliveryHeader.ATTEMPTS]: '6',
    });
  }
});
after(async () => {
  await f.close();
});

it('a dry run counts the endpoint’s dead-lettered deliveries in the window and writes nothing', async () => {
  const before = await f.recordCount(f.pipeline.topics.dispatch);
  const started = await f.client(merchantA).POST('/v1/endpoints/{endpoint_id}/recover', {
    params: { path: { endpoint_id: endpointId } },
    body: { since: windowStart, dry_run: true },
  });
  assert.equal(started.response.status, 202, JSON.stringify(started.error));
  assert.match(started.data?.job_id ?? '', /^job_[0-9a-f]{20}$/);
  const done = await finished(merchantA, started.data?.job_id as string);
  assert.equal(done?.status, 'succeeded', JSON.stringify(done));
  assert.deepEqual([done?.scanned, done?.matched, done?.sent, done?.progress], [3, 2, 0, 1]);
  assert.equal(await f.recordCount(f.pipeline.topics.dispatch), before, 'nothing written');
});

it('a real run re-publishes them to dispatch with their webhook-id, marked with the job id', async () => {
  const before = await f.recordCount(f.pipeline.topics.dispatch);
  const started = await f.client(merchantA).POST('/v1/endpoints/{endpoint_id}/recover', {
    params: { path: { endpoint_id: endpointId } },
    body: { since: windowStart, until: new Date(Date.now() + 60_000).toISOString() },
  });
  assert.equal(started.response.status, 202, JSON.stringify(started.error));
  const id = started.data?.job_id as string;
  const done = await finished(merchantA, id);
  assert.deepEqual([done?.status, done?.matched, done?.sent], ['succeeded', 2, 2]);
  assert.equal(await f.recordCount(f.pipeline.topics.dispatch), before + 2);
  const records = (await f.pipeline.read(f.pipeline.topics.dispatch, before + 2)).slice(before);
  const ids = [];
  for (const r of records) {
    assert.equal(r.key?.toString(), endpointId);
    assert.equal(headerText(r.headers, 'payhook-replay-id'), id);
    assert.equal(headerText(r.headers, DeliveryHeader.DLQ_REASON), undefined, 'retry state dropped');
    ids.push((await f.pipeline.codec.decode('WEBHOOK_DELIVERY', r.value)).delivery_id);
  }
  assert.deepEqual(ids.sort(), ['msg_r1', 'msg_r2']);
  // The operator sees the job too.
  assert.equal((await job(operator, id)).response.status, 200);
});

it("another merchant's endpoint or job is a 404, and starts nothing", async () => {
  const started = await f.client(merchantA).POST('/v1/endpoints/{endpoint_id}/recover', {
    params: { path: { endpoint_id: endpointId } },
    body: { since: windowStart, dry_run: true },
  });
  const id = started.data?.job_id as string;
  const foreign = await f.client(merchantB).POST('/v1/endpoints/{endpoint_id}/recover', {
    params: { path: { endpoint_id: endpointId } },
    body: { since: windowStart },
  });
  assert.equal(foreign.response.status, 404);
  assert.equal(foreign.response.headers.get('content-type'), 'application/problem+json');
  const foreignJob = await job(merchantB, id);
  assert.equal(foreignJob.response.status, 404);
  assert.equal(foreignJob.data, undefined);
  assert.equal((await job(merchantA, 'job_nope')).response.status, 404);
  await finished(merchantA, id);
});

it('refuses bad input naming the field, and starts nothing', async () => {
  const before = await f.recordCount(f.pipeline.topics.dispatch);
  const cases: [unknown, string][] = [
    [{}, 'since'],
    [{ since: 'yesterday' }, 'since'],
    [{ since: new Date(Date.now() + 3_600_000).toISOString() }, 'since'],
    [{ since: windowStart, until: windowStart }, 'until'],
    [{ since: windowStart, dry_run: 'yes' }, 'dry_run'],
    [{ since: windowStart, endpoint: 'x' }, 'endpoint'],
  ];
  for (const [body, field] of cases) {
    const response = await fetch(`${f.baseUrl}/v1/endpoints/${endpointId}/recover`, {
      method: 'POST',
      headers: { authorization: `Bearer ${merchantA}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const problem = (await response.json()) as { errors?: { field: string }[] };
    assert.equal(response.status, 422, JSON.stringify(body));
    assert.ok(
      problem.errors?.some((e) => e.field === field),
      `${JSON.stringify(body)} names ${field}: ${JSON.stringify(problem)}`,
    );
  }
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await f.recordCount(f.pipeline.topics.dispatch), before, 'nothing written');
});
