// The read model behind /v1/payments/{id}, /v1/deliveries and their attempts, fed with real
// records on a private pipeline: statuses derived from attempts and the DLQ, histories,
// paging, tenancy (a foreign id is a 404) and refused input on every new route; resend re-publishes
// with the same key and body; event types carry the JSON Schema real bodies pass.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { webhookBody } from '@payhook/confirmation-filter';
import { type DeliveryAttempt, DeliveryHeader, type PaymentEvent, type WebhookDelivery } from '@payhook/contracts';
import { headerText } from '@payhook/kafka';
import { waitUntil } from '@payhook/testkit';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { type ApiFixture, startApiFixture } from './api-fixture.ts';

const ALICE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const BOB = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';

let f: ApiFixture;
let merchantA: string;
let merchantB: string;
let operator: string;
let payA: string;
const T0 = Date.UTC(2026, 0, 15, 12);

function event(paymentId: string, merchant: string, sequence: number, status: PaymentEvent['status']): PaymentEvent {
  return {
    event_id: `evt_${paymentId}_${sequence}`,
    payment_id: paymentId,
    merchant_id: merchant,
    sequence,
    status,
    previous_status: sequence === 1 ? null : 'DETECTED',
    chain_id: 31337,
    address: ALICE,
    asset: { kind: 'NATIVE', token_address: null, symbol: 'ETH', decimals: 18 },
    amount_expected: '1000',
    amount_received: '1000',
    tx_hashes: ['0xabc'],
    block_number: 100 + sequence,
    block_hash: `0xblock${sequence}`,
    confirmations: sequence === 1 ? 0 : 2,
    occurred_at: T0 + sequence * 1_000,
    funding: [],
  };
}

function delivery(
  id: string,
  merchant: string,
  endpoint: string,
  paymentId: string,
  createdAt: number,
): WebhookDelivery {
  return {
    delivery_id: id,
    event_id: `evt_${id}`,
    event_type: 'payment.confirmed',
    endpoint_id: endpoint,
    merchant_id: merchant,
    payment_id: paymentId,
    body: '{}',
    created_at: createdAt,
  };
}

function attempt(
  d: WebhookDelivery,
  n: number,
  outcome: DeliveryAttempt['outcome'],
  extra: Partial<DeliveryAttempt> = {},
) {
  return {
    delivery_id: d.delivery_id,
    event_id: d.event_id,
    payment_id: d.payment_id,
    endpoint_id: d.endpoint_id,
    attempt: n,
    tier: 'dispatch',
    outcome,
    status_code: outcome === 'DELIVERED' ? 200 : 503,
    duration_ms: 12,
    error_class: outcome === 'DELIVERED' ? null : 'HTTP_5XX',
    error_message: null,
    attempted_at: d.created_at + n * 1_000,
    replayed_at: null,
    next_attempt_at: null,
    response_excerpt: null,
    ...extra,
  } satisfies DeliveryAttempt;
}

async function produceDelivery(topic: string, d: WebhookDelivery, headers: Record<string, string> = {}) {
  const value = await f.pipeline.codec.encode(topic, 'WEBHOOK_DELIVERY', d);
  await f.pipeline.produceRaw(topic, d.endpoint_id, value, headers);
}

async function raw(method: string, path: string, key?: string) {
  const response = await fetch(`${f.baseUrl}${path}`, {
    method,
    headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), body: JSON.parse(text) };
}

const delivered = delivery('msg_delivered', 'mer_a', 'ep_a', 'pay_rm_a', T0 + 10_000);
const retrying = delivery('msg_retrying', 'mer_a', 'ep_a', 'pay_rm_a', T0 + 20_000);
const failed = delivery('msg_failed', 'mer_a', 'ep_a2', 'pay_rm_a', T0 + 30_000);
const foreign = delivery('msg_foreign', 'mer_b', 'ep_b', 'pay_rm_b', T0 + 40_000);
const dueAt = T0 + 25_000;

