// payhook acls apply on a secured broker: each service's user gets exactly its grants, applying
// again changes nothing, and a user cannot read or write outside its grant.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseRetryTiers, pipelineTopics } from '@payhook/contracts';
import { createKafkaClient, kafkaSecurityFromEnv } from '@payhook/kafka';
import { createLogger } from '@payhook/runtime';
import { type RunningService, startService, stopServices, uniqueName, waitUntil } from '@payhook/testkit';
import type { Kafka } from 'kafkajs';
import { runCli } from '../cli/run-cli.ts';
import { type SecureStack, startSecureStack } from './secure-fixture.ts';

let stack: SecureStack;
let logDir: string;
const prefix = `${uniqueName('acl')}.`;
const topics = pipelineTopics(parseRetryTiers('1s,2s'), prefix);
const pipelineEnv = { PAYHOOK_TOPIC_PREFIX: prefix, PAYHOOK_RETRY_TIERS: '1s,2s', PAYHOOK_PARTITIONS: '1' };
const logger = createLogger({ name: 'acls-test', level: 'fatal', destination: process.stderr });
const services: RunningService[] = [];

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

before(async () => {
  stack = await startSecureStack();
  logDir = mkdtempSync(join(tmpdir(), 'payhook-acls-'));
  const created = await runCli(['topics', 'create'], { ...stack.env('payhook-admin'), ...pipelineEnv });
  assert.equal(created.code, 0, created.stderr);
  // One record in each topic a test reads.
  for (const topic of [topics.endpoints, topics.events]) assert.ok(await canWrite('payhook-admin', topic));
});
after(async () => {
  await stopServices(services);
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
    assert.equal(await canRead('payhook-lag-exporter', topics.endpoints), false, 'the lag exporter reads no endpoints');
    assert.equal(await canRead('payhook-lag-exporter', topics.events), true, 'the lag exporter reads events');
    assert.equal(await canWrite('payhook-lag-exporter', topics.events), false, 'the lag exporter writes nothing');
    assert.equal(await canWrite('payhook-dispatcher', topics.events), false, 'the dispatcher writes no events');
    assert.equal(await canWrite('payhook-dispatcher', topics.dlq), true, 'the dispatcher writes the DLQ');
    assert.equal(await canRead('payhook-scanner', topics.endpoints), false, 'the scanner reads no endpoints');
  });

  it('the lag exporter runs as its own user with its grant alone', async () => {
    const exporter = startService(
      'lag-exporter',
      { ...stack.env('payhook-lag-exporter'), ...pipelineEnv, PAYHOOK_HTTP_PORT: '0', PAYHOOK_HTTP_HOST: '127.0.0.1' },
      logDir,
    );
    services.push(exporter);
    await waitUntil(() => readFileSync(exporter.logFile, 'utf8').includes('"msg":"started"'), {
      what: 'the lag exporter to start',
      timeoutMs: 30_000,
    });
    const line = readFileSync(exporter.logFile, 'utf8')
      .split('\n')
      .find((l) => l.includes('"msg":"started"'));
    const port = (JSON.parse(line ?? '{}') as { port: number }).port;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /payhook_kafka_offline_partitions|payhook_kafka_.*partitions/);
    assert.doesNotMatch(readFileSync(exporter.logFile, 'utf8'), /authoriz/i);
  });
});
