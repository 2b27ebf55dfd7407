// A read_committed consumer on one partition where the transactions of several producers
// interleave and end out of order. The broker lists a fetch's aborted transactions in the order
// they ended (their abort markers), not the order they began, and a fetch that starts inside
// several open transactions must register all of them before its first record. kafkajs 2.2.4
// got both wrong, and also took a data record keyed like an abort marker for the marker, so it
// handed out aborted records; patches/kafkajs+2.2.4.patch fixes it. Kafka's own Java consumer
// reads the same partitions as the reference, and a producer replaced under its transactional id
// (a bumped epoch of the same producer id, which is how the transactional writer recovers) is
// read from every offset of the log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readCommittedReference } from '@payhook/devstack';
import { connectTransactional, createTransactionalProducer } from '@payhook/kafka';
import { readRecords, scratchTopics, testEnvironment, testKafka, uniqueName, waitUntil } from '@payhook/testkit';
import type { Message, Producer, Transaction } from 'kafkajs';

const kafka = testKafka();
const admin = kafka.admin();
let topics: Awaited<ReturnType<typeof scratchTopics>>;

type Writer = 'A' | 'B' | 'C';
type Step =
  | readonly [Writer, 'begin' | 'commit' | 'abort' | 'replace']
  | readonly [Writer, 'send', ...(string | Message)[]];

// Each send is one record batch, written in this order. The coordinator writes a transaction's
// marker just after its commit or abort returns, so a marker may land behind the records of the
// next step; the committed records and their order do not depend on it. Records of transactions
// that end in an abort are named with an x.
const interleaved: readonly Step[] = [
  // Begun in the order B, A, C and ended in the order C (abort), A (commit), B (abort): the
  // broker lists C before B although B began first.
  ['B', 'begin'],
  ['B', 'send', 'b1-x1'],
  ['A', 'begin'],
  ['A', 'send', 'a1-1'],
  ['C', 'begin'],
  ['C', 'send', 'c1-x1', 'c1-x2'],
  ['B', 'send', 'b1-x2'],
  ['A', 'send', 'a1-2'],
  ['C', 'abort'],
  ['A', 'commit'],
  ['B', 'send', 'b1-x3'],
  ['B', 'abort'],
  // B aborts twice and commits once while A and C hold transactions open around it.
  ['A', 'begin'],
  ['A', 'send', 'a2-1'],
  ['B', 'begin'],
  ['B', 'send', 'b2-x1'],
  ['C', 'begin'],
  ['C', 'send', 'c2-1'],
  ['B', 'abort'],
  ['B', 'begin'],
  ['B', 'send', 'b3-x1', 'b3-x2'],
  ['A', 'send', 'a2-2'],
  ['A', 'commit'],
  ['B', 'send', 'b3-x3'],
  ['B', 'abort'],
  ['B', 'begin'],
  ['B', 'send', 'b4-1'],
  ['C', 'send', 'c2-2'],
  ['B', 'commit'],
  ['C', 'commit'],
  // Two aborted transactions open at once, ended in reverse order, with a committed one of the
  // third producer inside them.
  ['A', 'begin'],
  ['A', 'send', 'a3-x1'],
  ['C', 'begin'],
  ['C', 'send', 'c3-x1'],
  ['B', 'begin'],
  ['B', 'send', 'b5-1'],
  ['A', 'send', 'a3-x2'],
  ['B', 'commit'],
  ['C', 'send', 'c3-x2'],
  ['C', 'abort'],
  ['A', 'send', 'a3-x3'],
  ['A', 'abort'],
  ['C', 'begin'],
  ['C', 'send', 'end'],
  ['C', 'commit'],
];

const interleavedCommitted = ['a1-1', 'a1-2', 'a2-1', 'c2-1', 'a2-2', 'b4-1', 'c2-2', 'b5-1', 'end'];

// A record whose key is the 4 bytes of an abort marker's key, inside an aborted transaction:
// only a control batch ends a transaction, whatever the records of a data batch look like.
const markerLikeKey: readonly Step[] = [
  ['A', 'begin'],
  ['A', 'send', 'a1-x1'],
  ['A', 'send', { key: Buffer.alloc(4), value: 'a1-x2' }, 'a1-x3'],
  ['A', 'send', 'a1-x4'],
  ['A', 'abort'],
  ['A', 'begin'],
  ['A', 'send', { key: Buffer.alloc(4), value: 'a2-1' }, 'end'],
  ['A', 'commit'],
];

// A writer's producer replaced by a new one under the same transactional id: the same producer
// id with a bumped epoch. While a transaction is open the coordinator aborts it first; after an
// abort it is what the transactional writer does when a send failed.
const epochBumps: readonly Step[] = [
  ['A', 'begin'],
  ['A', 'send', 'a1-x1'],
  ['B', 'begin'],
  ['B', 'send', 'b1-1'],
  ['A', 'send', 'a1-x2'],
  ['A', 'replace'],
  ['A', 'begin'],
  ['A', 'send', 'a2-1'],
  ['B', 'send', 'b1-2'],
  ['A', 'commit'],
  ['A', 'begin'],
  ['A', 'send', 'a3-x1', 'a3-x2'],
  ['A', 'abort'],
  ['A', 'replace'],
  ['A', 'begin'],
  ['A', 'send', 'a4-1'],
  ['B', 'commit'],
  ['B', 'begin'],
  ['B', 'send', 'b2-x1'],
  ['B', 'replace'],
  ['A', 'send', 'a4-2'],
  ['A', 'commit'],
  ['C', 'begin'],
  ['C', 'send', 'end'],
  ['C', 'commit'],
];