before(async () => {
  f = await startApiFixture();
  merchantA = (await f.createKey(['--merchant', 'mer_a'])).key;
  merchantB = (await f.createKey(['--merchant', 'mer_b'])).key;
  operator = (await f.createKey(['--operator'])).key;
  const created = await f.client(merchantA).POST('/v1/payments', {
    body: { chain_id: 31337, deposit_address: ALICE, amount_expected: '1000', payment_id: 'pay_rm_a' },
  });
  assert.equal(created.response.status, 201, JSON.stringify(created.error));
  payA = 'pay_rm_a';
  await f.client(operator).POST('/v1/payments', {
    body: { merchant_id: 'mer_b', chain_id: 31337, deposit_address: BOB, amount_expected: '5', payment_id: 'pay_rm_b' },
  });
  const { topics } = f.pipeline;
  await f.pipeline.produce(topics.events, 'PAYMENT_EVENT', [
    { key: payA, value: event(payA, 'mer_a', 1, 'DETECTED') },
    { key: payA, value: event(payA, 'mer_a', 2, 'CONFIRMED') },
    // Written twice (an at-least-once producer): one state change in the history.
    { key: payA, value: event(payA, 'mer_a', 2, 'CONFIRMED') },
  ]);
  for (const d of [delivered, retrying, failed, foreign]) await produceDelivery(topics.dispatch, d);
  const tier = topics.retry[0];
  assert.ok(tier !== undefined);
  await produceDelivery(tier.topic, retrying, {
    [DeliveryHeader.TIER]: tier.label,
    [DeliveryHeader.DUE_AT]: String(dueAt),
    [DeliveryHeader.ATTEMPTS]: '1',
  });
  await produceDelivery(topics.dlq, failed, { [DeliveryHeader.DLQ_REASON]: 'retries_exhausted' });
  await f.pipeline.produce(topics.attempts, 'DELIVERY_ATTEMPT', [
    { key: delivered.delivery_id, value: attempt(delivered, 1, 'DELIVERED') },
    { key: retrying.delivery_id, value: attempt(retrying, 1, 'RETRY_SCHEDULED', { next_attempt_at: dueAt }) },
    {
      key: retrying.delivery_id,
      value: attempt(retrying, 1, 'HELD', {
        tier: tier.label,
        status_code: null,
        duration_ms: 0,
        error_class: 'circuit_open',
        attempted_at: retrying.created_at + 2_500,
        next_attempt_at: dueAt,
      }),
    },
    { key: failed.delivery_id, value: attempt(failed, 1, 'RETRY_SCHEDULED') },
    {
      key: failed.delivery_id,
      value: attempt(failed, 1, 'PARKED', {
        status_code: null,
        duration_ms: 0,
        error_class: 'max_age_exceeded',
        attempted_at: failed.created_at + 5_000,
        replayed_at: failed.created_at + 4_000,
      }),
    },
    { key: foreign.delivery_id, value: attempt(foreign, 1, 'DELIVERED') },
  ]);
  await waitUntil(async () => (await f.app.readModel.counts()).attempts === 6, {
    what: 'the read model reads the attempts',
    timeoutMs: 20_000,
  });
});
after(async () => {
  await f.close();
});

