import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, startApiFixture } from './api-fixture.ts';

// Well-known local development accounts, in their EIP-55 spelling.
const ALICE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const BOB = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const CAROL = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
const DAVE = '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65';
const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: { field: string; detail: string }[];
}

let f: ApiFixture;
let merchantA: string;
let merchantB: string;
let operator: string;

before(async () => {
  f = await startApiFixture();
  merchantA = (await f.createKey(['--merchant', 'mer_a', '--description', 'checkout A'])).key;
  merchantB = (await f.createKey(['--merchant', 'mer_b'])).key;
  operator = (await f.createKey(['--operator'])).key;
});
after(async () => {
  await f.close();
});

/** A raw request, for what the typed client cannot send (wrong types, other media types). */
async function raw(method: string, path: string, init: { key?: string; body?: string; type?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.key !== undefined) headers.authorization = `Bearer ${init.key}`;
  if (init.body !== undefined) headers['content-type'] = init.type ?? 'application/json';
  const response = await fetch(`${f.baseUrl}${path}`, {
    method,
    headers,
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await response.text();
  return { response, text, json: () => JSON.parse(text) as Problem };
}

function assertProblem(result: { response: Response; json: () => Problem }, status: number, field?: string): Problem {
  assert.equal(result.response.status, status);
  assert.equal(result.response.headers.get('content-type'), 'application/problem+json');
  const problem = result.json();
  assert.equal(problem.status, status);
  assert.match(problem.type, /^urn:payhook:problem:/);
  if (field !== undefined) {
    assert.ok(
      problem.errors?.some((e) => e.field === field),
      `expected a problem naming ${field}: ${JSON.stringify(problem)}`,
    );
  }
  return problem;
}

describe('operations', () => {
  it('serves /healthz, /readyz once the tables caught up, and /metrics by route and status', async () => {
    assert.equal((await raw('GET', '/healthz')).response.status, 200);
    const ready = await raw('GET', '/readyz');
    assert.equal(ready.response.status, 200);
    assert.deepEqual(JSON.parse(ready.text), { ready: true, failures: [] });
    await raw('GET', '/v1/payments/nope', { key: merchantA });
    const metrics = (await raw('GET', '/metrics')).text;
    assert.match(metrics, /payhook_api_requests_total\{[^}]*route="\/v1\/payments\/:payment_id",status="404"[^}]*\} 1/);
    assert.match(metrics, /payhook_api_request_duration_seconds_bucket\{[^}]*route="\/healthz",status="200"/);
  });

  it('answers unknown routes with a 404 problem', async () => {
    assertProblem(await raw('GET', '/v2/nothing'), 404);
  });
});

