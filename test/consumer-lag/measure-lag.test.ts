import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LagGroup, measureLag, type PartitionLag } from '@payhook/consumer-lag';
import { DeliveryHeader } from '@payhook/contracts';
import { createTransactionalProducer } from '@payhook/kafka';
import { createPipelineFixture, type PipelineFixture, uniqueName, waitUntil } from '@payhook/testkit';
import type { Admin, Consumer, Producer } from 'kafkajs';

const HOUR_MS = 3_600_000;

let pipe: PipelineFixture;
let admin: Admin;
let transactional: Producer;
const consumers: Consumer[] = [];

const message = (partition: number, i: number, headers?: Record<string, string>) => ({
  key: `k${i}`,
  value: Buffer.from(`record ${i}`),
  partition,
  ...(headers === undefined ? {} : { headers }),
});

/** One transaction of `count` records to one partition, committed or aborted. */
async function transaction(topic: string, partition: number, count: number, outcome: 'commit' | 'abort') {
  const tx = await transactional.transaction();
  await tx.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, i) => message(partition, i)) });
  await (outcome === 'commit' ? tx.commit() : tx.abort());
}

async function lagOf(group: LagGroup, topic: string, partition: number): Promise<PartitionLag> {
  const [measured] = await measureLag(admin, pipe.kafka, [group], pipe.topics);
  const found = measured?.partitions.find((p) => p.topic === topic && p.partition === partition);
  assert.ok(found, `${group.groupId} ${topic}[${partition}] is reported`);
  return found;
}

async function commitAt(groupId: string, topic: string, partition: number, offset: number): Promise<void> {
  await admin.setOffsets({ groupId, topic, partitions: [{ partition, offset: String(offset) }] });
}

before(async () => {
  pipe = await createPipelineFixture({ tiers: '10s,1m', partitions: 2 });
  admin = pipe.kafka.admin();
  await admin.connect();
  transactional = createTransactionalProducer(pipe.kafka, uniqueName('lag-tx'));
  await transactional.connect();
});

after(async () => {
  for (const c of consumers) await c.disconnect().catch(() => undefined);
  await transactional.disconnect();
  await admin.disconnect();
  await pipe.close();
});

describe('measureLag on transactionally written topics', () => {
  it('reports a group that consumed a committed transaction and committed as caught up: the marker is no record', async () => {
    const topic = pipe.topics.dispatch;
    await transaction(topic, 0, 5, 'commit');

    // A real member reads the five records and commits after the last one, as a consumer
    // that commits what it processed does; the commit marker behind them is never handed out.
    const groupId = uniqueName('lag-caught-up');
    const consumer = pipe.kafka.consumer({ groupId, maxWaitTimeInMs: 100, readUncommitted: false });
    consumers.push(consumer);
    const seen: number[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message: m }) => {
        if (partition === 0) seen.push(Number(m.offset));
      },
    });
    await waitUntil(() => seen.length === 5, { what: 'the five records' });
    await consumer.commitOffsets([{ topic, partition: 0, offset: String(Math.max(...seen) + 1) }]);
    await consumer.disconnect();

    const p = await lagOf({ groupId }, topic, 0);
    assert.equal(p.committedOffset, '5');
    assert.equal(p.endOffset, '6', 'five records and the commit marker');
    assert.equal(p.lagOffsets, 0);
    assert.equal(p.lagSeconds, 0);
    assert.equal(p.ageSeconds, 0);
    assert.equal(p.oldestUnconsumedAtMs, null);
  });

  it('counts the data records still to read, leaving out commit markers and aborted records', async () => {
    const topic = pipe.topics.events;
    // Offsets: 0–2 data, 3 marker; 4–5 aborted, 6 marker; 7–8 data, 9 marker.
    await transaction(topic, 1, 3, 'commit');
    await transaction(topic, 1, 2, 'abort');
    await transaction(topic, 1, 2, 'commit');
    // One group per committed offset, measured together: one read of the partition.
    const expected: [number, number][] = [
      [0, 5],
      [1, 4],
      [3, 2],
      [4, 2],
      [7, 2],
      [8, 1],
      [9, 0],
      [10, 0],
    ];
    const groups = expected.map(([committed]) => ({ groupId: uniqueName(`lag-remaining-${committed}`), committed }));
    await Promise.all(groups.map(({ groupId, committed }) => commitAt(groupId, topic, 1, committed)));
    const measured = await measureLag(
      admin,
      pipe.kafka,
      groups.map(({ groupId }) => ({ groupId })),
      pipe.topics,
    );
    for (const [i, [committed, records]] of expected.entries()) {
      const p = measured[i]?.partitions.find((q) => q.topic === topic && q.partition === 1);
      assert.ok(p, `committed at ${committed}: reported`);
      assert.equal(p.committedOffset, String(committed));
      assert.equal(p.endOffset, '10');
      assert.equal(p.lagOffsets, records, `committed at ${committed}: ${records} records to read`);
      assert.equal(p.oldestUnconsumedAtMs === null, records === 0, `committed at ${committed}`);
      assert.equal(p.lagSeconds > 0, records > 0, `committed at ${committed}`);
    }
  });

  it('reads a bounded window from each position, counting offsets beyond it', async () => {
    const topic = pipe.topics.events;
    // Partition 0: offsets 0–2 data, 3 marker; 4–7 data, 8 marker (end 9).
    await transaction(topic, 0, 3, 'commit');
    await transaction(topic, 0, 4, 'commit');
    const groups = [0, 4, 7].map((committed) => ({ groupId: uniqueName(`lag-window-${committed}`), committed }));
    await Promise.all(groups.map(({ groupId, committed }) => commitAt(groupId, topic, 0, committed)));
    const lagOffsets = async (window?: { records: number; bytes: number }) =>
      (
        await measureLag(
          admin,
          pipe.kafka,
          groups.map(({ groupId }) => ({ groupId })),
          pipe.topics,
          window === undefined ? {} : { window },
        )
      ).map((g) => g.partitions.find((p) => p.topic === topic && p.partition === 0)?.lagOffsets);

    assert.deepEqual(await lagOffsets(), [7, 4, 1], 'the default window holds them all: exact');
    // Two records: from 0, offsets 0–1 counted and 2–8 taken as they are (a marker among them);
    // from 4, 4–5 and then 6–8; from 7, one record before the end. The positions are further
    // apart than the window, so each is read on its own, not through the offsets between them.
    assert.deepEqual(await lagOffsets({ records: 2, bytes: 1_048_576 }), [9, 5, 1]);
    // A byte limit fills the window as well: each record here is 10 bytes.
    assert.deepEqual(await lagOffsets({ records: 500, bytes: 20 }), [9, 5, 1]);
  });
});

