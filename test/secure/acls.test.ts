// payhook acls apply on a secured broker: each service's user gets exactly its grants, applying
// again changes nothing, and a user cannot read or write outside its grant. The lag exporter,
// the scanner (on an anvil chain of its own) and the API run as their own users with their
// grants alone and do their main paths.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseRetryTiers, pipelineTopics } from '@payhook/contracts';
import { type AnvilNode, startAnvil } from '@payhook/devstack';
import { createKafkaClient, kafkaSecurityFromEnv } from '@payhook/kafka';
import { createLogger } from '@payhook/runtime';
import { type RunningService, startService, stopServices, testChain, uniqueName, waitUntil } from '@payhook/testkit';
import type { Kafka } from 'kafkajs';
import { parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { runCli } from '../cli/run-cli.ts';
import { type SecureStack, startSecureStack } from './secure-fixture.ts';

let stack: SecureStack;
let logDir: string;
const prefix = `${uniqueName('acl')}.`;
const topics = pipelineTopics(parseRetryTiers('1s,2s'), prefix);
const pipelineEnv = { PAYHOOK_TOPIC_PREFIX: prefix, PAYHOOK_RETRY_TIERS: '1s,2s', PAYHOOK_PARTITIONS: '1' };
const logger = createLogger({ name: 'acls-test', level: 'fatal', destination: process.stderr });
const services: RunningService[] = [];
let anvil: AnvilNode | undefined;

/** Starts a service as `user` with this pipeline's settings; resolves with the port of its HTTP server. */
async function runAs(name: string, user: string, env: Record<string, string> = {}): Promise<number> {
  const service = startService(
    name,
    { ...stack.env(user), ...pipelineEnv, PAYHOOK_HTTP_PORT: '0', PAYHOOK_HTTP_HOST: '127.0.0.1', ...env },
    logDir,
  );
  services.push(service);
  let port: number | undefined;
  await waitUntil(
    () => {
      const line = readFileSync(service.logFile, 'utf8')
        .split('\n')
        .find((l) => l.includes('"msg":"started"'));
      port = line === undefined ? undefined : (JSON.parse(line) as { port: number }).port;
      return port !== undefined || service.process.exitCode !== null;
    },
    { what: `the ${name} to start`, timeoutMs: 60_000 },
  );
  assert.ok(port !== undefined, `the ${name} stopped: ${readFileSync(service.logFile, 'utf8')}`);
  return port;
}

/** A service's log, which names every refusal the broker sent it. */
const logOf = (name: string): string => readFileSync(join(logDir, `${name}.log`), 'utf8');

const kafkaAs = (user: string): Kafka =>
  createKafkaClient({
    brokers: [stack.listener.brokers],
    clientId: uniqueName('acl'),
    logger,
    retries: 3,
    security: kafkaSecurityFromEnv(stack.env(user)),
  });

async function canWrite(user: string, topic: string): Promise<boolean> {
  const producer = kafkaAs(user).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v' }] });
    return true;
  } catch (error) {
    assert.match(String((error as Error).message), /authoriz/i);
    return false;
  } finally {
    await producer.disconnect();
  }
}

async function canRead(user: string, topic: string): Promise<boolean> {
  const consumer = kafkaAs(user).consumer({ groupId: uniqueName('acl-reader'), maxWaitTimeInMs: 100 });
  let read = false;
  let refused: Error | undefined;
  // A fresh broker's group coordinator may still be loading: kafkajs restarts on that.
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (/authoriz/i.test(payload.error.message)) refused = payload.error;
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async () => {
        read = true;
      },
    });
    await waitUntil(() => read || refused !== undefined, {
      what: `a record of ${topic} or a refusal`,
      timeoutMs: 20_000,
    });
  } catch (error) {
    refused = error as Error;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  if (refused !== undefined) assert.match(refused.message, /authoriz/i);
  return read;
}

/** A user, whether it reads or writes a topic, whether that is allowed, and what that means. */
type Access = readonly [user: string, how: 'read' | 'write', topic: string, allowed: boolean, what: string];

async function assertAccess(cases: readonly Access[]): Promise<void> {
  for (const [user, how, topic, allowed, what] of cases) {
    assert.equal(await (how === 'read' ? canRead : canWrite)(user, topic), allowed, what);
  }
}

before(async () => {
  stack = await startSecureStack();
  logDir = mkdtempSync(join(tmpdir(), 'payhook-acls-'));
  for (const args of [
    ['topics', 'create'],
    ['schemas', 'register'],
  ]) {
    const done = await runCli(args, { ...stack.env('payhook-admin'), ...pipelineEnv });
    assert.equal(done.code, 0, done.stderr);
  }
  // One record in each topic a test reads.
  for (const topic of [topics.endpoints, topics.events]) assert.ok(await canWrite('payhook-admin', topic));
});
after(async () => {
  await stopServices(services);
  await anvil?.stop();
  await stack?.close();
  if (logDir !== undefined) rmSync(logDir, { recursive: true, force: true });
});

