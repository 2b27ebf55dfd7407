// The API over the whole pipeline on real parts: a payment created over HTTP is paid on anvil,
// the scanner, the confirmation filter and the dispatcher deliver its webhook (verified with the
// public standardwebhooks library), and the API shows the payment confirmed with its history and
// the delivery delivered with its attempt; a resend arrives with the same webhook-id.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { paths } from '@payhook/api/client';
import { waitUntil } from '@payhook/testkit';
import { Webhook } from 'standardwebhooks';
import { parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { type Arrival, type Receiver, startReceiver } from '../dispatcher/receiver.ts';
import { createScannerFixture, type ScannerFixture } from '../scanner/scanner-fixture.ts';
import { type ApiFixture, startApiFixture } from './api-fixture.ts';
import { startFilterAndDispatcher } from './pipeline-services.ts';

type PaymentDetail = paths['/v1/payments/{payment_id}']['get']['responses'][200]['content']['application/json'];
type DeliveryList = paths['/v1/deliveries']['get']['responses'][200]['content']['application/json'];

let fx: ScannerFixture;
let api: ApiFixture;
let receiver: Receiver;
const stops: (() => Promise<void>)[] = [];

before(async () => {
  receiver = await startReceiver();
  fx = await createScannerFixture();
  await fx.startScanner();
  api = await startApiFixture({}, undefined, { pipeline: fx.pipe });
  stops.push(await startFilterAndDispatcher('api-e2e', fx.pipe.serviceEnv(), { DISPATCHER_RETRY_JITTER: '0' }));
});
after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await api?.close();
  await fx?.close();
  await receiver?.close();
});

function verified(secret: string, arrival: Arrival): { type: string; data: { payment_id: string; status: string } } {
  const headers = {
    'webhook-id': String(arrival.headers['webhook-id']),
    'webhook-timestamp': String(arrival.headers['webhook-timestamp']),
    'webhook-signature': String(arrival.headers['webhook-signature']),
  };
  return new Webhook(secret).verify(arrival.body, headers) as {
    type: string;
    data: { payment_id: string; status: string };
  };
}

it('create over HTTP → pay on chain → confirmed with its history, delivered with its attempt → resend arrives with the same id', async () => {
  const { key } = await api.createKey(['--merchant', 'mer_scan']);
  const client = api.client(key);
  const endpoint = await client.POST('/v1/endpoints', { body: { url: `${receiver.url}/shop` } });
  assert.equal(endpoint.response.status, 201, JSON.stringify(endpoint.error));
  const secret = endpoint.data?.secret as string;
  const created = await client.POST('/v1/payments', {
    body: {
      chain_id: 31337,
      deposit_address: privateKeyToAccount(generatePrivateKey()).address,
      amount_expected: parseEther('0.5').toString(),
      required_confirmations: 2,
    },
  });
  assert.equal(created.response.status, 201, JSON.stringify(created.error));
  const payment = created.data;
  assert.ok(payment !== undefined);
  // The scanner and the dispatcher read the intent and the endpoint from their topics.
  await new Promise((r) => setTimeout(r, 1_500));
  const receipt = await fx.chain.sendNative(payment.deposit_address as `0x${string}`, parseEther('0.5'));
  await fx.chain.mine(1);

  await waitUntil(() => receiver.arrivalsAt('/shop').length >= 1, { what: 'the webhook', timeoutMs: 30_000 });
  const first = receiver.arrivalsAt('/shop')[0] as Arrival;
  const body = verified(secret, first);
  assert.equal(body.type, 'payment.confirmed');
  assert.equal(body.data.payment_id, payment.payment_id);

  let state: PaymentDetail | undefined;
  await waitUntil(
    async () => {
      state = (await client.GET('/v1/payments/{payment_id}', { params: { path: { payment_id: payment.payment_id } } }))
        .data;
      return state?.status === 'confirmed';
    },
    { what: 'the payment confirmed in the API', timeoutMs: 15_000 },
  );
  assert.deepEqual(
    state?.history.map((h) => [h.status, h.tx_hashes]),
    [
      ['detected', [receipt.transactionHash]],
      ['confirmed', [receipt.transactionHash]],
    ],
  );
  const confirmed = state?.history.at(-1);
  assert.equal(confirmed?.block_number, Number(receipt.blockNumber));
  assert.equal(confirmed?.block_hash, receipt.blockHash);
  assert.ok((confirmed?.confirmations ?? 0) >= 2);
  assert.equal(state?.amount_received, parseEther('0.5').toString());

  let deliveries: DeliveryList | undefined;
  await waitUntil(
    async () => {
      deliveries = (await client.GET('/v1/deliveries', { params: { query: { payment_id: payment.payment_id } } })).data;
      return deliveries?.data[0]?.status === 'delivered';
    },
    { what: 'the delivery delivered in the API', timeoutMs: 15_000 },
  );
  assert.equal(deliveries?.data.length, 1);
  const delivery = deliveries?.data[0];
  assert.equal(delivery?.delivery_id, first.headers['webhook-id']);
  assert.equal(delivery?.endpoint_id, endpoint.data?.endpoint_id);
  const detail = await client.GET('/v1/deliveries/{delivery_id}', {
    params: { path: { delivery_id: delivery?.delivery_id as string } },
  });
  assert.deepEqual(
    detail.data?.attempts.map((a) => [a.attempt, a.tier, a.outcome, a.status_code, a.replayed]),
    [[1, 'dispatch', 'delivered', 200, false]],
  );
  assert.equal(detail.data?.next_attempt_at, null);
  assert.equal(detail.data?.body, first.body, 'the body exactly as signed and sent');
  assert.equal(detail.data?.attempts[0]?.response_excerpt, 'ok', "the start of the receiver's answer");

  const resent = await client.POST('/v1/deliveries/{delivery_id}/resend', {
    params: { path: { delivery_id: delivery?.delivery_id as string } },
  });
  assert.equal(resent.response.status, 202, JSON.stringify(resent.error));
  await waitUntil(() => receiver.arrivalsAt('/shop').length >= 2, { what: 'the resent webhook', timeoutMs: 30_000 });
  const second = receiver.arrivalsAt('/shop')[1] as Arrival;
  assert.equal(second.headers['webhook-id'], first.headers['webhook-id'], 'the same webhook-id');
  assert.equal(second.body, first.body, 'the same body');
  verified(secret, second);
  // The API shows the second attempt as a replay.
  await waitUntil(
    async () =>
      (
        await client.GET('/v1/deliveries/{delivery_id}', {
          params: { path: { delivery_id: delivery?.delivery_id as string } },
        })
      ).data?.attempts.some((a) => a.replayed) === true,
    { what: 'the replayed attempt in the API', timeoutMs: 15_000 },
  );
});