describe('authentication', () => {
  it('refuses a missing, malformed, unknown or wrong key with 401 and a problem document', async () => {
    const validButUnknown = `phk_${'0'.repeat(16)}_${'A'.repeat(43)}`;
    const wrongSecret = `${merchantA.slice(0, merchantA.lastIndexOf('_') + 1)}${'B'.repeat(43)}`.slice(0, 64);
    for (const key of [undefined, 'nope', validButUnknown, merchantA.slice(0, 21) + 'x'.repeat(43), wrongSecret]) {
      const result = await raw('GET', '/v1/endpoints', key === undefined ? {} : { key });
      const problem = assertProblem(result, 401);
      assert.equal(result.response.headers.get('www-authenticate'), 'Bearer realm="payhook"');
      if (key !== undefined) assert.ok(!problem.detail.includes(key), 'the problem never repeats the key');
    }
  });

  it('a revoked key is refused within seconds', async () => {
    const { key, keyId } = await f.createKey(['--merchant', 'mer_revoked']);
    assert.equal((await f.client(key).GET('/v1/endpoints')).response.status, 200);
    const revoked = await f.cli(['api-keys', 'revoke', keyId]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`revoked ${keyId}`));
    const deadline = Date.now() + 10_000;
    let status = 200;
    while (status !== 401 && Date.now() < deadline) {
      status = (await f.client(key).GET('/v1/endpoints')).response.status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 401);
  });

  it('api-keys create takes exactly one of --merchant and --operator, and documents the key format', async () => {
    for (const args of [[], ['--merchant', 'mer_x', '--operator'], ['--merchant', 'bad id']]) {
      const result = await f.cli(['api-keys', 'create', ...args]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /payhook: (--merchant <id> or --operator: give exactly one|--merchant: must be)/);
    }
    const revoke = await f.cli(['api-keys', 'revoke', 'nope']);
    assert.equal(revoke.code, 2);
    const help = await f.cli(['api-keys', 'create', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /phk_<key_id>_<secret>/);
    assert.match(help.stdout, /Authorization: Bearer <key>/);
  });

  it('api-keys list shows neither the key nor its hash', async () => {
    const result = await f.cli(['api-keys', 'list', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const listed = JSON.parse(result.stdout) as Record<string, unknown>[];
    assert.ok(listed.some((k) => k.merchant_id === 'mer_a' && k.description === 'checkout A' && k.role === 'MERCHANT'));
    assert.ok(listed.some((k) => k.role === 'OPERATOR' && k.merchant_id === null));
    for (const k of listed)
      assert.deepEqual(Object.keys(k).sort(), [
        'created_at',
        'description',
        'key_id',
        'merchant_id',
        'revoked_at',
        'role',
      ]);
    for (const key of [merchantA, merchantB, operator]) {
      assert.ok(!result.stdout.includes(key.slice(-43)), 'no secret in the listing');
    }
    const text = await f.cli(['api-keys', 'list']);
    assert.equal(text.code, 0);
    assert.ok(!text.stdout.includes(merchantA.slice(-43)));
  });
});

describe('payments', () => {
  it('creates a payment intent as the CLI would and reads it back', async () => {
    const client = f.client(merchantA);
    const created = await client.POST('/v1/payments', {
      body: { chain_id: 31337, deposit_address: ALICE.toLowerCase(), amount_expected: '1000', expires_in: '30m' },
    });
    assert.equal(created.response.status, 201, JSON.stringify(created.error));
    const payment = created.data;
    assert.ok(payment !== undefined);
    assert.match(payment.payment_id, /^pay_[0-9a-f]{20}$/);
    assert.equal(payment.merchant_id, 'mer_a');
    assert.equal(payment.deposit_address, ALICE, 'checksummed as the CLI does');
    assert.deepEqual(payment.asset, { kind: 'native', token_address: null, symbol: 'ETH', decimals: 18 });
    assert.equal(Date.parse(payment.expires_at) - Date.parse(payment.created_at), 30 * 60_000);

    const read = await client.GET('/v1/payments/{payment_id}', {
      params: { path: { payment_id: payment.payment_id } },
    });
    // A payment without events yet: pending, nothing received, no history.
    assert.deepEqual(read.data, { ...payment, status: 'pending', amount_received: '0', history: [] });
    // The pipeline sees the same intent.
    const [record] = await f.pipeline.read(f.pipeline.topics.intents, 1);
    const intent = await f.pipeline.codec.decode('PAYMENT_INTENT', record?.value ?? null);
    assert.equal(intent.payment_id, payment.payment_id);
    assert.equal(intent.merchant_id, 'mer_a');
  });

  it('an operator names the merchant; a merchant key cannot name another', async () => {
    const missing = await f.client(operator).POST('/v1/payments', {
      body: { chain_id: 31337, deposit_address: BOB, amount_expected: '5' },
    });
    assert.equal(missing.response.status, 422);
    assert.equal(missing.error?.errors?.[0]?.field, 'merchant_id');
    const foreign = await f.client(merchantA).POST('/v1/payments', {
      body: { merchant_id: 'mer_b', chain_id: 31337, deposit_address: BOB, amount_expected: '5' },
    });
    assert.equal(foreign.response.status, 422);
    assert.equal(foreign.error?.errors?.[0]?.field, 'merchant_id');
    const created = await f.client(operator).POST('/v1/payments', {
      body: {
        merchant_id: 'mer_b',
        chain_id: 31337,
        deposit_address: BOB,
        amount_expected: '25000000',
        token: { address: TOKEN, decimals: 6, symbol: 'USDC' },
        payment_id: 'pay_operator_b',
      },
    });
    assert.equal(created.response.status, 201, JSON.stringify(created.error));
    assert.equal(created.data?.merchant_id, 'mer_b');
    assert.equal(created.data?.asset.kind, 'erc20');
  });

  it("another merchant's payment is a 404, never the object", async () => {
    const got = await f.client(merchantA).GET('/v1/payments/{payment_id}', {
      params: { path: { payment_id: 'pay_operator_b' } },
    });
    assert.equal(got.response.status, 404);
    assert.equal(got.data, undefined);
    assert.ok(!JSON.stringify(got.error).includes('mer_b'));
    const own = await f.client(merchantB).GET('/v1/payments/{payment_id}', {
      params: { path: { payment_id: 'pay_operator_b' } },
    });
    assert.equal(own.response.status, 200);
    const all = await f.client(operator).GET('/v1/payments/{payment_id}', {
      params: { path: { payment_id: 'pay_operator_b' } },
    });
    assert.equal(all.response.status, 200);
  });

  it('refuses bad input naming the field, and writes nothing', async () => {
    const before = await f.recordCount(f.pipeline.topics.intents);
    const cases: [string, string][] = [
      [JSON.stringify({ chain_id: 31337, deposit_address: CAROL, amount_expected: '1.5' }), 'amount_expected'],
      [JSON.stringify({ chain_id: 31337, deposit_address: CAROL, amount_expected: 10 }), 'amount_expected'],
      [JSON.stringify({ chain_id: 31337, deposit_address: '0x1234', amount_expected: '10' }), 'deposit_address'],
      [JSON.stringify({ chain_id: 999999, deposit_address: CAROL, amount_expected: '10' }), 'chain_id'],
      [JSON.stringify({ deposit_address: CAROL, amount_expected: '10' }), 'chain_id'],
      [JSON.stringify({ chain_id: 31337, deposit_address: CAROL, amount_expected: '10', colour: 'red' }), 'colour'],
      [
        JSON.stringify({ chain_id: 31337, deposit_address: CAROL, amount_expected: '10', expires_in: '2y' }),
        'expires_in',
      ],
      [
        JSON.stringify({
          chain_id: 31337,
          deposit_address: CAROL,
          amount_expected: '10',
          token: { address: TOKEN, decimals: 300, symbol: 'X' },
        }),
        'token.decimals',
      ],
      [JSON.stringify({ chain_id: 31337, deposit_address: ALICE, amount_expected: '10' }), 'deposit_address'],
    ];
    for (const [body, field] of cases) {
      const result = await raw('POST', '/v1/payments', { key: merchantA, body });
      const status = field === 'deposit_address' && body.includes(ALICE) ? 409 : 422;
      assertProblem(result, status, field);
    }
    assert.equal(await f.recordCount(f.pipeline.topics.intents), before, 'nothing written');
  });

  it('two concurrent creates of one deposit address: one is written, the other is a 409', async () => {
    const before = await f.recordCount(f.pipeline.topics.intents);
    const address = '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc';
    const results = await Promise.all(
      [1, 2].map(() =>
        f.client(merchantA).POST('/v1/payments', {
          body: { chain_id: 31337, deposit_address: address, amount_expected: '1' },
        }),
      ),
    );
    assert.deepEqual(results.map((r) => r.response.status).sort(), [201, 409]);
    assert.equal(await f.recordCount(f.pipeline.topics.intents), before + 1);
  });

  it('caps bodies (413) and takes only JSON (415, 400)', async () => {
    const before = await f.recordCount(f.pipeline.topics.intents);
    const big = JSON.stringify({
      chain_id: 31337,
      deposit_address: DAVE,
      amount_expected: '1',
      pad: 'x'.repeat(70_000),
    });
    assertProblem(await raw('POST', '/v1/payments', { key: merchantA, body: big }), 413);
    assertProblem(await raw('POST', '/v1/payments', { key: merchantA, body: 'amount=1', type: 'text/plain' }), 415);
    assertProblem(await raw('POST', '/v1/payments', { key: merchantA, body: '{"chain_id":' }), 400);
    assert.equal(await f.recordCount(f.pipeline.topics.intents), before, 'nothing written');
  });

  it('Idempotency-Key: the same body gets the first result; another body gets 422', async () => {
    const client = f.client(merchantA);
    const before = await f.recordCount(f.pipeline.topics.intents);
    const body = { chain_id: 31337, deposit_address: DAVE, amount_expected: '77' };
    const params = { header: { 'idempotency-key': 'order-1' } };
    const first = await client.POST('/v1/payments', { body, params });
    assert.equal(first.response.status, 201, JSON.stringify(first.error));
    const again = await client.POST('/v1/payments', {
      body: { amount_expected: '77', deposit_address: DAVE, chain_id: 31337 },
      params,
    });
    assert.equal(again.response.status, 201);
    assert.deepEqual(again.data, first.data);
    assert.equal(first.response.headers.get('idempotent-replayed'), null);
    assert.equal(again.response.headers.get('idempotent-replayed'), 'true');
    const other = await client.POST('/v1/payments', { body: { ...body, amount_expected: '78' }, params });
    assert.equal(other.response.status, 422);
    assert.equal(other.error?.errors?.[0]?.field, 'idempotency-key');
    // Another key's Idempotency-Key space is its own.
    const elsewhere = await f.client(merchantB).POST('/v1/payments', { body, params });
    assert.equal(elsewhere.response.status, 409, 'a new request for B, refused on its merits (the address is taken)');
    assert.equal(await f.recordCount(f.pipeline.topics.intents), before + 1, 'one record for the three requests of A');
  });
});

describe('endpoints', () => {
  let endpointA: string;

  it('registers an endpoint: the secret is in the creation response only', async () => {
    const client = f.client(merchantA);
    const created = await client.POST('/v1/endpoints', {
      body: {
        url: 'http://127.0.0.1:9/hooks',
        event_types: ['payment.confirmed', 'payment.expired'],
        timeout_ms: 5000,
      },
    });
    assert.equal(created.response.status, 201, JSON.stringify(created.error));
    assert.match(created.data?.secret ?? '', /^whsec_/);
    endpointA = created.data?.endpoint_id ?? '';
    assert.match(endpointA, /^ep_/);
    const got = await client.GET('/v1/endpoints/{endpoint_id}', { params: { path: { endpoint_id: endpointA } } });
    assert.equal(got.response.status, 200);
    assert.equal(got.data?.url, 'http://127.0.0.1:9/hooks');
    const secret = created.data?.secret ?? 'none';
    const listed = await raw('GET', '/v1/endpoints', { key: merchantA });
    assert.ok(!listed.text.includes(secret) && !listed.text.includes('whsec_'));
    const one = await raw('GET', `/v1/endpoints/${endpointA}`, { key: operator });
    assert.ok(!one.text.includes('whsec_'));
    // The dispatcher's table has the secret.
    const [record] = await f.pipeline.read(f.pipeline.topics.endpoints, 1);
    const endpoint = await f.pipeline.codec.decode('ENDPOINT', record?.value ?? null);
    assert.equal(endpoint.secrets[0]?.secret, secret);
  });

  it("lists only the key's merchant's endpoints; another merchant's id is a 404", async () => {
    const b = await f.client(operator).POST('/v1/endpoints', {
      body: { merchant_id: 'mer_b', url: 'https://example.com/hooks', endpoint_id: 'ep_b_1' },
    });
    assert.equal(b.response.status, 201, JSON.stringify(b.error));
    const listA = await f.client(merchantA).GET('/v1/endpoints');
    assert.deepEqual(
      listA.data?.data.map((e) => e.endpoint_id),
      [endpointA],
    );
    const listAll = await f.client(operator).GET('/v1/endpoints', { params: { query: { limit: '1' } } });
    assert.equal(listAll.data?.data.length, 1);
    assert.equal(listAll.data?.done, false);
    const next = await f.client(operator).GET('/v1/endpoints', {
      params: { query: { limit: '1', iterator: listAll.data?.iterator ?? '' } },
    });
    assert.equal(next.data?.data.length, 1);
    assert.equal(next.data?.done, true);
    const foreign = await f.client(merchantA).GET('/v1/endpoints/{endpoint_id}', {
      params: { path: { endpoint_id: 'ep_b_1' } },
    });
    assert.equal(foreign.response.status, 404);
    assert.ok(!JSON.stringify(foreign.error).includes('example.com'));
    const foreignToB = await f.client(merchantB).GET('/v1/endpoints/{endpoint_id}', {
      params: { path: { endpoint_id: endpointA } },
    });
    assert.equal(foreignToB.response.status, 404);
  });

  it('refuses bad input naming the field, and writes nothing', async () => {
    const before = await f.recordCount(f.pipeline.topics.endpoints);
    const cases: [string, string][] = [
      [JSON.stringify({ url: 'http://example.com/hooks' }), 'url'],
      [JSON.stringify({ url: 'https://10.0.0.1/hooks' }), 'url'],
      [JSON.stringify({ url: 'https://example.com/', event_types: ['payment.nope'] }), 'event_types'],
      [JSON.stringify({ url: 'https://example.com/', timeout_ms: 5 }), 'timeout_ms'],
      [JSON.stringify({ url: 'https://example.com/', rate_limit_per_second: 0 }), 'rate_limit_per_second'],
      [JSON.stringify({ url: 'https://example.com/', endpoint_id: 'bad id' }), 'endpoint_id'],
      [JSON.stringify({ url: 'https://example.com/', secret: 'whsec_mine' }), 'secret'],
      [JSON.stringify({}), 'url'],
    ];
    for (const [body, field] of cases) {
      assertProblem(await raw('POST', '/v1/endpoints', { key: merchantA, body }), 422, field);
    }
    assertProblem(
      await raw('POST', '/v1/endpoints', {
        key: operator,
        body: JSON.stringify({ merchant_id: 'mer_b', url: 'https://example.com/', endpoint_id: 'ep_b_1' }),
      }),
      409,
      'endpoint_id',
    );
    assertProblem(await raw('GET', '/v1/endpoints?limit=0', { key: merchantA }), 422, 'querystring.limit');
    assertProblem(await raw('GET', '/v1/endpoints?limit=999', { key: merchantA }), 422, 'querystring.limit');
    assertProblem(await raw('GET', '/v1/endpoints?colour=red', { key: merchantA }), 422, 'querystring.colour');
    assert.equal(await f.recordCount(f.pipeline.topics.endpoints), before, 'nothing written');
  });

  it('Idempotency-Key: the same body gets the first endpoint; another body gets 422', async () => {
    const before = await f.recordCount(f.pipeline.topics.endpoints);
    const client = f.client(merchantB);
    const params = { header: { 'idempotency-key': 'ep-create-1' } };
    const first = await client.POST('/v1/endpoints', { body: { url: 'https://example.org/b' }, params });
    assert.equal(first.response.status, 201);
    const again = await client.POST('/v1/endpoints', { body: { url: 'https://example.org/b' }, params });
    assert.deepEqual(again.data, first.data);
    const other = await client.POST('/v1/endpoints', { body: { url: 'https://example.org/c' }, params });
    assert.equal(other.response.status, 422);
    assert.equal(await f.recordCount(f.pipeline.topics.endpoints), before + 1);
  });
});

describe('the OpenAPI document', () => {
  it('is served at /openapi.json as committed', async () => {
    const { readFile } = await import('node:fs/promises');
    const committed = JSON.parse(await readFile(new URL('../../services/api/openapi.json', import.meta.url), 'utf8'));
    const served = JSON.parse((await raw('GET', '/openapi.json')).text);
    assert.deepEqual(served, committed);
  });
});