describe('payhook acls apply', () => {
  it('creates every grant once; applying again creates none', async () => {
    const first = await runCli(['acls', 'apply'], { ...stack.env('payhook-admin'), ...pipelineEnv });
    assert.equal(first.code, 0, first.stderr);
    const [, created] = /(\d+) grants created, 0 already present/.exec(first.stdout) ?? assert.fail(first.stdout);
    assert.ok(Number(created) > 50);
    assert.match(first.stdout, /^granted payhook-lag-exporter {2}DESCRIBE {2}group .*payhook-dispatcher\*$/m);
    const again = await runCli(['acls', 'apply'], { ...stack.env('payhook-admin'), ...pipelineEnv });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^0 grants created, ${created} already present$`, 'm'));
  });

  it('a user cannot read or write outside its grant', async () => {
    await assertAccess([
      ['payhook-lag-exporter', 'read', topics.endpoints, false, 'the lag exporter reads no endpoints'],
      ['payhook-lag-exporter', 'read', topics.events, true, 'the lag exporter reads events'],
      ['payhook-lag-exporter', 'write', topics.events, false, 'the lag exporter writes nothing'],
      ['payhook-dispatcher', 'write', topics.events, false, 'the dispatcher writes no events'],
      ['payhook-dispatcher', 'write', topics.dlq, true, 'the dispatcher writes the DLQ'],
      ['payhook-scanner', 'read', topics.endpoints, false, 'the scanner reads no endpoints'],
    ]);
  });

  it('the lag exporter runs as its own user with its grant alone', async () => {
    const port = await runAs('lag-exporter', 'payhook-lag-exporter');
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /payhook_kafka_offline_partitions|payhook_kafka_.*partitions/);
    assert.doesNotMatch(logOf('lag-exporter'), /authoriz/i);
  });

  it('the API and the scanner run as their own users: a payment created over HTTP, paid on chain, confirmed', async () => {
    const chainDir = join(logDir, 'anvil');
    mkdirSync(chainDir);
    anvil = await startAnvil({ stateDir: chainDir });
    const chain = testChain(anvil.url);
    const apiPort = await runAs('api', 'payhook-api', { API_READ_MODEL_PATH: join(logDir, 'read-model.sqlite') });
    await runAs('scanner', 'payhook-scanner', {
      SCANNER_CHAINS: JSON.stringify([{ chainId: 31337, rpcUrl: anvil.url, pollIntervalMs: 100, rpcTimeoutMs: 2_000 }]),
    });
    const api = `http://127.0.0.1:${apiPort}`;
    await waitUntil(async () => (await fetch(`${api}/readyz`)).status === 200, { what: 'the API ready' });

    const keyed = await runCli(['api-keys', 'create', '--merchant', 'mer_acl', '--json'], {
      ...stack.env('payhook-cli'),
      ...pipelineEnv,
    });
    assert.equal(keyed.code, 0, keyed.stderr);
    const headers = {
      authorization: `Bearer ${(JSON.parse(keyed.stdout) as { key: string }).key}`,
      'content-type': 'application/json',
    };
    await waitUntil(async () => (await fetch(`${api}/v1/payments`, { headers })).status === 200, {
      what: 'the API to read its key',
    });
    const deposit = privateKeyToAccount(generatePrivateKey()).address;
    const created = await fetch(`${api}/v1/payments`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        chain_id: 31337,
        deposit_address: deposit,
        amount_expected: parseEther('0.5').toString(),
        required_confirmations: 2,
      }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const { payment_id: paymentId } = (await created.json()) as { payment_id: string };
    const read = (await (await fetch(`${api}/v1/payments/${paymentId}`, { headers })).json()) as {
      deposit_address: string;
      status: string;
      history: { status: string }[];
    };
    assert.equal(read.deposit_address, deposit);

    await chain.sendNative(deposit, parseEther('0.5'));
    await chain.mine(1);
    // The scanner wrote the events (its transactions, its grant) and the API's read model read them.
    let state = read;
    await waitUntil(
      async () => {
        state = (await (await fetch(`${api}/v1/payments/${paymentId}`, { headers })).json()) as typeof read;
        return state.status === 'confirmed';
      },
      { what: 'the payment confirmed in the API', timeoutMs: 45_000 },
    );
    assert.deepEqual(
      state.history.map((h) => h.status),
      ['detected', 'confirmed'],
    );
    // The operator overview measures the groups' lag under the API's grant too.
    const operator = await runCli(['api-keys', 'create', '--operator', '--json'], {
      ...stack.env('payhook-cli'),
      ...pipelineEnv,
    });
    assert.equal(operator.code, 0, operator.stderr);
    const asOperator = { authorization: `Bearer ${(JSON.parse(operator.stdout) as { key: string }).key}` };
    let overview: Response | undefined;
    await waitUntil(
      async () => {
        overview = await fetch(`${api}/v1/operator/overview`, { headers: asOperator });
        return overview.status !== 401;
      },
      { what: 'the API to read the operator key' },
    );
    assert.equal(overview?.status, 200, await overview?.clone().text());
    for (const name of ['api', 'scanner']) assert.doesNotMatch(logOf(name), /authoriz/i, name);
  });

  it('the API and the scanner are refused outside their grants', async () => {
    await assertAccess([
      ['payhook-api', 'write', topics.events, false, 'the API writes no payment events'],
      ['payhook-api', 'write', topics.dlq, false, 'the API writes no DLQ records'],
      ['payhook-api', 'write', topics.attempts, false, 'the API writes no attempts'],
      ['payhook-api', 'read', topics.checkpoints, false, 'the API reads no scanner checkpoints'],
      ['payhook-scanner', 'write', topics.dispatch, false, 'the scanner writes no deliveries'],
      ['payhook-scanner', 'write', topics.intents, false, 'the scanner writes no intents'],
      ['payhook-scanner', 'read', topics.apiKeys, false, 'the scanner reads no API keys'],
    ]);
  });
});
