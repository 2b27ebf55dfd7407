import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateSecret } from '@payhook/signing';
import { recordingNetwork, watchConnections } from '@payhook/testkit/network';
import { Webhook } from 'standardwebhooks';
import {
  createThreadedHttpSender,
  type HttpSender,
  SenderClosedError,
  SenderThreadError,
  type ThreadedHttpSender,
  type ThreadedHttpSenderOptions,
} from '../src/index.ts';
import { startServer, type TestServer } from './support.ts';

const BODY = '{"type":"payment.confirmed","data":{"amount":"125000000"}}';

/** Test names: one resolves to a private address, one to a public one (diverted locally). */
const HOSTS = { 'private.example.test': '10.0.0.1', 'public.example.test': '93.184.216.34' };

describe('createThreadedHttpSender against a real local server', () => {
  let server: TestServer;
  const senders: HttpSender[] = [];
  const open = (options: ThreadedHttpSenderOptions): ThreadedHttpSender => {
    const sender = createThreadedHttpSender(options);
    senders.push(sender);
    return sender;
  };

  before(async () => {
    server = await startServer((req, res) => {
      const route = (req.url ?? '/').split('?')[0];
      if (route === '/ok') res.writeHead(200).end('thanks');
      else if (route === '/gone') res.writeHead(410).end();
      else if (route === '/slow-down') res.writeHead(429, { 'retry-after': '7' }).end();
      else if (route === '/later') setTimeout(() => res.writeHead(204).end(), 200);
      else if (route === '/silent')
        return; // never answers
      else res.writeHead(404).end();
    });
  });
  after(async () => {
    await Promise.all(senders.map((sender) => sender.destroy()));
    await server.close();
  });

  test('signs in the thread with every active secret, and classifies as the sender it runs', async () => {
    const sender = open({ devAllowList: ['127.0.0.1'] });
    const secrets = [generateSecret(), generateSecret()];
    const events: string[] = [];
    const delivered = await sender.send({
      url: `${server.origin}/ok`,
      headers: { 'content-type': 'application/json' },
      body: BODY,
      signing: { id: 'msg_thread_1', timestamp: Math.floor(Date.now() / 1000), secrets },
      onStart: () => events.push('start'),
    });
    events.push('result');
    assert.deepEqual(events, ['start', 'result'], 'told of the start before the result');
    assert.equal(delivered.outcome, 'delivered');
    assert.equal(delivered.bodySnippet, 'thanks');
    const seen = server.seen.at(-1);
    assert.ok(seen);
    assert.equal(seen.body, BODY);
    assert.equal(seen.headers['webhook-id'], 'msg_thread_1');
    assert.equal(String(seen.headers['webhook-signature']).split(' ').length, 2, 'one signature per secret');
    for (const secret of secrets) {
      // Each secret on its own verifies the request, as during a rotation.
      assert.doesNotThrow(() => new Webhook(secret).verify(seen.body, seen.headers as Record<string, string>));
    }

    const [gone, throttled] = await Promise.all(
      ['/gone', '/slow-down'].map((path) => sender.send({ url: `${server.origin}${path}`, headers: {}, body: BODY })),
    );
    assert.equal(gone?.outcome, 'gone');
    assert.equal(throttled?.outcome, 'throttled');
    assert.equal(throttled?.retryAfterMs, 7_000);
  });

  test('each request carries its own headers, whether they change within a batch, between batches or in place', async () => {
    const sender = open({ devAllowList: ['127.0.0.1'] });
    const a = { 'content-type': 'application/json', 'x-tag': 'a' };
    const b = { 'content-type': 'application/json', 'x-tag': 'b' };
    const send = (tag: string, headers: Record<string, string>) =>
      sender.send({ url: `${server.origin}/ok?${tag}`, headers, body: BODY });
    const tagsSeen = () =>
      new Map(server.seen.map((s) => [String(s.url).split('?')[1], [s.headers['x-tag'], s.headers['x-extra']]]));

    // One batch (one turn): equal, different, equal again, then fewer headers.
    await Promise.all([send('1', a), send('2', { ...a }), send('3', b), send('4', a), send('5', {})]);
    // Later batches: the same object changed in place, then a header added.
    const mutable: Record<string, string> = { ...a };
    await send('6', mutable);
    mutable['x-tag'] = 'c';
    await send('7', mutable);
    mutable['x-extra'] = 'more';
    await send('8', mutable);
    const seen = tagsSeen();
    assert.deepEqual(
      ['1', '2', '3', '4', '5', '6', '7', '8'].map((tag) => seen.get(tag)),
      [
        ['a', undefined],
        ['a', undefined],
        ['b', undefined],
        ['a', undefined],
        [undefined, undefined],
        ['a', undefined],
        ['c', undefined],
        ['c', 'more'],
      ],
    );
  });

  test('a batch that cannot cross fails each of its calls; the next batch carries its headers again', async () => {
    const sender = open({ devAllowList: ['127.0.0.1'] });
    const headers = { 'x-tag': 'kept' };
    const send = (tag: string, body: string) => sender.send({ url: `${server.origin}/ok?${tag}`, headers, body });
    // A function cannot be copied to a thread: the whole turn's batch fails with it.
    const results = await Promise.allSettled([
      send('clone-1', BODY),
      send('clone-2', (() => BODY) as unknown as string),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    const after = await send('clone-3', BODY);
    assert.equal(after.outcome, 'delivered');
    const seen = server.seen.filter((s) => String(s.url).includes('clone-'));
    assert.deepEqual(
      seen.map((s) => [String(s.url).split('?')[1], s.headers['x-tag']]),
      [['clone-3', 'kept']],
    );
  });

  test('the address guard runs in the thread: a private address is refused without a connection', async () => {
    const channel = 'guard-test';
    const seen = watchConnections(channel);
    const sender = open({ networkModule: recordingNetwork({ channel, hosts: HOSTS, divertToPort: server.port }) });
    const refused = await sender.send({ url: 'https://private.example.test/hook', headers: {}, body: BODY });
    assert.equal(refused.outcome, 'refused');
    assert.equal(refused.errorClass, 'ADDRESS_REFUSED');
    const loopback = await sender.send({ url: `${server.origin}/ok`, headers: {}, body: BODY });
    assert.equal(loopback.errorClass, 'URL_HTTPS_REQUIRED', 'plain http to a host that is not allow-listed');
    const allowed = await sender.send({ url: 'https://public.example.test/ok', headers: {}, body: BODY });
    assert.equal(allowed.outcome, 'delivered', 'a public address passes the guard (and is diverted here)');
    await sender.close();
    seen.close();
    assert.deepEqual(seen.hosts, ['93.184.216.34'], 'the only connection is the public one');
  });

  test('an abort of the caller’s signal reaches the attempt in the thread', async () => {
    const sender = open({ devAllowList: ['127.0.0.1'] });
    const controller = new AbortController();
    const started = new Promise<void>((resolve) => {
      void sender
        .send({
          url: `${server.origin}/silent`,
          headers: {},
          body: BODY,
          signal: controller.signal,
          onStart: resolve,
        })
        .then((result) => results.push(result.errorClass));
    });
    const results: string[] = [];
    await started;
    controller.abort();
    const okRequests = () => server.seen.filter((request) => request.url === '/ok').length;
    const before = okRequests();
    const aborted = await sender.send({
      url: `${server.origin}/ok`,
      headers: {},
      body: BODY,
      signal: controller.signal,
    });
    assert.equal(aborted.errorClass, 'ABORTED', 'a call with an aborted signal is not sent');
    const fresh = await sender.send({
      url: `${server.origin}/ok`,
      headers: {},
      body: BODY,
      signal: AbortSignal.abort(),
    });
    assert.equal(fresh.errorClass, 'ABORTED', 'nor one with a signal that was aborted before it was first seen');
    assert.equal(okRequests(), before, 'neither reached the server');
    await sender.close();
    assert.deepEqual(results, ['ABORTED']);
  });

  test('destroy aborts the attempts in flight', async () => {
    const sender = open({ devAllowList: ['127.0.0.1'] });
    const hanging = new Promise<string>((resolve, reject) => {
      sender
        .send({ url: `${server.origin}/silent`, headers: {}, body: BODY, onStart: () => void sender.destroy() })
        .then((result) => resolve(result.errorClass), reject);
    });
    assert.equal(await hanging, 'ABORTED');
  });

  test('an onStart that throws fails its own call only', async () => {
    const sender = open({ devAllowList: ['127.0.0.1'] });
    const broken = sender.send({
      url: `${server.origin}/ok`,
      headers: {},
      body: BODY,
      onStart: () => {
        throw new Error('caller bug');
      },
    });
    const fine = sender.send({ url: `${server.origin}/ok`, headers: {}, body: BODY, onStart: () => undefined });
    await assert.rejects(broken, /caller bug/);
    assert.equal((await fine).outcome, 'delivered');
  });

  test('a signing problem rejects the call with its error, and the sender goes on', async () => {
    const sender = open({ devAllowList: ['127.0.0.1'] });
    await assert.rejects(
      sender.send({
        url: `${server.origin}/ok`,
        headers: {},
        body: BODY,
        signing: { id: 'msg_no_secret', timestamp: 1, secrets: [] },
      }),
      { name: 'NoSecretError', code: 'PAYHOOK_SIGNING_NO_SECRET', retryable: false },
    );
    assert.equal((await sender.send({ url: `${server.origin}/ok`, headers: {}, body: BODY })).outcome, 'delivered');
  });

  test('close waits for the attempts in flight, then refuses new calls', async () => {
    const sender = open({ devAllowList: ['127.0.0.1'] });
    const order: string[] = [];
    const inFlight = sender.send({ url: `${server.origin}/later`, headers: {}, body: BODY });
    void inFlight.then(() => order.push('answered'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await sender.close();
    order.push('closed');
    assert.deepEqual(order, ['answered', 'closed']);
    assert.equal((await inFlight).status, 204);
    await assert.rejects(sender.send({ url: `${server.origin}/ok`, headers: {}, body: BODY }), SenderClosedError);
  });

  /** A sender whose thread exits at its first connection, and the failures it reported. */
  const dying = (channel: string) => {
    const fatal: SenderThreadError[] = [];
    const sender = open({
      networkModule: recordingNetwork({ channel, exitOnConnect: true }),
      devAllowList: ['127.0.0.1'],
      onFatal: (error) => fatal.push(error),
    });
    return { sender, fatal };
  };

  test('a thread that dies fails its attempts and later calls, and is reported once', async () => {
    const { sender, fatal } = dying('exit-test');
    await assert.rejects(sender.send({ url: `${server.origin}/ok`, headers: {}, body: BODY }), SenderThreadError);
    await assert.rejects(sender.send({ url: `${server.origin}/ok`, headers: {}, body: BODY }), SenderThreadError);
    assert.equal(fatal.length, 1);
    assert.match(fatal[0]?.message ?? '', /exited with code 3/);
    await assert.rejects(sender.threadHeapStatistics(), /sender thread 0 exited with code 3/);
    await sender.close();
  });

  test('a thread that dies while closing still fails what it owed, and is not reported', async () => {
    const { sender, fatal } = dying('exit-while-closing');
    const owed = sender.send({ url: `${server.origin}/ok`, headers: {}, body: BODY });
    const closed = sender.close();
    await assert.rejects(owed, SenderThreadError);
    await closed;
    assert.equal(fatal.length, 0);
  });

  test('with several threads every origin is served', async () => {
    const other = await startServer((_req, res) => res.writeHead(200).end());
    try {
      const sender = open({ devAllowList: ['127.0.0.1'], threads: 3 });
      const urls = Array.from({ length: 40 }, (_, i) => `${i % 2 === 0 ? server.origin : other.origin}/ok`);
      const results = await Promise.all(urls.map((url) => sender.send({ url, headers: {}, body: BODY })));
      assert.deepEqual(new Set(results.map((r) => r.outcome)), new Set(['delivered']));
      await sender.close();
    } finally {
      await other.close();
    }
  });
});

test('bad options fail when the threaded sender is created, naming the option', () => {
  assert.throws(() => createThreadedHttpSender({ timeoutMs: 0 }), /timeoutMs must be > 0/);
  assert.throws(() => createThreadedHttpSender({ threads: 0 }), /threads must be an integer ≥ 1/);
  assert.throws(() => createThreadedHttpSender({ devAllowList: ['not a host!'] }), { name: 'AllowListError' });
  assert.throws(
    () => createThreadedHttpSender({ heap: { youngGenerationMb: 2, oldGenerationMb: 64 } }),
    /heap.youngGenerationMb must be an integer ≥ 3/,
  );
  assert.throws(
    () => createThreadedHttpSender({ heap: { youngGenerationMb: 48, oldGenerationMb: 0.5 } }),
    /heap.oldGenerationMb must be an integer ≥ 1/,
  );
});

test('sender threads get the heap asked for, while the process runs with heap flags of its own', () => {
  // A process of its own: the flags are the process's, and the sender changes them for later isolates.
  const script = `
    import { getHeapStatistics } from 'node:v8';
    import { createThreadedHttpSender } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)};
    const sender = createThreadedHttpSender({ threads: 2, heap: { youngGenerationMb: 48, oldGenerationMb: 128 } });
    const threads = await sender.threadHeapStatistics();
    await sender.close();
    const mib = (info) => Math.round(info.heap_size_limit / 2 ** 20);
    console.log(JSON.stringify({ main: mib(getHeapStatistics()), threads: threads.map(mib) }));
  `;
  // A file rather than --eval: worker threads inherit the process's flags, and --input-type
  // would refuse to load their file.
  const dir = mkdtempSync(join(tmpdir(), 'payhook-thread-heap-'));
  const file = join(dir, 'limits.mjs');
  writeFileSync(file, script);
  // The dispatcher's deployed flags: the two caps, two that shape collections without sizing a
  // heap, and one that leaves a compiler tier out.
  const flags = [
    '--max-semi-space-size=8',
    '--max-old-space-size=256',
    '--initial-old-space-size=64',
    '--no-parallel-scavenge',
    '--no-maglev',
  ];
  const run = spawnSync(process.execPath, [...flags, file], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(run.status, 0, run.stderr);
  const limits = JSON.parse(run.stdout) as { main: number; threads: number[] };
  // V8's limit is the old generation's cap plus the young generation (three semi-spaces).
  assert.equal(limits.main, 256 + 3 * 8, 'the process keeps the limits of its flags');
  assert.deepEqual(limits.threads, [128 + 48, 128 + 48], 'each thread has its own');
});
