// kafkajs 2.2.4 rejected a whole Metadata response when any one partition in it had an error
// (LEADER_NOT_AVAILABLE for a partition whose every replica is down), and its admin client and
// new idempotent or transactional producers ask for metadata first: while one partition of the
// cluster had no leader, they failed even for other topics. patches/kafkajs+2.2.4.patch keeps
// partition errors as data, as the Java client does. On a private three-node cluster (own folder
// and ports), a topic with one copy on a stopped node goes offline while clients of other topics
// go on; the offline partition is reported (leader -1, its error code), writes to it fail with a
// retriable LEADER_NOT_AVAILABLE, and a consumer of it resumes soon after the node is back.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type KafkaCluster, startKafkaCluster } from '@payhook/devstack';
import {
  createIdempotentProducer,
  createKafkaClient,
  createTransactionalProducer,
  describeTopicHealth,
} from '@payhook/kafka';
import { createLogger } from '@payhook/runtime';
import { readRecords, uniqueName, waitUntil } from '@payhook/testkit';
import type { Admin, Consumer, Kafka } from 'kafkajs';

const log = (line: string) => process.stderr.write(`[metadata] ${line}\n`);
const stateDir = mkdtempSync(join(tmpdir(), 'payhook-metadata-errors-'));
const logger = createLogger({
  name: 'metadata',
  level: process.env.TEST_LOG_LEVEL ?? 'fatal',
  destination: process.stderr,
});
const offline = uniqueName('offline');
const other = uniqueName('other');
/** Index of the node the single-copy topic lives on (node.id 3). */
const DOWN = 2;

let cluster: KafkaCluster;
let kafka: Kafka;
let admin: Admin | undefined;
const consumers: Consumer[] = [];

