// The pipeline's main paths over SASL_SSL with SCRAM, each service as its own user with only the
// grants of payhook acls apply, the registry
// over https with basic auth: topics create, a payment event through the confirmation filter
// and the dispatcher to a verified webhook, replay and lag through the CLI. No password in any
// log, output or /metrics.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PaymentEvent } from '@payhook/contracts';
import {
  createPipelineFixture,
  type PipelineFixture,
  type RunningService,
  sampleValues,
  startService,
  stopServices,
  uniqueName,
  waitUntil,
} from '@payhook/testkit';
import { Webhook } from 'standardwebhooks';
import { runCli } from '../cli/run-cli.ts';
import { testEndpoint } from '../dispatcher/fixture.ts';
import { type Receiver, startReceiver } from '../dispatcher/receiver.ts';
import { type SecureStack, startSecureStack, useEnvironment } from './secure-fixture.ts';

let stack: SecureStack;
let pipe: PipelineFixture;
let receiver: Receiver;
let logDir: string;
const services: RunningService[] = [];
const outputs: string[] = [];

/** What a process of this pipeline sets to run as `user`. */
const envOf = (user: string): Record<string, string> => ({ ...pipe.serviceEnv(), ...stack.env(user) });
async function cli(args: readonly string[], user = 'payhook-cli') {
  const result = await runCli(args, envOf(user));
  outputs.push(result.stdout, result.stderr);
  return result;
}

before(async () => {
  stack = await startSecureStack();
  receiver = await startReceiver();
  logDir = mkdtempSync(join(tmpdir(), 'payhook-secure-logs-'));
  // The test's own clients (the pipeline fixture) take the process's security, as a service
  // does; they write what the scanner and the API would, so they run as the admin.
  useEnvironment(stack.env('payhook-admin'));
  const prefix = `${uniqueName('sec')}.`;
  const adminEnv = {
    ...stack.env('payhook-admin'),
    PAYHOOK_TOPIC_PREFIX: prefix,
    PAYHOOK_RETRY_TIERS: '1s,2s',
    PAYHOOK_PARTITIONS: '3',
  };
  // Provisioned as production is: the topics, then each service's grant alone.
  for (const args of [
    ['topics', 'create'],
    ['acls', 'apply'],
  ]) {
    const result = await runCli(args, adminEnv);
    outputs.push(result.stdout, result.stderr);
    assert.equal(result.code, 0, result.stderr);
  }
  pipe = await createPipelineFixture({
    prefix,
    tiers: '1s,2s',
    kafkaBrokers: [stack.listener.brokers],
    schemaRegistryUrl: stack.registryUrl,
  });
});

after(async () => {
  await stopServices(services);
  await pipe?.close().catch(() => undefined);
  await receiver?.close();
  await stack?.close();
  if (logDir !== undefined) rmSync(logDir, { recursive: true, force: true });
});

