// What the pipeline relies on from kafkajs and the broker: groups share partitions, and
// read_committed consumers never see an aborted transaction's records.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createIdempotentProducer, createTransactionalProducer } from '@payhook/kafka';
import { readRecords, scratchTopics, testKafka, uniqueName, waitUntil } from '@payhook/testkit';
import type { Consumer } from 'kafkajs';

const kafka = testKafka();
const admin = kafka.admin();
let topics: Awaited<ReturnType<typeof scratchTopics>>;

describe('broker semantics', () => {
  before(async () => {
    await admin.connect();
    topics = await scratchTopics(admin, 'sem', 4, 4);
  });
  after(async () => {
    await topics.drop();
    await admin.disconnect();
  });

  it('two consumers in one group share the partitions and together read every record once', async () => {
    const [topic] = topics.names as [string];
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: String(i) })),
    });
    await producer.disconnect();

    const groupId = uniqueName('group');
    const seen = new Map<string, Set<number>>();
    const consumers: Consumer[] = [];
    for (const name of ['a', 'b']) {
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
      const partitions = new Set<number>();
      seen.set(name, partitions);
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
    }
    const values: string[] = [];
    const assignments = new Map<string, number[]>();
    for (const [index, consumer] of consumers.entries()) {
      const name = index === 0 ? 'a' : 'b';
      consumer.on(consumer.events.GROUP_JOIN, (e) => assignments.set(name, e.payload.memberAssignment[topic] ?? []));
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          seen.get(name)?.add(partition);
          values.push(String(message.value));
        },
      });
    }
    try {
      await waitUntil(
        () => assignments.size === 2 && [...assignments.values()].flat().length === 4 && values.length >= 200,
        {
          what: 'both members assigned and every record read',
        },
      );
      const a = assignments.get('a') ?? [];
      const b = assignments.get('b') ?? [];
      assert.ok(a.length > 0 && b.length > 0, `both members own partitions (a=${a}, b=${b})`);
      assert.deepEqual([...a, ...b].sort(), [0, 1, 2, 3]);
      assert.equal(new Set(values).size, 200);
    } finally {
      await Promise.all(consumers.map((c) => c.disconnect()));
    }
  });

  it('a read_committed consumer sees committed transactions and never an aborted one', async () => {
    const [, topic] = topics.names as [string, string];
    const producer = createTransactionalProducer(kafka, uniqueName('tx'));
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send({
      topic,
      messages: [
        { key: 'x', value: 'aborted-1' },
        { key: 'y', value: 'aborted-2' },
      ],
    });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({
      topic,
      messages: [
        { key: 'x', value: 'committed-1' },
        { key: 'y', value: 'committed-2' },
      ],
    });
    await committed.commit();
    await producer.disconnect();

    const records = await readRecords(kafka, topic, 2, { readCommitted: true, settleMs: 1_000 });
    assert.deepEqual(records.map((r) => String(r.message.value)).sort(), ['committed-1', 'committed-2']);
    const uncommitted = await readRecords(kafka, topic, 4, { readCommitted: false });
    assert.equal(uncommitted.length, 4, 'read_uncommitted does see the aborted records');
  });

  it('consume-transform-produce: offsets sent with the output commit atomically', async () => {
    const [, , input, output] = topics.names as [string, string, string, string];
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    await producer.send({
      topic: input,
      messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: String(i) })),
    });
    await producer.disconnect();

    const groupId = uniqueName('ctp');
    const tx = createTransactionalProducer(kafka, uniqueName('ctp-tx'));
    await tx.connect();
    const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: input, fromBeginning: true });
    let done = 0;
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const t = await tx.transaction();
        await t.send({ topic: output, messages: [{ key: message.key, value: `out-${String(message.value)}` }] });
        await t.sendOffsets({
          consumerGroupId: groupId,
          topics: [{ topic: input, partitions: [{ partition, offset: (BigInt(message.offset) + 1n).toString() }] }],
        });
        await t.commit();
        done++;
      },
    });
    try {
      await waitUntil(() => done === 20, { what: '20 transformed records' });
    } finally {
      await consumer.disconnect();
      await tx.disconnect();
    }
    // Transactional offset commits become visible once the commit markers are written.
    const committedTotal = async () => {
      const offsets = await admin.fetchOffsets({ groupId, topics: [input] });
      return (offsets[0]?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    };
    await waitUntil(async () => (await committedTotal()) === 20, {
      what: 'committed offsets covering every input record',
    });
    assert.equal(await committedTotal(), 20);
    const out = await readRecords(kafka, output, 20, { readCommitted: true });
    assert.equal(new Set(out.map((r) => String(r.message.value))).size, 20);
  });
});
