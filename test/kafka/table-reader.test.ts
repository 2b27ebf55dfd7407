// The table reader against the real broker: a compacted topic read into memory, caught up
// with what the topic held at start, then kept current.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  createIdempotentProducer,
  createTableReader,
  createTransactionalProducer,
  type TableReader,
} from '@payhook/kafka';
import { createLogger } from '@payhook/runtime';
import { testKafka, uniqueName, waitUntil } from '@payhook/testkit';
import type { ConsumerConfig, Kafka, Message, Producer } from 'kafkajs';

const kafka = testKafka();
const admin = kafka.admin();
const created: string[] = [];
let producer: Producer;

interface Row {
  readonly n: number;
}

const POISON = 'not-json-but-secret-s3cr3t';

/** JSON rows; anything else throws, as a real decoder would. */
const decode = (_key: string, value: Buffer): Row => {
  const row = JSON.parse(value.toString('utf8')) as Row;
  if (typeof row.n !== 'number') throw new TypeError('row without n');
  return row;
};

/** A logger whose lines the test can read. */
function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  return {
    logger: createLogger({ name: 'table-test', level: 'warn', destination }),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

async function compactedTopic(partitions = 3): Promise<string> {
  const topic = uniqueName('table');
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: partitions, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
  });
  created.push(topic);
  return topic;
}

const row = (n: number) => JSON.stringify({ n });

