// Two API instances on one pipeline share their Idempotency-Key records and jobs through the
// compacted api.idempotency and api.jobs topics: a key used on A holds on B and after A restarts;
// a job started on A shows its progress on B and after the restart.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { DeliveryHeader, type WebhookDelivery } from '@payhook/contracts';
import { createPipelineFixture, type PipelineFixture, waitUntil } from '@payhook/testkit';
import { type ApiFixture, startApiFixture } from './api-fixture.ts';

const SECRETS = { PAYHOOK_SECRETS_KEY: `k1:${randomBytes(32).toString('base64')}` };

let pipeline: PipelineFixture;
let a: ApiFixture;
let b: ApiFixture;
let key: string;
let keyId: string;

/** Starts an API instance on the shared pipeline, once it knows the key. */
async function instance(keyId?: string): Promise<ApiFixture> {
  const api = await startApiFixture(SECRETS, undefined, { pipeline });
  if (keyId !== undefined) {
    await waitUntil(() => api.app.store.apiKeys.get(keyId) !== undefined, { what: `key ${keyId} on a replica` });
  }
  return api;
}

before(async () => {
  pipeline = await createPipelineFixture({ tiers: '5s', partitions: 1 });
  a = await instance();
  const created = await a.createKey(['--merchant', 'mer_r']);
  key = created.key;
  keyId = created.keyId;
  b = await instance(keyId);
});
after(async () => {
  await a?.close();
  await b?.close();
  await pipeline?.close();
});
const payment = (address: string) => ({
  chain_id: 31337,
  deposit_address: address,
  amount_expected: '1000',
  expires_in: '30m',
});