const epochBumpsCommitted = ['b1-1', 'a2-1', 'b1-2', 'a4-1', 'a4-2', 'end'];

// One record batch per fetch, a few batches per fetch, and the whole partition in one fetch.
const fetchSizes = [
  { maxBytesPerPartition: 1, maxBytes: 1 },
  { maxBytesPerPartition: 300, maxBytes: 300 },
  { maxBytesPerPartition: 1_048_576, maxBytes: 10_485_760 },
] as const;

/** Plays the steps in order, one request at a time, so the log holds them in that order. */
async function play(topic: string, steps: readonly Step[]): Promise<void> {
  const producers = new Map<Writer, Producer>();
  const ids = new Map<Writer, string>();
  const open = new Map<Writer, Transaction>();
  try {
    for (const [writer, action, ...values] of steps) {
      let producer = producers.get(writer);
      if (producer === undefined) {
        const id = uniqueName(`rc-${writer}`);
        ids.set(writer, id);
        producer = createTransactionalProducer(kafka, id);
        producers.set(writer, producer);
        await producer.connect();
      }
      if (action === 'replace') {
        // Registering the id again aborts the open transaction and fences the old producer.
        const next = createTransactionalProducer(kafka, ids.get(writer) as string);
        await connectTransactional(next);
        await producer.disconnect();
        producers.set(writer, next);
        open.delete(writer);
        continue;
      }
      if (action === 'begin') {
        open.set(writer, await producer.transaction());
        continue;
      }
      const tx = open.get(writer);
      assert.ok(tx, `${writer} ${action} outside a transaction`);
      if (action === 'send') {
        const messages = values.map((value) => (typeof value === 'string' ? { value } : value));
        await tx.send({ topic, messages });
      } else {
        await (action === 'commit' ? tx.commit() : tx.abort());
        open.delete(writer);
      }
    }
  } finally {
    await Promise.all([...producers.values()].map((p) => p.disconnect()));
  }
}

/**
 * Reads the partition with a fresh group and read_committed, up to the record `end`: from the
 * start, or from `fromOffset` (as a consumer that resumes from its group's commit).
 */
async function readCommitted(
  topic: string,
  fetch: { maxBytesPerPartition: number; maxBytes: number },
  fromOffset?: string,
): Promise<string[]> {
  const consumer = kafka.consumer({
    groupId: uniqueName('rc'),
    readUncommitted: false,
    maxWaitTimeInMs: 200,
    ...fetch,
  });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void values.push(String(message.value)) });
    if (fromOffset !== undefined) consumer.seek({ topic, partition: 0, offset: fromOffset });
    // `end` is the partition's last record: every record before it has been handed out.
    await waitUntil(() => values.includes('end'), { what: `the record end on ${topic}`, timeoutMs: 60_000 });
    return values;
  } finally {
    await consumer.disconnect();
  }
}

describe('read_committed with interleaved transactions on one partition', () => {
  before(async () => {
    await admin.connect();
    topics = await scratchTopics(admin, 'rc', 3, 1);
    const [interleavedTopic, markerTopic, epochTopic] = topics.names as [string, string, string];
    await play(interleavedTopic, interleaved);
    await play(markerTopic, markerLikeKey);
    await play(epochTopic, epochBumps);
  });
  after(async () => {
    await topics?.drop();
    await admin.disconnect();
  });

  for (const fetch of fetchSizes) {
    it(`sees exactly the committed records, in order (fetches of at most ${fetch.maxBytesPerPartition} bytes)`, async () => {
      const [topic] = topics.names as [string];
      assert.deepEqual(await readCommitted(topic, fetch), interleavedCommitted);
    });
  }

  it('a data record keyed like an abort marker does not end its aborted transaction', async () => {
    const [, topic] = topics.names as [string, string];
    for (const fetch of fetchSizes) {
      assert.deepEqual(await readCommitted(topic, fetch), ['a2-1', 'end'], `fetch ${JSON.stringify(fetch)}`);
    }
  });

  it("Kafka's own Java consumer reads exactly the same committed records", async () => {
    const expected = [interleavedCommitted, ['a2-1', 'end'], epochBumpsCommitted];
    for (const [i, topic] of topics.names.entries()) {
      const reference = await readCommittedReference({
        brokers: testEnvironment.kafkaBrokers,
        topic,
        values: true,
        idleMs: 2_000,
      });
      assert.deepEqual(
        reference.map((r) => r.value),
        expected[i],
        topic,
      );
    }
  });

  it('a producer replaced under its transactional id: the committed records from every offset of the log', async () => {
    const topic = topics.names[2] as string;
    // The log as written (aborted records too), to start from each of its offsets.
    const written = await readRecords(kafka, topic, 9, { readCommitted: false, settleMs: 500 });
    const offsetOf = new Map(written.map((r) => [String(r.message.value), BigInt(r.message.offset)]));
    const end = offsetOf.get('end') as bigint;
    for (let from = 0n; from <= end; from++) {
      const expected = epochBumpsCommitted.filter((v) => (offsetOf.get(v) as bigint) >= from);
      // A record batch per fetch, and the whole log in one.
      for (const fetch of [fetchSizes[0], fetchSizes[2]]) {
        assert.deepEqual(
          await readCommitted(topic, fetch, String(from)),
          expected,
          `from offset ${from}, fetches of at most ${fetch.maxBytesPerPartition} bytes`,
        );
      }
    }
  });
});
