import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createPortalTokens, PortalRole } from '@payhook/api';
import { type ApiFixture, startApiFixture } from './api-fixture.ts';

// Portal links: issued by operator keys only, their tokens scoped like a merchant's key, refused
// with a 401 problem when expired or altered.
const PORTAL_KEY = randomBytes(32);
const ALICE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

let f: ApiFixture;
let operator: string;
let merchantA: string;

before(async () => {
  f = await startApiFixture({ PAYHOOK_PORTAL_KEY: PORTAL_KEY.toString('base64'), API_PORTAL_LINK_TTL_MS: '600000' });
  operator = (await f.createKey(['--operator'])).key;
  merchantA = (await f.createKey(['--merchant', 'mer_pa'])).key;
});
after(async () => {
  await f.close();
});

async function call(method: string, path: string, bearer?: string) {
  const response = await fetch(`${f.baseUrl}${path}`, {
    method,
    headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

async function merchantLink(merchant: string): Promise<{ token: string; url: string; expires_at: string }> {
  const { data, response } = await f.client(operator).POST('/v1/merchants/{merchant_id}/portal-links', {
    params: { path: { merchant_id: merchant } },
  });
  assert.equal(response.status, 201);
  assert.ok(data !== undefined);
  return data;
}

describe('issuing portal links', () => {
  it('gives an operator key a console URL with the token in its fragment and an expiry', async () => {
    const before = Date.now();
    const link = await merchantLink('mer_pa');
    const url = new URL(link.url);
    assert.equal(url.pathname, '/console/');
    assert.equal(url.search, '');
    assert.equal(url.hash, `#token=${link.token}`);
    assert.match(link.token, /^pht_/);
    const expires = Date.parse(link.expires_at);
    assert.ok(expires >= before + 600_000 && expires <= Date.now() + 600_000, link.expires_at);
  });

  it('makes operator links', async () => {
    const { data, response } = await f.client(operator).POST('/v1/operator/portal-links');
    assert.equal(response.status, 201);
    assert.equal(data?.role, PortalRole.OPERATOR);
    assert.equal(data?.merchant_id, null);
  });

  it('refuses merchant keys and portal tokens (403), and requests without a credential (401)', async () => {
    const link = await merchantLink('mer_pa');
    const { data: operatorLink } = await f.client(operator).POST('/v1/operator/portal-links');
    for (const bearer of [merchantA, link.token, operatorLink?.token ?? '']) {
      const refused = await call('POST', '/v1/merchants/mer_pa/portal-links', bearer);
      assert.equal(refused.status, 403);
      assert.equal(refused.type, 'application/problem+json');
      assert.equal(refused.body?.detail, 'an operator API key is required');
      assert.equal((await call('POST', '/v1/operator/portal-links', bearer)).status, 403);
    }
    assert.equal((await call('POST', '/v1/merchants/mer_pa/portal-links')).status, 401);
  });
});

describe('a portal token', () => {
  it("acts as its merchant's key: its own objects are visible, another merchant's are 404", async () => {
    const own = await f.client(operator).POST('/v1/endpoints', {
      body: { merchant_id: 'mer_pa', url: 'http://127.0.0.1:9/own' },
    });
    const foreign = await f.client(operator).POST('/v1/endpoints', {
      body: { merchant_id: 'mer_pb', url: 'http://127.0.0.1:9/foreign' },
    });
    assert.equal(own.response.status, 201);
    assert.equal(foreign.response.status, 201);
    const ownId = own.data?.endpoint_id ?? '';
    const foreignId = foreign.data?.endpoint_id ?? '';
    await waitForEndpoints([ownId, foreignId]);

    const { token } = await merchantLink('mer_pa');
    const client = f.client(token);
    const list = await client.GET('/v1/endpoints');
    assert.equal(list.response.status, 200);
    assert.deepEqual(
      list.data?.data.map((e) => e.endpoint_id),
      [ownId],
    );
    assert.equal(
      (await client.GET('/v1/endpoints/{endpoint_id}', { params: { path: { endpoint_id: ownId } } })).response.status,
      200,
    );
    const hidden = await call('GET', `/v1/endpoints/${foreignId}`, token);
    assert.equal(hidden.status, 404);
    // Creates are for its own merchant, as with a merchant key.
    const created = await client.POST('/v1/payments', {
      body: { chain_id: 31337, deposit_address: ALICE, amount_expected: '1000' },
    });
    assert.equal(created.response.status, 201);
    assert.equal(created.data?.merchant_id, 'mer_pa');
    const other = await client.POST('/v1/endpoints', { body: { merchant_id: 'mer_pb', url: 'http://127.0.0.1:9/x' } });
    assert.equal(other.response.status, 422);
  });

  it('of an operator link sees every merchant', async () => {
    const { data } = await f.client(operator).POST('/v1/operator/portal-links');
    const list = await f.client(data?.token).GET('/v1/endpoints');
    const merchants = new Set(list.data?.data.map((e) => e.merchant_id));
    assert.ok(merchants.has('mer_pa') && merchants.has('mer_pb'), [...merchants].join());
  });

  it('is refused with a 401 problem once expired, saying so', async () => {
    // Signed with the API's key an hour ago, for a minute: valid but for its expiry.
    const past = createPortalTokens(PORTAL_KEY, () => Date.now() - 3_600_000);
    const { token } = past.issue({ role: PortalRole.MERCHANT, merchantId: 'mer_pa', ttlMs: 60_000 });
    const refused = await call('GET', '/v1/endpoints', token);
    assert.equal(refused.status, 401);
    assert.equal(refused.type, 'application/problem+json');
    assert.equal(refused.body?.type, 'urn:payhook:problem:unauthorized');
    assert.equal(refused.body?.detail, 'the portal link has expired: ask for a new one');
  });

  it('is refused with a 401 problem when altered or signed with another key', async () => {
    const { token } = await merchantLink('mer_pa');
    const [payload = '', signature = ''] = token.slice('pht_'.length).split('.');
    // The payload changed to another merchant, the signature kept.
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, m: 'mer_pb' })).toString('base64url');
    const otherKey = createPortalTokens(randomBytes(32), () => Date.now());
    // A character in the middle: the last one carries padding bits, which some changes leave alone.
    const middle = Math.floor(signature.length / 2);
    const flipped = `${signature.slice(0, middle)}${signature[middle] === 'A' ? 'B' : 'A'}${signature.slice(middle + 1)}`;
    for (const bad of [
      `pht_${forged}.${signature}`,
      `pht_${payload}.${flipped}`,
      otherKey.issue({ role: PortalRole.MERCHANT, merchantId: 'mer_pa', ttlMs: 60_000 }).token,
    ]) {
      const refused = await call('GET', '/v1/endpoints', bad);
      assert.equal(refused.status, 401, bad);
      assert.equal(refused.body?.detail, 'the portal token is not valid');
    }
    const malformed = await call('GET', '/v1/endpoints', 'pht_nonsense');
    assert.equal(malformed.status, 401);
    assert.equal(malformed.body?.detail, 'the portal token is malformed');
  });
});

async function waitForEndpoints(ids: readonly string[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (ids.some((id) => f.app.store.endpoints.get(id) === undefined)) {
    if (Date.now() > deadline) throw new Error(`the API did not read endpoints ${ids.join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
