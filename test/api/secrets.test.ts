import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { after, before, it } from 'node:test';
import { type ApiFixture, startApiFixture } from './api-fixture.ts';

const lines: string[] = [];
let f: ApiFixture;
before(async () => {
  const logs = new PassThrough();
  logs.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  f = await startApiFixture({ PAYHOOK_SECRETS_KEY: `k1:${randomBytes(32).toString('base64')}` }, logs);
});
after(async () => {
  await f.close();
});

it('no API key or signing secret reaches a log line, an error or a later response', async () => {
  const { key } = await f.createKey(['--merchant', 'mer_logs']);
  const wrong = `${key.slice(0, -4)}AAAA`;
  const refused = await f.client(wrong).GET('/v1/endpoints');
  assert.equal(refused.response.status, 401);
  assert.ok(!JSON.stringify(refused.error).includes(wrong.slice(-43)));
  const created = await f.client(key).POST('/v1/endpoints', { body: { url: 'https://example.com/logs' } });
  assert.equal(created.response.status, 201);
  const secret = created.data?.secret ?? '';
  assert.match(secret, /^whsec_/);
  // A request that fails on its merits, with the secret in a field the API does not take.
  const bad = await fetch(`${f.baseUrl}/v1/endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: 'https://example.com/x', secret }),
  });
  assert.equal(bad.status, 422);
  assert.ok(!(await bad.text()).includes(secret));
  const later = await fetch(`${f.baseUrl}/v1/endpoints/${created.data?.endpoint_id}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  assert.ok(!(await later.text()).includes('whsec_'));
  // Sealed at rest: the endpoints topic holds neither the secret nor its key bytes.
  const [stored] = await f.pipeline.read(f.pipeline.topics.endpoints, 1);
  const raw = stored?.value?.toString('latin1') ?? '';
  assert.ok(raw.includes('enc:v1:k1:'), 'the secret is sealed under the configured key');
  assert.ok(!raw.includes(secret.slice(6)), 'no secret in the endpoints topic');
  await new Promise((r) => setTimeout(r, 200));
  const log = lines.join('');
  assert.ok(log.length > 0, 'the API logged');
  for (const text of [key.slice(-43), wrong.slice(-43), secret, secret.slice(6)]) {
    assert.ok(!log.includes(text), 'a secret reached the log');
  }
});