describe('payments from the read model', () => {
  it('GET /v1/payments/{id} gives the current state and every state change once', async () => {
    const got = await f.client(merchantA).GET('/v1/payments/{payment_id}', {
      params: { path: { payment_id: payA } },
    });
    assert.equal(got.response.status, 200, JSON.stringify(got.error));
    assert.equal(got.data?.status, 'confirmed');
    assert.equal(got.data?.amount_received, '1000');
    assert.deepEqual(
      got.data?.history.map((h) => [h.sequence, h.status, h.previous_status, h.block_number, h.confirmations]),
      [
        [1, 'detected', null, 101, 0],
        [2, 'confirmed', 'detected', 102, 2],
      ],
    );
    assert.deepEqual(got.data?.history[1]?.tx_hashes, ['0xabc']);
    assert.equal(got.data?.history[1]?.occurred_at, new Date(T0 + 2_000).toISOString());
  });

  it('GET /v1/payments filters by status and creation time, pages with a cursor, and sees only its merchant', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await f.client(merchantA).POST('/v1/payments', {
        body: {
          chain_id: 31337,
          deposit_address: `0x${String(i + 1).padStart(40, '0')}`,
          amount_expected: '1',
          payment_id: `pay_rm_page_${i}`,
        },
      });
      assert.equal(r.response.status, 201, JSON.stringify(r.error));
    }
    const confirmed = await f.client(merchantA).GET('/v1/payments', { params: { query: { status: 'confirmed' } } });
    assert.deepEqual(
      confirmed.data?.data.map((p) => [p.payment_id, p.status]),
      [[payA, 'confirmed']],
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await f.client(merchantA).GET('/v1/payments', {
        params: { query: { limit: '2', ...(cursor === undefined ? {} : { cursor }) } },
      });
      assert.equal(r.response.status, 200, JSON.stringify(r.error));
      seen.push(...(r.data?.data.map((p) => p.payment_id) ?? []));
      if (r.data?.done === true) break;
      cursor = r.data?.next_cursor ?? undefined;
    }
    assert.equal(seen.length, 4, 'every payment of mer_a once');
    assert.ok(!seen.includes('pay_rm_b'));
    assert.equal(new Set(seen).size, seen.length);
    const future = await f.client(merchantA).GET('/v1/payments', {
      params: { query: { created_after: new Date(Date.now() + 60_000).toISOString() } },
    });
    assert.deepEqual(future.data?.data, []);
    const all = await f.client(operator).GET('/v1/payments', { params: { query: { status: 'pending' } } });
    assert.ok(all.data?.data.some((p) => p.payment_id === 'pay_rm_b'));
  });
});

describe('deliveries from the read model', () => {
  it('derives delivered, retrying (with when the next attempt is due) and failed (with the reason)', async () => {
    const list = await f.client(merchantA).GET('/v1/deliveries', { params: { query: {} } });
    assert.equal(list.response.status, 200, JSON.stringify(list.error));
    assert.deepEqual(
      list.data?.data.map((d) => [d.delivery_id, d.status, d.failure_reason, d.next_attempt_at, d.attempt_count]),
      [
        ['msg_failed', 'failed', 'retries_exhausted', null, 2],
        ['msg_retrying', 'retrying', null, new Date(dueAt).toISOString(), 2],
        ['msg_delivered', 'delivered', null, null, 1],
      ],
      'newest first, only mer_a',
    );
  });

  it('filters by endpoint, payment, status and time, and pages with a cursor', async () => {
    const client = f.client(merchantA);
    const byEndpoint = await client.GET('/v1/deliveries', { params: { query: { endpoint_id: 'ep_a' } } });
    assert.deepEqual(
      byEndpoint.data?.data.map((d) => d.delivery_id),
      ['msg_retrying', 'msg_delivered'],
    );
    const byStatus = await client.GET('/v1/deliveries', { params: { query: { status: 'failed' } } });
    assert.deepEqual(
      byStatus.data?.data.map((d) => d.delivery_id),
      ['msg_failed'],
    );
    const window = await client.GET('/v1/deliveries', {
      params: {
        query: { since: new Date(T0 + 15_000).toISOString(), until: new Date(T0 + 30_000).toISOString() },
      },
    });
    assert.deepEqual(
      window.data?.data.map((d) => d.delivery_id),
      ['msg_retrying'],
    );
    const first = await client.GET('/v1/deliveries', { params: { query: { payment_id: payA, limit: '2' } } });
    assert.equal(first.data?.done, false);
    const second = await client.GET('/v1/deliveries', {
      params: { query: { payment_id: payA, limit: '2', cursor: first.data?.next_cursor ?? '' } },
    });
    assert.deepEqual(
      [...(first.data?.data ?? []), ...(second.data?.data ?? [])].map((d) => d.delivery_id),
      ['msg_failed', 'msg_retrying', 'msg_delivered'],
    );
    assert.equal(second.data?.done, true);
    assert.equal(second.data?.next_cursor, null);
  });

  it('GET /v1/deliveries/{id} lists every attempt with held and parked reasons and replays', async () => {
    const retry = await f.client(merchantA).GET('/v1/deliveries/{delivery_id}', {
      params: { path: { delivery_id: 'msg_retrying' } },
    });
    assert.equal(retry.response.status, 200, JSON.stringify(retry.error));
    assert.deepEqual(
      retry.data?.attempts.map((a) => [
        a.attempt,
        a.tier,
        a.outcome,
        a.status_code,
        a.error_class,
        a.reason,
        a.replayed,
      ]),
      [
        [1, 'dispatch', 'retry_scheduled', 503, 'HTTP_5XX', null, false],
        [1, '5s', 'held', null, 'circuit_open', 'circuit_open', false],
      ],
    );
    const fail = await f.client(merchantA).GET('/v1/deliveries/{delivery_id}', {
      params: { path: { delivery_id: 'msg_failed' } },
    });
    const parked = fail.data?.attempts.at(-1);
    assert.equal(parked?.outcome, 'parked');
    assert.equal(parked?.reason, 'max_age_exceeded');
    assert.equal(parked?.replayed, true);
    assert.equal(parked?.replayed_at, new Date(failed.created_at + 4_000).toISOString());
    assert.equal(fail.data?.status, 'failed');
  });

  it('resend re-publishes the delivery to dispatch with the same key and body, marked as a replay', async () => {
    const before = await f.recordCount(f.pipeline.topics.dispatch);
    const resent = await f.client(merchantA).POST('/v1/deliveries/{delivery_id}/resend', {
      params: { path: { delivery_id: 'msg_failed' } },
    });
    assert.equal(resent.response.status, 202, JSON.stringify(resent.error));
    assert.equal(resent.data?.sent, 1);
    assert.match(resent.data?.resend_id ?? '', /^rs_[0-9a-f]{16}$/);
    assert.equal(await f.recordCount(f.pipeline.topics.dispatch), before + 1);
    const records = await f.pipeline.read(f.pipeline.topics.dispatch, before + 1);
    const last = records.at(-1);
    assert.equal(last?.key?.toString(), failed.endpoint_id);
    const decoded = await f.pipeline.codec.decode('WEBHOOK_DELIVERY', last?.value ?? null);
    assert.deepEqual({ ...decoded }, failed, 'the same delivery: the same webhook-id and body');
    assert.equal(headerText(last?.headers, 'payhook-replay-id'), resent.data?.resend_id);
    assert.equal(headerText(last?.headers, DeliveryHeader.DLQ_REASON), undefined);
    // The read model reads the new record: the delivery is retrying again.
    await waitUntil(
      async () =>
        (
          await f.client(merchantA).GET('/v1/deliveries/{delivery_id}', {
            params: { path: { delivery_id: 'msg_failed' } },
          })
        ).data?.status === 'retrying',
      { what: 'the resent delivery retrying', timeoutMs: 15_000 },
    );
  });
});