describe('metadata with an offline partition (kafkajs patched)', () => {
  before(async () => {
    cluster = await startKafkaCluster({ stateDir, nodes: 3, progress: log });
    kafka = createKafkaClient({ brokers: cluster.brokerList, clientId: uniqueName('client'), logger, retries: 3 });
    const setup = kafka.admin();
    await setup.connect();
    await setup.createTopics({
      topics: [
        // One copy, on the node the test stops.
        { topic: offline, replicaAssignment: [{ partition: 0, replicas: [DOWN + 1] }] },
        { topic: other, numPartitions: 3, replicationFactor: 3 },
      ],
    });
    await setup.disconnect();
  });
  after(async () => {
    for (const c of consumers) await c.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await cluster?.stopAll();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('a topic with one copy goes offline; clients of other topics connect, read and write', async () => {
    const received: string[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('offline-reader'), maxWaitTimeInMs: 200 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: offline, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void received.push(String(message.value)) });

    await cluster.kill(DOWN);
    await waitUntil(
      async () => {
        const [health] = await describeTopicHealth({ brokers: cluster.brokerList }, [offline]).catch(() => []);
        return (health?.offline.length ?? 0) === 1;
      },
      { what: `${offline} offline`, timeoutMs: 60_000, intervalMs: 500 },
    );

    // A new admin client: every call fetches metadata first.
    admin = kafka.admin();
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({ topics: [other] });
    assert.deepEqual(
      topics.map((t) => [t.name, t.partitions.length]),
      [[other, 3]],
    );
    const all = await admin.fetchTopicMetadata();
    const lost = all.topics.find((t) => t.name === offline)?.partitions[0];
    assert.equal(lost?.leader, -1, 'the offline partition has no leader');
    assert.ok([5, 72].includes(lost?.partitionErrorCode ?? 0), `its error is kept: ${lost?.partitionErrorCode}`);
    assert.ok((await admin.listTopics()).includes(other));
    const offsets = await admin.fetchTopicOffsets(other);
    assert.equal(offsets.length, 3);

    // New idempotent and transactional producers fetch metadata in connect() and send().
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    await producer.send({ topic: other, acks: -1, messages: [{ key: 'a', value: 'idempotent' }] });
    const transactional = createTransactionalProducer(kafka, uniqueName('tx'));
    await transactional.connect();
    const tx = await transactional.transaction();
    await tx.send({ topic: other, messages: [{ key: 'b', value: 'transactional' }] });
    await tx.commit();
    await transactional.disconnect();
    const read = await readRecords(kafka, other, 2, { readCommitted: true, timeoutMs: 60_000 });
    assert.deepEqual(read.map((r) => String(r.message.value)).sort(), ['idempotent', 'transactional']);

    // The partition without a leader is not writable now: a retriable error, after the retries.
    await assert.rejects(producer.send({ topic: offline, acks: -1, messages: [{ key: 'c', value: 'x' }] }), (error) => {
      const text = `${String(error)} ${String((error as { cause?: unknown }).cause ?? '')}`;
      assert.match(text, /leader/i);
      return true;
    });

    // The node comes back: the partition gets its leader, and the consumer that had it assigned
    // resumes without waiting for metadata.max.age (5 minutes).
    await cluster.start(DOWN);
    await waitUntil(
      async () => {
        const [health] = await describeTopicHealth({ brokers: cluster.brokerList }, [offline]).catch(() => []);
        return health !== undefined && health.offline.length === 0;
      },
      { what: `${offline} back`, timeoutMs: 60_000, intervalMs: 500 },
    );
    await producer.send({ topic: offline, acks: -1, messages: [{ key: 'd', value: 'after' }] });
    await producer.disconnect();
    await waitUntil(() => received.includes('after'), {
      what: `the consumer of ${offline} to resume`,
      timeoutMs: 60_000,
      intervalMs: 200,
    });
  });
});

// The same patch: kafkajs 2.2.4 kept a send's responses per broker, and on a retry after a leader
// change skipped every broker that had answered before, so a partition that moved to such a
// broker was never written and the send resolved anyway; and it retried while another broker's
// request was still in flight, sending those partitions twice. Now every request settles first
// and each partition is retried on its current leader until acknowledged. A fake cluster:
// partition 1 moves from broker 2 (which fails at once) to broker 1 (slower, with partition 0).
describe('a send whose partition moves to a broker that already answered (kafkajs patched)', () => {
  const require = createRequire(import.meta.url);
  type Produce = { topicData: { topic: string; partitions: { partition: number }[] }[] };
  const createSendMessages = require('kafkajs/src/producer/sendMessages.js') as (
    deps: unknown,
  ) => (options: {
    acks: number;
    timeout: number;
    topicMessages: { topic: string; messages: { key: string; value: string; partition: number }[] }[];
  }) => Promise<{ topicName: string; partition: number }[]>;
  const createRetry = require('kafkajs/src/retry/index.js') as (options: unknown) => unknown;
  const { KafkaJSConnectionError } = require('kafkajs/src/errors.js') as {
    KafkaJSConnectionError: new (message: string) => Error;
  };

  it('writes every partition once, on its current leader', async () => {
    let leaders = [1, 2];
    const written: [number, number][] = [];
    let failures = 0;
    const broker = (nodeId: number) => ({
      nodeId,
      async produce({ topicData }: Produce) {
        if (nodeId === 2) {
          failures++;
          throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED');
        }
        // Broker 1 answers after broker 2 failed: its request is still in flight then.
        await new Promise((resolve) => setTimeout(resolve, 50));
        for (const { partitions } of topicData)
          for (const { partition } of partitions) written.push([nodeId, partition]);
        return {
          topics: topicData.map(({ topic, partitions }) => ({
            topicName: topic,
            partitions: partitions.map(({ partition }) => ({ partition, errorCode: 0, baseOffset: '0' })),
          })),
        };
      },
    });
    const brokers = new Map([1, 2].map((id) => [id, broker(id)]));
    const cluster = {
      targetTopics: new Set<string>(),
      isConnected: () => true,
      addMultipleTargetTopics: async () => undefined,
      refreshMetadataIfNecessary: async () => undefined,
      // The broker is gone: its partition's new leader is broker 1.
      refreshMetadata: async () => {
        leaders = [1, 1];
      },
      removeBroker: () => undefined,
      findTopicPartitionMetadata: () => leaders.map((leader, partitionId) => ({ partitionId, leader })),
      findLeaderForPartitions: (_topic: string, partitions: string[]) => {
        const result: Record<number, number[]> = {};
        for (const p of partitions.map(Number)) {
          const leader = leaders[p] as number;
          result[leader] = [...(result[leader] ?? []), p];
        }
        return result;
      },
      findBroker: async ({ nodeId }: { nodeId: string }) => brokers.get(Number(nodeId)),
    };
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const send = createSendMessages({
      logger: quiet,
      cluster,
      partitioner: ({ message }: { message: { partition: number } }) => message.partition,
      eosManager: {
        isTransactional: () => false,
        acquireBrokerLock: async () => undefined,
        releaseBrokerLock: async () => undefined,
        getSequence: () => 0,
        updateSequence: () => undefined,
        getProducerId: () => -1,
        getProducerEpoch: () => 0,
        getTransactionalId: () => undefined,
      },
      retrier: createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 5 }),
    });
    const responses = await send({
      acks: -1,
      timeout: 1_000,
      topicMessages: [
        {
          topic: 'moved',
          messages: [
            { key: 'a', value: 'a', partition: 0 },
            { key: 'b', value: 'b', partition: 1 },
          ],
        },
      ],
    });
    assert.equal(failures, 1);
    assert.deepEqual(
      written.sort(),
      [
        [1, 0],
        [1, 1],
      ],
      'partition 1 is written on its new leader, partition 0 not again',
    );
    assert.deepEqual(responses.map((r) => r.partition).sort(), [0, 1]);
  });
});