it('the same Idempotency-Key on A then on B gives the first result (one intent); after A restarts it still holds', async () => {
  const intentsBefore = await a.recordCount(pipeline.topics.intents);
  const params = { header: { 'idempotency-key': 'order-replicas-1' } };
  const body = payment('0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
  const first = await a.client(key).POST('/v1/payments', { params, body });
  assert.equal(first.response.status, 201, JSON.stringify(first.error));
  assert.equal(first.response.headers.get('idempotent-replayed'), null);
  const onB = await b.client(key).POST('/v1/payments', { params, body });
  assert.equal(onB.response.status, 201, JSON.stringify(onB.error));
  assert.equal(onB.response.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(onB.data, first.data, 'the first response');
  const other = await b.client(key).POST('/v1/payments', {
    params,
    body: { ...body, amount_expected: '2000' },
  });
  assert.equal(other.response.status, 422);
  assert.equal(other.error?.errors?.[0]?.field, 'idempotency-key');
  assert.equal(await a.recordCount(pipeline.topics.intents), intentsBefore + 1, 'one intent written');

  // An endpoint's create response holds its secret: the stored record keeps it sealed.
  const epParams = { header: { 'idempotency-key': 'endpoint-replicas-1' } };
  const epBody = { url: 'https://example.com/replicas' };
  const endpoint = await a.client(key).POST('/v1/endpoints', { params: epParams, body: epBody });
  assert.equal(endpoint.response.status, 201, JSON.stringify(endpoint.error));
  const secret = endpoint.data?.secret as string;
  const stored = await pipeline.read(pipeline.topics.apiIdempotency, 2);
  const text = stored.map((r) => r.value?.toString('utf8') ?? '').join('\n');
  assert.ok(text.includes('enc:v1:k1:'), 'sealed under the configured key');
  assert.ok(!text.includes(secret.slice(6)), 'no secret in the api.idempotency topic');
  const epOnB = await b.client(key).POST('/v1/endpoints', { params: epParams, body: epBody });
  assert.equal(epOnB.response.headers.get('idempotent-replayed'), 'true');
  assert.equal(epOnB.data?.endpoint_id, endpoint.data?.endpoint_id);

  await a.close();
  a = await instance(keyId);
  const afterRestart = await a.client(key).POST('/v1/payments', { params, body });
  assert.equal(afterRestart.response.status, 201);
  assert.equal(afterRestart.response.headers.get('idempotent-replayed'), 'true');
  assert.equal(afterRestart.data?.payment_id, first.data?.payment_id);
  assert.equal(await a.recordCount(pipeline.topics.intents), intentsBefore + 1, 'still one intent');
});

it('a job started on A shows on B with its progress and counts, and on A after a restart', async () => {
  const endpoint = await a.client(key).POST('/v1/endpoints', { body: { url: 'https://example.com/jobs' } });
  const endpointId = endpoint.data?.endpoint_id as string;
  const since = new Date(Date.now() - 1_000).toISOString();
  const { topics, codec } = pipeline;
  for (const n of [1, 2, 3]) {
    const dead: WebhookDelivery = {
      delivery_id: `msg_replica_${n}`,
      event_id: `evt_replica_${n}`,
      event_type: 'payment.confirmed',
      endpoint_id: endpointId,
      merchant_id: 'mer_r',
      payment_id: `pay_replica_${n}`,
      body: '{}',
      created_at: Date.now(),
    };
    await pipeline.produceRaw(topics.dlq, endpointId, await codec.encode(topics.dlq, 'WEBHOOK_DELIVERY', dead), {
      [DeliveryHeader.DLQ_REASON]: 'retries_exhausted',
    });
  }
  const started = await a.client(key).POST('/v1/endpoints/{endpoint_id}/recover', {
    params: { path: { endpoint_id: endpointId } },
    body: { since, dry_run: true },
  });
  assert.equal(started.response.status, 202, JSON.stringify(started.error));
  const jobId = started.data?.job_id as string;
  const get = (api: ApiFixture) => api.client(key).GET('/v1/jobs/{job_id}', { params: { path: { job_id: jobId } } });
  // B knows the job at once (its start was written before the 202) and follows it to the end.
  const seen = await get(b);
  assert.equal(seen.response.status, 200, JSON.stringify(seen.error));
  assert.equal(seen.data?.endpoint_id, endpointId);
  let last: Awaited<ReturnType<typeof get>>['data'];
  await waitUntil(
    async () => {
      last = (await get(b)).data;
      return last?.status === 'succeeded';
    },
    { what: `job ${jobId} succeeded on B`, timeoutMs: 30_000 },
  ).catch((error: Error) => {
    // The job as B last showed it, read when the wait gave up.
    throw new Error(`${error.message} (last: ${JSON.stringify(last)})`);
  });
  assert.deepEqual([last?.progress, last?.scanned, last?.matched, last?.sent], [1, 3, 3, 0]);
  assert.ok(last?.finished_at !== null);
  const other = await b.createKey(['--merchant', 'mer_other']);
  await waitUntil(() => a.app.store.apiKeys.get(other.keyId) !== undefined, { what: 'the other key on A' });
  assert.equal((await get(b)).data?.job_id, jobId);
  const foreign = await b.client(other.key).GET('/v1/jobs/{job_id}', { params: { path: { job_id: jobId } } });
  assert.equal(foreign.response.status, 404, "another merchant's job is a 404 on every replica");

  await a.close();
  a = await instance(keyId);
  const restarted = await get(a);
  assert.equal(restarted.response.status, 200);
  assert.deepEqual([restarted.data?.status, restarted.data?.matched], ['succeeded', 3]);
});

it('a change on B right after one on A starts from it: a rotated-in secret is kept, a deleted endpoint stays deleted', async () => {
  const created = await a.client(key).POST('/v1/endpoints', { body: { url: 'https://example.com/both-replicas' } });
  assert.equal(created.response.status, 201, JSON.stringify(created.error));
  const id = created.data?.endpoint_id as string;
  const path = { params: { path: { endpoint_id: id } } };
  await waitUntil(() => b.app.store.endpoints.get(id) !== undefined, { what: 'the endpoint on B' });

  const rotated = await a.client(key).POST('/v1/endpoints/{endpoint_id}/rotate-secret', { ...path, body: {} });
  assert.equal(rotated.response.status, 200, JSON.stringify(rotated.error));
  const patched = await b.client(key).PATCH('/v1/endpoints/{endpoint_id}', { ...path, body: { description: 'on B' } });
  assert.equal(patched.response.status, 200, JSON.stringify(patched.error));
  await waitUntil(() => a.app.store.endpoints.get(id)?.description === 'on B', { what: "B's change on A" });
  assert.equal(a.app.store.endpoints.get(id)?.secrets.length, 2, 'the new secret and the old one in its overlap');

  const deleted = await a.client(key).DELETE('/v1/endpoints/{endpoint_id}', path);
  assert.equal(deleted.response.status, 204);
  const late = await b.client(key).PATCH('/v1/endpoints/{endpoint_id}', { ...path, body: { description: 'too late' } });
  assert.equal(late.response.status, 404, 'B sees the delete first');
  await waitUntil(() => b.app.store.endpoints.get(id)?.deleted_at !== null, { what: 'the delete on B' });
  assert.notEqual(a.app.store.endpoints.get(id)?.deleted_at, null, 'still deleted');
});