describe('tenancy on the new routes: a foreign id is a 404', () => {
  it('payments, deliveries and resend of another merchant are 404s; the operator sees them', async () => {
    const checks: [string, string][] = [
      ['GET', '/v1/payments/pay_rm_b'],
      ['GET', '/v1/deliveries/msg_foreign'],
      ['POST', '/v1/deliveries/msg_foreign/resend'],
    ];
    const dispatched = await f.recordCount(f.pipeline.topics.dispatch);
    for (const [method, path] of checks) {
      const r = await raw(method, path, merchantA);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(r.type, 'application/problem+json');
      assert.ok(!JSON.stringify(r.body).includes('mer_b'));
    }
    assert.equal(await f.recordCount(f.pipeline.topics.dispatch), dispatched, 'a refused resend writes nothing');
    const list = await raw('GET', '/v1/deliveries?payment_id=pay_rm_b', merchantA);
    assert.deepEqual(list.body.data, [], 'a foreign payment has no deliveries for this key');
    const own = await raw('GET', '/v1/deliveries/msg_foreign', merchantB);
    assert.equal(own.status, 200);
    assert.equal((await raw('GET', '/v1/deliveries/msg_foreign', operator)).status, 200);
    assert.equal((await raw('GET', '/v1/deliveries/msg_nope', operator)).status, 404);
  });

  it('every new route needs a key', async () => {
    for (const [method, path] of [
      ['GET', '/v1/payments'],
      ['GET', '/v1/deliveries'],
      ['GET', '/v1/deliveries/msg_delivered'],
      ['POST', '/v1/deliveries/msg_delivered/resend'],
      ['GET', '/v1/event-types'],
    ] as const) {
      assert.equal((await raw(method, path)).status, 401, `${method} ${path}`);
    }
  });
});

