import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHttpSender, type HttpSender, SenderClosedError } from '../src/index.ts';
import { closedPort, recordingConnector, startServer, type TestServer } from './support.ts';

const SIGNATURE = 'v1,c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1sZWFr';

describe('createHttpSender against a real local server', () => {
  let server: TestServer;
  let sender: HttpSender;
  const nowMs = Date.parse('2025-01-01T00:00:00Z');

  before(async () => {
    server = await startServer((req, res) => {
      const route = (req.url ?? '/').split('?')[0];
      if (route === '/ok') res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
      else if (route === '/fail') res.writeHead(500).end('database down');
      else if (route === '/gone') res.writeHead(410).end();
      else if (route === '/slow-down') res.writeHead(429, { 'retry-after': '7' }).end();
      else if (route === '/maintenance') res.writeHead(503, { 'retry-after': 'Wed, 01 Jan 2025 00:01:00 GMT' }).end();
      else if (route === '/moved') res.writeHead(302, { location: `${server.origin}/ok` }).end();
      else if (route === '/huge') res.writeHead(200).end('x'.repeat(1024 * 1024));
      else if (route === '/silent')
        return; // never answers
      else if (route === '/stall-body') res.writeHead(200).write('partial');
      else if (route === '/trickle') {
        res.writeHead(200);
        const timer = setInterval(() => res.write('.'), 20);
        res.on('close', () => clearInterval(timer));
      } else if (route === '/reset') req.socket.destroy();
      else if (route === '/busy') setTimeout(() => res.writeHead(204).end(), 50);
      else res.writeHead(404).end();
    });
    sender = createHttpSender({ devAllowList: ['127.0.0.1'], clock: { now: () => nowMs } });
  });

  after(async () => {
    await sender.destroy();
    await server.close();
  });

  const post = (path: string, extra: Partial<Parameters<HttpSender['send']>[0]> = {}) =>
    sender.send({
      url: `${server.origin}${path}`,
      headers: { 'content-type': 'application/json', 'webhook-signature': SIGNATURE },
      body: '{"type":"payment.confirmed"}',
      ...extra,
    });

  test('2xx is delivered, with the exact body and headers, and Host from the URL', async () => {
    const before = server.seen.length;
    const result = await sender.send({
      url: `${server.origin}/ok?merchant=42`,
      headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1', host: 'evil.example' },
      body: new TextEncoder().encode('{"amount":"1000000000000000000"}'),
    });
    assert.equal(result.outcome, 'delivered');
    assert.equal(result.errorClass, 'HTTP_2XX');
    assert.equal(result.status, 200);
    assert.equal(result.bodySnippet, 'thanks');
    assert.equal(result.bodyTruncated, false);
    assert.ok(result.durationMs >= 0);
    const seen = server.seen[before];
    assert.equal(seen?.method, 'POST');
    assert.equal(seen?.url, '/ok?merchant=42');
    assert.equal(seen?.body, '{"amount":"1000000000000000000"}');
    assert.equal(seen?.headers['webhook-id'], 'msg_1');
    assert.equal(seen?.headers.host, `127.0.0.1:${server.port}`);
  });

  test('500 is retryable, with the body kept for diagnostics', async () => {
    const result = await post('/fail');
    assert.deepEqual([result.outcome, result.errorClass, result.status], ['retryable', 'HTTP_5XX', 500]);
    assert.equal(result.bodySnippet, 'database down');
  });

  test('410 is gone', async () => {
    const result = await post('/gone');
    assert.deepEqual([result.outcome, result.errorClass, result.status], ['gone', 'HTTP_410', 410]);
  });

  test('429 is throttled and exposes Retry-After raw and parsed', async () => {
    const result = await post('/slow-down');
    assert.deepEqual([result.outcome, result.errorClass, result.status], ['throttled', 'HTTP_429', 429]);
    assert.equal(result.retryAfter, '7');
    assert.equal(result.retryAfterMs, 7_000);
  });

  test('503 is throttled; an HTTP-date Retry-After is measured from the clock', async () => {
    const result = await post('/maintenance');
    assert.deepEqual([result.outcome, result.errorClass], ['throttled', 'HTTP_503']);
    assert.equal(result.retryAfter, 'Wed, 01 Jan 2025 00:01:00 GMT');
    assert.equal(result.retryAfterMs, 60_000);
  });

  test('302 is a failure and is not followed', async () => {
    const hits = server.seen.length;
    const result = await post('/moved');
    assert.deepEqual([result.outcome, result.errorClass, result.status], ['retryable', 'HTTP_3XX', 302]);
    assert.equal(server.seen.length, hits + 1);
    assert.equal(server.seen.at(-1)?.url, '/moved');
  });

  test('a server that never answers hits the headers timeout', async () => {
    const result = await post('/silent', { headersTimeoutMs: 200 });
    assert.deepEqual([result.outcome, result.errorClass, result.status], ['retryable', 'TIMEOUT_HEADERS', undefined]);
    assert.equal(result.error?.code, 'UND_ERR_HEADERS_TIMEOUT');
  });

  test('the overall deadline bounds an attempt whatever the phase timeouts say', async () => {
    const result = await post('/silent', { headersTimeoutMs: 10_000, timeoutMs: 200 });
    assert.deepEqual([result.outcome, result.errorClass], ['retryable', 'TIMEOUT_TOTAL']);
    const trickle = await post('/trickle', { bodyTimeoutMs: 10_000, timeoutMs: 300 });
    assert.deepEqual([trickle.outcome, trickle.status, trickle.bodyError], ['delivered', 200, 'TIMEOUT_TOTAL']);
  });

  test('a body that stalls after a 2xx keeps the status and reports the body timeout', async () => {
    const result = await post('/stall-body', { bodyTimeoutMs: 200 });
    assert.deepEqual([result.outcome, result.status, result.bodyError], ['delivered', 200, 'TIMEOUT_BODY']);
    assert.equal(result.bodySnippet, undefined);
  });

  test('a huge response body is capped and the sender stays usable', async () => {
    const result = await post('/huge');
    assert.equal(result.outcome, 'delivered');
    assert.equal(result.bodySnippet?.length, 4_096);
    assert.equal(result.bodyTruncated, true);
    assert.equal((await post('/ok')).outcome, 'delivered');
  });

  test('a connection dropped mid-request is a reset', async () => {
    const result = await post('/reset');
    assert.deepEqual([result.outcome, result.errorClass], ['retryable', 'CONNECTION_RESET']);
  });

  test('a closed port is connection refused', async () => {
    const port = await closedPort();
    const result = await post('/', { url: `http://127.0.0.1:${port}/hook` });
    assert.deepEqual(
      [result.outcome, result.errorClass, result.status],
      ['retryable', 'CONNECTION_REFUSED', undefined],
    );
    assert.equal(result.error?.code, 'ECONNREFUSED');
    assert.match(result.error?.message ?? '', /ECONNREFUSED 127\.0\.0\.1:\d+/);
  });

  test('onStart is called when the request goes out, and not for a refused URL', async () => {
    let started = 0;
    const onStart = () => started++;
    assert.equal((await post('/ok', { onStart })).outcome, 'delivered');
    assert.equal(started, 1);
    assert.equal((await post('/', { url: 'http://example.com/hook', onStart })).outcome, 'refused');
    assert.equal(started, 1);
  });

  test('the caller can abort an attempt', async () => {
    const controller = new AbortController();
    const pending = post('/silent', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const result = await pending;
    assert.deepEqual([result.outcome, result.errorClass], ['retryable', 'ABORTED']);
  });

  test('no result carries the signature, the body or the query string', async () => {
    const results = await Promise.all([
      post('/fail'),
      post('/silent', { headersTimeoutMs: 100 }),
      post('/', { url: `http://127.0.0.1:${await closedPort()}/hook?token=s3cr3t` }),
      post('/', { url: 'http://example.com/hook?token=s3cr3t' }),
    ]);
    const text = JSON.stringify(results);
    assert.doesNotMatch(text, /s3cr3t|c2lnbmF0dXJl|payment\.confirmed/);
  });
});

describe('createHttpSender limits', () => {
  test('a call that fails before its request goes out gives its slots back', async () => {
    const server = await startServer((_req, res) => res.writeHead(204).end());
    const sender = createHttpSender({ devAllowList: ['127.0.0.1'], connectionsPerOrigin: 1, maxConcurrent: 1 });
    const url = `${server.origin}/ok`;
    try {
      const fail = () => {
        throw new Error('caller bug');
      };
      await assert.rejects(sender.send({ url, headers: {}, body: '{}', onStart: fail }), /caller bug/);
      const signing = { id: 'msg_1', timestamp: 1, secrets: ['whsec_not*base64'] };
      await assert.rejects(sender.send({ url, headers: {}, body: '{}', signing }), { name: 'InvalidSecretError' });
      assert.equal((await sender.send({ url, headers: {}, body: '{}' })).outcome, 'delivered', 'not blocked');
    } finally {
      await sender.destroy();
      await server.close();
    }
  });

  test('limits that are not positive integers are refused, naming the option', () => {
    assert.throws(() => createHttpSender({ connectionsPerOrigin: 0 }), /connectionsPerOrigin must be an integer ≥ 1/);
    assert.throws(() => createHttpSender({ maxConcurrent: 1.5 }), /maxConcurrent must be an integer ≥ 1/);
  });

  test('maxConcurrent bounds attempts across endpoints', async () => {
    const server = await startServer((_req, res) => setTimeout(() => res.writeHead(204).end(), 30));
    const sender = createHttpSender({ devAllowList: ['127.0.0.1', 'localhost'], maxConcurrent: 2 });
    try {
      const urls = Array.from({ length: 8 }, (_, i) => `http://127.0.0.1:${server.port}/endpoint-${i}`);
      const results = await Promise.all(urls.map((url) => sender.send({ url, headers: {}, body: '{}' })));
      assert.ok(results.every((r) => r.outcome === 'delivered'));
      assert.equal(server.seen.length, 8);
      assert.equal(server.peakConcurrency(), 2);
    } finally {
      await sender.destroy();
      await server.close();
    }
  });

  test("attempts beyond an origin's connections wait in the sender, where an abort reaches them", async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/silent') return;
      res.writeHead(204).end();
    });
    const other = await startServer((_req, res) => res.writeHead(204).end());
    const sender = createHttpSender({ devAllowList: ['127.0.0.1'], connectionsPerOrigin: 1 });
    try {
      const hanging = sender.send({ url: `${server.origin}/silent`, headers: {}, body: '{}', timeoutMs: 2_000 });
      const controller = new AbortController();
      const queued = sender.send({ url: `${server.origin}/ok`, headers: {}, body: '{}', signal: controller.signal });
      // Another origin is not held up by the busy one.
      assert.equal((await sender.send({ url: `${other.origin}/ok`, headers: {}, body: '{}' })).outcome, 'delivered');
      controller.abort();
      assert.deepEqual([(await queued).outcome, (await queued).errorClass], ['retryable', 'ABORTED']);
      assert.deepEqual(
        server.seen.map((r) => r.url),
        ['/silent'],
        'the queued attempt never reached the server',
      );
      assert.equal((await hanging).errorClass, 'TIMEOUT_TOTAL');
      // The origin's slot is free again.
      assert.equal((await sender.send({ url: `${server.origin}/ok`, headers: {}, body: '{}' })).outcome, 'delivered');
    } finally {
      await sender.destroy();
      await server.close();
      await other.close();
    }
  });

  test('the connect timeout covers a connector that never completes', async () => {
    const stuck = recordingConnector();
    const sender = createHttpSender({
      devAllowList: ['127.0.0.1'],
      connectTimeoutMs: 200,
      connector: (options) => void stuck.attempts.push({ ...options, servername: undefined }),
    });
    try {
      const result = await sender.send({ url: 'http://127.0.0.1:9/hook', headers: {}, body: '{}' });
      assert.deepEqual([result.outcome, result.errorClass], ['retryable', 'TIMEOUT_CONNECT']);
      assert.equal(stuck.attempts.length, 1);
    } finally {
      await sender.destroy();
    }
  });

  test('a closed sender refuses new work', async () => {
    const sender = createHttpSender();
    await sender.close();
    await assert.rejects(sender.send({ url: 'https://example.com/', headers: {}, body: '' }), SenderClosedError);
  });

  test('invalid options fail fast', () => {
    assert.throws(() => createHttpSender({ timeoutMs: 0 }), RangeError);
    assert.throws(() => createHttpSender({ devAllowList: ['not a host'] }), /allow-list/);
  });
});