describe('the pipeline over SASL_SSL with SCRAM', () => {
  it('topics create made every pipeline topic, and topics describe reads them over SASL_SSL', async () => {
    const described = await cli(['topics', 'describe', '--json']);
    assert.equal(described.code, 0, described.stderr);
    const rows = JSON.parse(described.stdout) as { topic: string; missing?: boolean; partitions?: number }[];
    assert.ok(rows.length >= 8, 'every pipeline topic is listed');
    assert.deepEqual(
      rows.filter((r) => r.missing === true).map((r) => r.topic),
      [],
    );
    for (const topic of [pipe.topics.events, pipe.topics.dispatch, pipe.topics.endpoints, pipe.topics.dlq]) {
      assert.ok(
        rows.some((r) => r.topic === topic && (r.partitions ?? 0) > 0),
        `${topic} exists`,
      );
    }
  });

  it('a payment event goes through the confirmation filter and the dispatcher to a webhook that verifies', async () => {
    services.push(
      startService(
        'confirmation-filter',
        { ...envOf('payhook-confirmation-filter'), FILTER_INSTANCE_ID: 'secure-1' },
        logDir,
      ),
      startService(
        'dispatcher',
        {
          ...envOf('payhook-dispatcher'),
          DISPATCHER_DEV_ALLOW_LIST: '127.0.0.1',
          DISPATCHER_RETRY_JITTER: '0',
        },
        logDir,
      ),
    );
    const merchant = uniqueName('mer');
    const endpoint = testEndpoint({ url: `${receiver.url}/secure`, merchant_id: merchant });
    await pipe.produce(pipe.topics.endpoints, 'ENDPOINT', [{ key: endpoint.endpoint_id, value: endpoint }]);
    const paymentId = uniqueName('pay');
    const event: PaymentEvent = {
      ...sampleValues.PAYMENT_EVENT,
      event_id: `evt_${paymentId}_1`,
      payment_id: paymentId,
      merchant_id: merchant,
      sequence: 1,
      status: 'CONFIRMED',
    };
    await pipe.produce(pipe.topics.events, 'PAYMENT_EVENT', [{ key: paymentId, value: event }]);

    await waitUntil(() => receiver.arrivalsAt('/secure').length >= 1, { what: 'the webhook', timeoutMs: 90_000 });
    const arrival = receiver.arrivalsAt('/secure')[0];
    assert.ok(arrival);
    const payload = new Webhook(endpoint.secrets[0]?.secret as string).verify(arrival.body, {
      'webhook-id': String(arrival.headers['webhook-id']),
      'webhook-timestamp': String(arrival.headers['webhook-timestamp']),
      'webhook-signature': String(arrival.headers['webhook-signature']),
    }) as { type: string; data: { payment_id: string } };
    assert.equal(payload.type, 'payment.confirmed');
    assert.equal(payload.data.payment_id, paymentId);

    // Replay through the CLI: the same webhook-id arrives again.
    const webhookId = String(arrival.headers['webhook-id']);
    const replay = await cli([
      'replay',
      '--from',
      'dispatch',
      '--delivery',
      webhookId,
      '--reason',
      'secure test',
      '--json',
    ]);
    assert.equal(replay.code, 0, replay.stderr);
    assert.equal((JSON.parse(replay.stdout) as { sent: number }).sent, 1);
    await waitUntil(() => receiver.arrivalsAt('/secure').length >= 2, {
      what: 'the replayed webhook',
      timeoutMs: 60_000,
    });
    assert.equal(receiver.arrivalsAt('/secure')[1]?.headers['webhook-id'], webhookId);

    // Lag through the CLI: both groups caught up.
    await waitUntil(
      async () => {
        const lag = await cli(['lag', '--json']);
        if (lag.code !== 0) return false;
        const groups = JSON.parse(lag.stdout) as { group: string; partitions: { lag_offsets: number }[] }[];
        return (
          groups.length >= 2 &&
          groups.every((g) => g.partitions.length > 0 && g.partitions.every((p) => p.lag_offsets === 0))
        );
      },
      { what: 'both groups to be caught up as payhook lag reports it', timeoutMs: 60_000 },
    );
  });

  it('no password appears in a service log, a CLI output or /metrics', async () => {
    const passwords = [
      stack.listener.password('payhook-confirmation-filter'),
      stack.listener.password('payhook-dispatcher'),
      stack.listener.password('payhook-cli'),
      stack.listener.password('payhook-admin'),
      stack.registryPassword,
    ];
    const port = (service: RunningService) => {
      const line = readFileSync(service.logFile, 'utf8')
        .split('\n')
        .find((l) => l.includes('"msg":"started"'));
      return (JSON.parse(line ?? '{}') as { port?: number }).port;
    };
    const metrics = await Promise.all(
      services.map(async (s) => (await fetch(`http://127.0.0.1:${port(s)}/metrics`)).text()),
    );
    assert.ok(metrics.every((m) => m.includes('payhook_')));
    const texts = [...services.map((s) => readFileSync(s.logFile, 'utf8')), ...outputs, ...metrics];
    for (const password of passwords) {
      for (const text of texts) assert.ok(!text.includes(password), 'a password leaked');
    }
  });
});
