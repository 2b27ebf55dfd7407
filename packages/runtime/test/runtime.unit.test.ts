import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { z } from 'zod';
import {
  ConfigError,
  createLogger,
  createMetricsRegistry,
  createShutdown,
  envField,
  parseEnv,
  startHealthServer,
} from '../src/index.ts';

describe('parseEnv', () => {
  const schema = z.object({
    BROKERS: envField.hostPorts(),
    PORT: envField.port().default(9464),
    URL: envField.httpUrl(),
  });

  it('parses and applies defaults; blank counts as unset', () => {
    const env = parseEnv(schema, { BROKERS: 'a:1, b:2', PORT: ' ', URL: 'http://x:1/y' });
    assert.deepEqual(env, { BROKERS: ['a:1', 'b:2'], PORT: 9464, URL: 'http://x:1/y' });
  });

  it('names every wrong variable, and says which are missing', () => {
    try {
      parseEnv(schema, { BROKERS: 'nope', PORT: '70000' });
      assert.fail('should throw');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(
        error.issues.map((i) => i.variable),
        ['BROKERS', 'PORT', 'URL'],
      );
      assert.match(error.issues[2]?.problem ?? '', /required but not set/);
      assert.match(error.message, /PORT: must be between 0 and 65535/);
    }
  });
});

describe('logger', () => {
  it('never writes secrets, signatures or RPC URLs', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk, _enc, done) => {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ name: 'test', destination: sink });
    logger.info(
      {
        endpoint: { secret: 'whsec_abc', secrets: ['whsec_def'] },
        headers: { 'webhook-signature': 'v1,sig', authorization: 'Bearer t' },
        rpcUrl: 'https://rpc.example/key123',
      },
      'hello',
    );
    const line = lines.join('');
    for (const leaked of ['whsec_abc', 'whsec_def', 'v1,sig', 'Bearer t', 'key123'])
      assert.ok(!line.includes(leaked), leaked);
    assert.match(line, /"service":"test"/);
  });
});

describe('health server', () => {
  it('serves /healthz, /readyz with failing checks named, and /metrics', async () => {
    let ready: true | string = 'kafka not connected';
    const registry = createMetricsRegistry('test');
    const server = await startHealthServer({ registry, port: 0, checks: [{ name: 'kafka', check: () => ready }] });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const notReady = await fetch(`${base}/readyz`);
      assert.equal(notReady.status, 503);
      assert.deepEqual(await notReady.json(), {
        ready: false,
        failures: [{ check: 'kafka', reason: 'kafka not connected' }],
      });
      ready = true;
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /payhook_process_cpu_seconds_total/);
      assert.equal((await fetch(`${base}/nope`)).status, 404);
    } finally {
      await server.close();
    }
  });
});

describe('shutdown', () => {
  it('runs steps once, in order, and exits 1 when one fails', async () => {
    const order: string[] = [];
    const codes: number[] = [];
    const logger = createLogger({ name: 'test', level: 'silent' });
    const shutdown = createShutdown({ logger, signals: [], exit: (code) => void codes.push(code) });
    shutdown.add('stop fetching', () => void order.push('a'));
    shutdown.add('flush', async () => {
      order.push('b');
      throw new Error('boom');
    });
    shutdown.add('close', () => void order.push('c'));
    await Promise.all([shutdown.run('test'), shutdown.run('again')]);
    assert.deepEqual(order, ['a', 'b', 'c']);
    assert.deepEqual(codes, [1]);
  });
});