describe('measureLag on a retry tier', () => {
  it('counts due records queued behind a head that is not yet due, and the figure grows while they wait', async () => {
    const tier = pipe.topics.retry[1]; // 1m
    assert.ok(tier);
    const now = Date.now();
    const due = (ms: number) => ({ [DeliveryHeader.DUE_AT]: String(ms) });
    const producer = pipe.kafka.producer({ idempotent: true });
    await producer.connect();
    try {
      await producer.send({
        topic: tier.topic,
        acks: -1,
        messages: [
          // Already consumed: an hour overdue, yet behind the committed offset.
          { ...message(0, 0, due(now - HOUR_MS)), timestamp: String(now - HOUR_MS - 60_000) },
          // The head: written now under a Retry-After, due in 60 s.
          { ...message(0, 1, due(now + 60_000)), timestamp: String(now) },
          // Behind it, due 20 s and 5 s ago.
          { ...message(0, 2, due(now - 20_000)), timestamp: String(now - 80_000) },
          { ...message(0, 3, due(now - 5_000)), timestamp: String(now - 65_000) },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const groupId = uniqueName('lag-tier-head');
    await commitAt(groupId, tier.topic, 0, 1);

    const first = await lagOf({ groupId }, tier.topic, 0);
    assert.equal(first.tierDelayMs, 60_000);
    assert.equal(first.lagOffsets, 3);
    assert.equal(first.oldestUnconsumedAtMs, now, 'the head is the oldest unconsumed record');
    assert.ok(first.lagSeconds >= 20, `${first.lagSeconds}s: at least the 20 s the earliest due record has waited`);
    assert.ok(first.lagSeconds < 3_600, `${first.lagSeconds}s: the consumed record does not count`);

    await sleep(1_500);
    const second = await lagOf({ groupId }, tier.topic, 0);
    assert.ok(second.lagSeconds > first.lagSeconds, `${second.lagSeconds}s after ${first.lagSeconds}s`);

    // Past the head once it is consumed: the same due records, the same figure, on.
    await commitAt(groupId, tier.topic, 0, 2);
    const past = await lagOf({ groupId }, tier.topic, 0);
    assert.equal(past.lagOffsets, 2);
    assert.ok(past.lagSeconds > second.lagSeconds);
  });
});