describe('bad input on the new routes names the field and writes nothing', () => {
  it('refuses malformed query parameters with 422', async () => {
    const dispatched = await f.recordCount(f.pipeline.topics.dispatch);
    const cases: [string, string][] = [
      ['/v1/payments?status=paid', 'querystring.status'],
      ['/v1/payments?created_after=yesterday', 'querystring.created_after'],
      ['/v1/payments?limit=0', 'querystring.limit'],
      ['/v1/payments?limit=251', 'querystring.limit'],
      ['/v1/payments?cursor=bm9wZQ', 'querystring.cursor'],
      ['/v1/payments?sort=asc', 'querystring.sort'],
      [
        '/v1/payments?created_after=2026-01-02T00:00:00Z&created_before=2026-01-01T00:00:00Z',
        'querystring.created_before',
      ],
      ['/v1/deliveries?status=pending', 'querystring.status'],
      ['/v1/deliveries?since=1700000000', 'querystring.since'],
      ['/v1/deliveries?until=2026-13-01T00:00:00Z', 'querystring.until'],
      ['/v1/deliveries?cursor=%%%', 'querystring.cursor'],
      ['/v1/deliveries?limit=-1', 'querystring.limit'],
      ['/v1/deliveries?endpoint_id=', 'querystring.endpoint_id'],
      ['/v1/deliveries?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z', 'querystring.until'],
      ['/v1/event-types?x=1', 'querystring.x'],
    ];
    for (const [path, field] of cases) {
      const r = await raw('GET', path, merchantA);
      assert.equal(r.status, 422, `${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.type, 'application/problem+json');
      assert.ok(
        (r.body.errors as { field: string }[]).some((e) => e.field === field),
        `${path} names ${field}: ${JSON.stringify(r.body)}`,
      );
    }
    // Ids longer than the router's parameter limit are refused before any route runs.
    const long = await raw('POST', `/v1/deliveries/${'x'.repeat(200)}/resend`, merchantA);
    assert.equal(long.status, 414, JSON.stringify(long.body));
    const unknown = await raw('POST', '/v1/deliveries/msg_unknown/resend', merchantA);
    assert.equal(unknown.status, 404);
    assert.equal(await f.recordCount(f.pipeline.topics.dispatch), dispatched, 'nothing written');
  });
});

describe('event types', () => {
  it('lists every type with a JSON Schema that the bodies the dispatcher sends pass, and others fail', async () => {
    const r = await f.client(merchantA).GET('/v1/event-types');
    assert.equal(r.response.status, 200, JSON.stringify(r.error));
    const types = r.data?.data ?? [];
    assert.deepEqual(
      types.map((t) => t.name),
      [
        'payment.detected',
        'payment.confirmed',
        'payment.underpaid',
        'payment.overpaid',
        'payment.expired',
        'payment.reorged',
        'webhook.test',
      ],
    );
    assert.deepEqual(
      types.filter((t) => t.default_subscription).map((t) => t.name),
      ['payment.confirmed'],
    );
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats.default(ajv);
    const confirmed = types.find((t) => t.name === 'payment.confirmed');
    assert.ok(confirmed !== undefined);
    const validate = ajv.compile(confirmed.schema);
    const erc20 = {
      ...event('pay_x', 'mer_a', 2, 'CONFIRMED'),
      asset: { kind: 'ERC20' as const, token_address: BOB, symbol: 'USDC', decimals: 6 },
    };
    for (const e of [event('pay_x', 'mer_a', 2, 'CONFIRMED'), erc20]) {
      const body = JSON.parse(webhookBody(e, 'payment.confirmed'));
      assert.ok(validate(body), JSON.stringify(validate.errors));
    }
    const detected = JSON.parse(webhookBody(event('pay_x', 'mer_a', 1, 'DETECTED'), 'payment.detected'));
    assert.equal(validate(detected), false, 'a detected body is not a confirmed one');
    const data = (
      confirmed.schema as { properties: { data: { properties: Record<string, { description?: string }> } } }
    ).properties.data.properties;
    assert.equal(data.sequence?.description, "Position of this event in the payment's history, from 1.");
  });
});
