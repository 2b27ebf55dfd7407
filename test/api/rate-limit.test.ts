import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type ApiFixture, startApiFixture } from './api-fixture.ts';

let f: ApiFixture;
before(async () => {
  f = await startApiFixture({ API_RATE_LIMIT_PER_MINUTE: '3' });
});
after(async () => {
  await f.close();
});

it('limits requests per API key: 429 problem with Retry-After; another key keeps its own budget', async () => {
  const { key } = await f.createKey(['--merchant', 'mer_busy']);
  const other = (await f.createKey(['--merchant', 'mer_quiet'])).key;
  const client = f.client(key);
  for (let i = 0; i < 3; i++) assert.equal((await client.GET('/v1/endpoints')).response.status, 200);
  const limited = await client.GET('/v1/endpoints');
  assert.equal(limited.response.status, 429);
  assert.equal(limited.response.headers.get('content-type'), 'application/problem+json');
  const retryAfter = Number(limited.response.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `retry-after ${retryAfter}`);
  assert.equal((await f.client(other).GET('/v1/endpoints')).response.status, 200);
});
