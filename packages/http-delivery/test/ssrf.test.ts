import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createHttpSender } from '../src/index.ts';
import { recordingConnector, scriptedResolver, startServer, type TestServer, v4, v6 } from './support.ts';

const send = (sender: ReturnType<typeof createHttpSender>, url: string) =>
  sender.send({ url, headers: { 'content-type': 'application/json' }, body: '{}' });

describe('SSRF: refused endpoints never reach the connector', () => {
  test('loopback, private, metadata and mapped addresses, literal or resolved', async () => {
    const { connector, attempts } = recordingConnector();
    const { resolve, calls } = scriptedResolver([v4('10.20.30.40')]);
    // No allow-list: production policy.
    const sender = createHttpSender({ connector, resolve });
    const cases: readonly (readonly [string, string])[] = [
      ['https://127.0.0.1/hook', 'ADDRESS_REFUSED'],
      ['https://10.0.0.1/hook', 'ADDRESS_REFUSED'],
      ['https://169.254.169.254/latest/meta-data/iam/security-credentials/', 'ADDRESS_REFUSED'],
      ['https://[::1]/hook', 'ADDRESS_REFUSED'],
      ['https://[::ffff:127.0.0.1]/hook', 'ADDRESS_REFUSED'],
      ['https://[::ffff:a9fe:a9fe]/hook', 'ADDRESS_REFUSED'],
      ['https://[64:ff9b::a00:1]/hook', 'ADDRESS_REFUSED'],
      ['https://localhost/hook', 'ADDRESS_REFUSED'],
      ['https://internal.example.test/hook', 'ADDRESS_REFUSED'],
      ['http://10.0.0.1/hook', 'URL_HTTPS_REQUIRED'],
      ['http://public.example.test/hook', 'URL_HTTPS_REQUIRED'],
      ['https://user:pw@public.example.test/hook', 'URL_CREDENTIALS'],
      ['ftp://public.example.test/hook', 'URL_SCHEME'],
    ];
    try {
      for (const [url, errorClass] of cases) {
        const result = await send(sender, url);
        assert.deepEqual([result.outcome, result.errorClass, result.status], ['refused', errorClass, undefined], url);
      }
      assert.deepEqual(attempts, [], 'the connector was never called');
      assert.deepEqual(calls, ['internal.example.test'], 'only the one host name was resolved');
    } finally {
      await sender.destroy();
    }
  });

  test('a name resolving to a public and a private address is refused as a whole', async () => {
    const { connector, attempts } = recordingConnector();
    const { resolve } = scriptedResolver([v4('93.184.216.34'), v4('169.254.169.254'), v6('2606:2800:220:1::1')]);
    const sender = createHttpSender({ connector, resolve });
    try {
      const result = await send(sender, 'https://mixed.example.test/hook');
      assert.deepEqual([result.outcome, result.errorClass], ['refused', 'ADDRESS_REFUSED']);
      assert.match(result.error?.message ?? '', /169\.254\.169\.254 \(link-local\)/);
      assert.deepEqual(attempts, []);
    } finally {
      await sender.destroy();
    }
  });

  test('a name that does not resolve is a retryable DNS failure, with no connection', async () => {
    const { connector, attempts } = recordingConnector();
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    const { resolve } = scriptedResolver(notFound);
    const sender = createHttpSender({ connector, resolve });
    try {
      const result = await send(sender, 'https://nx.example.test/hook');
      assert.deepEqual([result.outcome, result.errorClass], ['retryable', 'DNS_FAILED']);
      assert.deepEqual(attempts, []);
    } finally {
      await sender.destroy();
    }
  });
});

describe('SSRF: redirects are not followed', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer((req, res) => {
      const location = req.url === '/to-private' ? 'http://10.0.0.1/' : 'http://169.254.169.254/latest/meta-data/';
      res.writeHead(req.url === '/to-private' ? 302 : 307, { location }).end();
    });
  });
  after(() => server.close());

  test('a 302 from an allow-listed loopback server to a private address causes no connection', async () => {
    const { connector, attempts } = recordingConnector();
    const sender = createHttpSender({ connector, devAllowList: ['127.0.0.1'] });
    try {
      for (const path of ['/to-private', '/to-metadata']) {
        const result = await send(sender, `${server.origin}${path}`);
        assert.deepEqual([result.outcome, result.errorClass], ['retryable', 'HTTP_3XX'], path);
      }
      assert.ok(attempts.length >= 1);
      for (const attempt of attempts) {
        assert.deepEqual([attempt.hostname, attempt.port], ['127.0.0.1', String(server.port)]);
      }
      assert.deepEqual(
        server.seen.map((r) => r.url),
        ['/to-private', '/to-metadata'],
      );
    } finally {
      await sender.destroy();
    }
  });
});