describe('table reader', () => {
  before(async () => {
    await admin.connect();
    producer = createIdempotentProducer(kafka);
    await producer.connect();
  });
  after(async () => {
    await producer.disconnect();
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  });

  describe('over a topic with history', () => {
    let topic: string;
    /** The table the topic's history describes. */
    const expected = new Map<string, Row>();
    const readers: TableReader<Row>[] = [];
    const logs = capturingLogger();

    before(async () => {
      topic = await compactedTopic();
      // 300 records over 60 keys: five generations of values, with tombstones along the way
      // (some keys deleted for good, some deleted and then written again) and poison values.
      const messages: Message[] = [];
      for (let generation = 0; generation < 5; generation++) {
        for (let k = 0; k < 60; k++) {
          const key = `k${k}`;
          const n = generation * 100 + k;
          if (k % 10 === 3 && generation >= 2) {
            messages.push({ key, value: null }); // deleted from generation 2 on
            expected.delete(key);
          } else if (k % 10 === 7 && generation % 2 === 1) {
            messages.push({ key, value: null }); // deleted, then written again
            expected.delete(key);
          } else if (k % 10 === 9 && generation === 4) {
            messages.push({ key, value: POISON }); // the previous value must stay
          } else {
            messages.push({ key, value: row(n) });
            expected.set(key, { n });
          }
        }
      }
      assert.equal(messages.length, 300);
      // The history's last records come from a transaction, so partitions end in commit markers.
      await producer.send({ topic, messages: messages.slice(0, 240) });
      const tx = createTransactionalProducer(kafka, uniqueName('table-tx'));
      await tx.connect();
      const transaction = await tx.transaction();
      await transaction.send({ topic, messages: messages.slice(240) });
      await transaction.commit();
      await tx.disconnect();
    });
    after(async () => {
      await Promise.all(readers.map((r) => r.stop()));
    });

    it('start() resolves with exactly the latest value of every key', async () => {
      const reader = createTableReader<Row>({ kafka, topic, decode, logger: logs.logger });
      readers.push(reader);
      assert.equal(reader.caughtUp, false);
      await reader.start();
      assert.equal(reader.caughtUp, true);
      assert.equal(reader.size, expected.size);
      assert.deepEqual(new Map([...expected.keys()].map((k) => [k, reader.get(k)])), expected);
      assert.equal([...reader.values()].length, expected.size);
      assert.equal(reader.get('k3'), undefined, 'a tombstoned key is gone');
      assert.deepEqual(reader.get('k9'), { n: 309 }, 'a poison value left the previous value in place');

      const skipped = logs.lines().filter((l) => l.msg?.toString().startsWith('table record skipped'));
      assert.equal(skipped.length, 6, 'each poison record is logged once');
      assert.ok(skipped.every((l) => l.level === 40 && typeof l.key === 'string'));
      assert.ok(!JSON.stringify(logs.lines()).includes('s3cr3t'), 'no value reaches the log');
    });

    it('later writes and deletes show up through get() and onChange; poison keeps the old value', async () => {
      const [reader] = readers as [TableReader<Row>];
      const changes: [string, Row | undefined][] = [];
      const unsubscribe = reader.onChange((key, value) => changes.push([key, value]));
      await producer.send({
        topic,
        messages: [
          { key: 'k0', value: row(1_000) },
          { key: 'k1', value: null },
          { key: 'fresh', value: row(2_000) },
          { key: 'k2', value: POISON },
          { key: 'k2', value: row(3_000) },
          { key: 'k4', value: POISON },
          { key: 'marker', value: row(4_000) },
        ],
      });
      await waitUntil(() => changes.length >= 5, { what: 'five changes applied' });
      assert.deepEqual(reader.get('k0'), { n: 1_000 });
      assert.equal(reader.get('k1'), undefined);
      assert.deepEqual(reader.get('fresh'), { n: 2_000 });
      assert.deepEqual(reader.get('k2'), { n: 3_000 });
      assert.deepEqual(reader.get('k4'), { n: 404 }, 'poison kept the old value');
      assert.equal(reader.size, expected.size + 1);
      assert.deepEqual(
        changes.sort(([a], [b]) => a.localeCompare(b)),
        [
          ['fresh', { n: 2_000 }],
          ['k0', { n: 1_000 }],
          ['k1', undefined],
          ['k2', { n: 3_000 }],
          ['marker', { n: 4_000 }],
        ],
      );

      unsubscribe();
      await producer.send({ topic, messages: [{ key: 'marker', value: null }] });
      await waitUntil(() => reader.get('marker') === undefined, { what: 'the marker deleted' });
      assert.equal(changes.length, 5, 'an unsubscribed listener hears nothing more');

      expected.set('k0', { n: 1_000 });
      expected.delete('k1');
      expected.set('fresh', { n: 2_000 });
      expected.set('k2', { n: 3_000 });
    });

    it('a second reader holds the full table too, with its own consumer group', async () => {
      const [first] = readers as [TableReader<Row>];
      const second = createTableReader<Row>({ kafka, topic, decode, logger: logs.logger, groupIdPrefix: 'pod-b' });
      readers.push(second);
      await second.start();
      assert.equal(second.size, expected.size);
      assert.equal(first.size, expected.size);
      for (const [key, value] of expected) {
        assert.deepEqual(second.get(key), value, key);
        assert.deepEqual(first.get(key), value, key);
      }
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
      assert.equal(groups.filter((g) => g.startsWith('payhook-table.') && g.includes(topic)).length, 1);
      assert.equal(groups.filter((g) => g.startsWith('pod-b.') && g.includes(topic)).length, 1);
    });

    it('stop() leaves the group, and the table stops changing', async () => {
      const reader = readers.pop() as TableReader<Row>;
      await reader.stop();
      assert.equal(reader.caughtUp, false, 'a stopped reader is not ready');
      await reader.stop(); // a second stop is harmless
      await assert.rejects(reader.start());

      const groupId = (await admin.listGroups()).groups.find((g) => g.groupId.startsWith('pod-b.'))?.groupId;
      if (groupId !== undefined) {
        const { groups } = await admin.describeGroups([groupId]);
        assert.equal(groups[0]?.members.length ?? 0, 0, 'the stopped reader left its group');
      }

      const [running] = readers as [TableReader<Row>];
      await producer.send({ topic, messages: [{ key: 'after-stop', value: row(5_000) }] });
      await waitUntil(() => running.get('after-stop') !== undefined, { what: 'the running reader sees the write' });
      assert.equal(reader.get('after-stop'), undefined, 'the stopped reader does not');
      assert.equal(reader.size, expected.size, 'it keeps its last contents');
    });
  });

  it('catchUp() waits until everything written before the call is read', async () => {
    const topic = await compactedTopic();
    const reader = createTableReader<Row>({ kafka, topic, decode, logger: capturingLogger().logger });
    await reader.start();
    try {
      for (let round = 0; round < 5; round++) {
        const key = `fresh-${round}`;
        await producer.send({ topic, acks: -1, messages: [{ key, value: row(round) }] });
        // Read at once after the write: without catchUp the reader may not have it yet.
        assert.equal(await reader.catchUp(10_000), true);
        assert.deepEqual(reader.get(key), { n: round });
        await producer.send({ topic, acks: -1, messages: [{ key, value: null }] });
      }
      assert.equal(await reader.catchUp(10_000), true, 'caught up past the tombstones');
      assert.equal(reader.get('fresh-4'), undefined);
    } finally {
      await reader.stop();
    }
    await producer.send({ topic, acks: -1, messages: [{ key: 'late', value: row(9) }] });
    assert.equal(await reader.catchUp(1_000), false, 'a stopped reader does not catch up with a new write');
  });

  it('start() on an empty topic is caught up at once', async () => {
    const topic = await compactedTopic(2);
    let failures = 0;
    const reader = createTableReader<Row>({
      kafka,
      topic,
      decode,
      logger: capturingLogger().logger,
      onFailed: () => failures++,
    });
    try {
      await reader.start();
      assert.equal(reader.caughtUp, true);
      assert.equal(reader.size, 0);
      await producer.send({ topic, messages: [{ key: 'first', value: row(1) }] });
      await waitUntil(() => reader.size === 1, { what: 'the first record applied' });
      assert.deepEqual(reader.get('first'), { n: 1 });
    } finally {
      await reader.stop();
    }
    assert.equal(failures, 0, 'a stop is not a failure');
  });

  it('a consumer that stops for good is reported once, and the table stops counting as caught up', async () => {
    const topic = await compactedTopic(1);
    // A real consumer that kafkajs will not restart, whose batch handling can be made to fail.
    let failing = false;
    const fragile = Object.create(kafka, {
      consumer: {
        value: (config: ConsumerConfig) => {
          const consumer = kafka.consumer({ ...config, retry: { retries: 0, restartOnFailure: async () => false } });
          const run = consumer.run.bind(consumer);
          consumer.run = (options) =>
            run({
              ...options,
              eachBatch: async (payload) => {
                if (failing) throw new Error('injected batch failure');
                await options?.eachBatch?.(payload);
              },
            });
          return consumer;
        },
      },
    }) as Kafka;
    const failures: Error[] = [];
    const reader = createTableReader<Row>({
      kafka: fragile,
      topic,
      decode,
      logger: capturingLogger().logger,
      onFailed: (error) => failures.push(error),
    });
    try {
      await reader.start();
      await producer.send({ topic, messages: [{ key: 'before', value: row(1) }] });
      await waitUntil(() => reader.size === 1, { what: 'a record applied before the failure' });
      assert.equal(reader.caughtUp, true);
      failing = true;
      await producer.send({ topic, messages: [{ key: 'after', value: row(2) }] });
      await waitUntil(() => failures.length > 0, { what: 'the failure reported', timeoutMs: 30_000 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(failures.length, 1);
      assert.match(failures[0]?.message ?? '', new RegExp(`table reader of ${topic} failed`));
      assert.equal(reader.caughtUp, false);
    } finally {
      await reader.stop();
    }
  });

  it('stop() before start() has caught up makes start() reject', async () => {
    const topic = await compactedTopic(1);
    const reader = createTableReader<Row>({ kafka, topic, decode, logger: capturingLogger().logger });
    await reader.stop();
    await assert.rejects(reader.start(), /stopped/);
    assert.equal(reader.caughtUp, false);
  });
});