describe('DNS rebinding', () => {
  let server: TestServer;
  before(async () => {
    let count = 0;
    server = await startServer((_req, res) => {
      count += 1;
      // The second response closes its connection, so the third request needs a new one.
      res.writeHead(200, count === 2 ? { connection: 'close' } : {}).end('ok');
    });
  });
  after(() => server.close());

  test('the host is resolved once per connection and the connection goes to the checked address', async () => {
    // Diverts every socket to the local server, so the "public" address is never contacted.
    const { connector, attempts } = recordingConnector(server.port);
    const { resolve, calls } = scriptedResolver([v4('93.184.216.34')], [v4('10.0.0.5')]);
    // One pooled connection, so that keep-alive reuse is deterministic.
    const sender = createHttpSender({ connector, resolve, connectionsPerOrigin: 1 });
    try {
      const url = 'https://hooks.example.test/payhook';
      const first = await send(sender, url);
      const second = await send(sender, url);
      assert.deepEqual([first.outcome, second.outcome], ['delivered', 'delivered']);
      assert.equal(calls.length, 1, 'two requests on one keep-alive connection, one lookup');
      assert.deepEqual(attempts, [
        { hostname: '93.184.216.34', port: '', protocol: 'https:', servername: 'hooks.example.test' },
      ]);
      assert.deepEqual(
        server.seen.map((r) => r.headers.host),
        ['hooks.example.test', 'hooks.example.test'],
      );

      // The name now rebinds to a private address: the next connection is refused.
      const third = await send(sender, url);
      assert.deepEqual([third.outcome, third.errorClass], ['refused', 'ADDRESS_REFUSED']);
      assert.deepEqual(calls, ['hooks.example.test', 'hooks.example.test']);
      assert.equal(attempts.length, 1, 'no connection attempt to the rebound address');
      assert.equal(server.seen.length, 2);
    } finally {
      await sender.destroy();
    }
  });

  test('addresses are tried in resolver order, each one checked before any connection', async () => {
    const { connector, attempts } = recordingConnector(server.port);
    const { resolve } = scriptedResolver([v6('2606:2800:220:1::1'), v4('93.184.216.34')]);
    const sender = createHttpSender({ connector, resolve });
    try {
      const result = await send(sender, 'https://dual.example.test:8443/payhook');
      assert.equal(result.outcome, 'delivered');
      assert.deepEqual(
        attempts.map((a) => [a.hostname, a.port, a.servername]),
        [['2606:2800:220:1::1', '8443', 'dual.example.test']],
      );
    } finally {
      await sender.destroy();
    }
  });
});

describe('connection fallback', () => {
  test('an address that fails to connect falls back to the next checked one', async () => {
    const server = await startServer((_req, res) => res.writeHead(204).end());
    // The test connector fails the public address itself (no packet), then reaches loopback,
    // which the allow-list admits as an address while the name stays under the https rule.
    const { connector, attempts } = recordingConnector();
    const { resolve } = scriptedResolver([v4('93.184.216.34'), v4('127.0.0.1')]);
    const sender = createHttpSender({ connector, resolve, devAllowList: ['127.0.0.1'] });
    try {
      const result = await send(sender, `https://fallback.example.test:${server.port}/payhook`);
      assert.equal(result.outcome, 'delivered');
      assert.deepEqual(
        attempts.map((a) => a.hostname),
        ['93.184.216.34', '127.0.0.1'],
      );
    } finally {
      await sender.destroy();
      await server.close();
    }
  });

  test('a resolver that hangs is bounded by the connect timeout', async () => {
    const { connector, attempts } = recordingConnector();
    const sender = createHttpSender({ connector, resolve: () => new Promise(() => {}), connectTimeoutMs: 200 });
    try {
      const result = await send(sender, 'https://slow-dns.example.test/payhook');
      assert.deepEqual([result.outcome, result.errorClass], ['retryable', 'TIMEOUT_CONNECT']);
      assert.deepEqual(attempts, []);
    } finally {
      await sender.destroy();
    }
  });
});

describe('TLS to the checked address', () => {
  const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  const cert = fixture('hooks-example-test.crt');
  let server: TestServer;
  before(async () => {
    server = await startServer((_req, res) => res.writeHead(200).end('secure'), {
      key: fixture('hooks-example-test.key'),
      cert,
    });
  });
  after(() => server.close());

  test('SNI and certificate verification use the host name while the socket goes to the IP', async () => {
    const { connector, attempts } = recordingConnector(server.port, { ca: cert });
    const { resolve } = scriptedResolver([v4('93.184.216.34')]);
    const sender = createHttpSender({ connector, resolve });
    try {
      const result = await send(sender, 'https://hooks.example.test/payhook');
      assert.deepEqual([result.outcome, result.bodySnippet], ['delivered', 'secure']);
      assert.deepEqual(
        attempts.map((a) => [a.hostname, a.servername]),
        [['93.184.216.34', 'hooks.example.test']],
      );
    } finally {
      await sender.destroy();
    }
  });

  test('a certificate for another name fails verification', async () => {
    const { connector } = recordingConnector(server.port, { ca: cert });
    const { resolve } = scriptedResolver([v4('93.184.216.34')]);
    const sender = createHttpSender({ connector, resolve });
    const seenBefore = server.seen.length;
    try {
      const result = await send(sender, 'https://other.example.test/payhook');
      assert.deepEqual([result.outcome, result.errorClass], ['retryable', 'TLS_FAILED']);
      assert.equal(result.error?.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
      assert.equal(server.seen.length, seenBefore, 'no request went over the unverified connection');
    } finally {
      await sender.destroy();
    }
  });
});
