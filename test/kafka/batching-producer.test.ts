// The batching producer against the real broker: many sends become few produce requests,
// every record arrives once and in order per key, and failures stay with their own sends.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BatchingProducerClosedError,
  BatchingProducerErrorCode,
  createBatchingProducer,
  createIdempotentProducer,
  createRenewingProducer,
  type RenewingProducer,
} from '@payhook/kafka';
import { lossyKafka, readRecords, scratchTopics, testKafka, uniqueName } from '@payhook/testkit';
import type { RecordMetadata } from 'kafkajs';

const kafka = testKafka();
const admin = kafka.admin();
let topics: Awaited<ReturnType<typeof scratchTopics>>;
let producer: RenewingProducer;
let produceRequests = 0;

/** Whether a promise has settled yet, without waiting for it. */
function tracked<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  return { promise, settled: () => done };
}

describe('batching producer', () => {
  before(async () => {
    await admin.connect();
    topics = await scratchTopics(admin, 'batch', 7, 3);
    producer = createRenewingProducer({
      kafka,
      create: (client) => {
        const made = createIdempotentProducer(client);
        made.on(made.events.REQUEST, ({ payload }) => {
          if (payload.apiName === 'Produce') produceRequests++;
        });
        return made;
      },
    });
    await producer.connect();
  });
  after(async () => {
    await producer.disconnect();
    await topics.drop();
    await admin.disconnect();
  });

  it('2,000 sends across 3 topics resolve with their own offsets; every record arrives once, in order per key', async () => {
    const targets = topics.names.slice(0, 3) as [string, string, string];
    const batching = createBatchingProducer(producer, { kafka });
    const requestsBefore = produceRequests;
    const keys = 40;
    const sends: { topic: string; key: string; value: string; done: Promise<RecordMetadata> }[] = [];
    const sequence = new Map<string, number>();
    for (let i = 0; i < 2_000; i++) {
      const topic = targets[i % 3] as string;
      const key = `k${i % keys}`;
      const seq = sequence.get(`${topic}/${key}`) ?? 0;
      sequence.set(`${topic}/${key}`, seq + 1);
      const value = `${key}:${seq}`;
      sends.push({ topic, key, value, done: batching.send(topic, { key, value }) });
    }
    assert.equal(batching.pending, 2_000, 'every send is pending before the first batch is acknowledged');

    const metadata = await Promise.all(sends.map((s) => s.done));
    assert.equal(batching.pending, 0);
    const produced = produceRequests - requestsBefore;
    assert.ok(produced > 0 && produced <= 40, `2,000 records went out in ${produced} produce requests`);

    const positions = new Set<string>();
    for (const [index, m] of metadata.entries()) {
      const send = sends[index];
      assert.ok(send);
      assert.equal(m.topicName, send.topic);
      assert.equal(m.errorCode, 0);
      assert.ok(m.offset !== undefined);
      positions.add(`${m.topicName}/${m.partition}/${m.offset}`);
    }
    assert.equal(positions.size, 2_000, 'no two sends report the same partition and offset');

    for (const topic of targets) {
      const expected = sends.filter((s) => s.topic === topic);
      const records = await readRecords(kafka, topic, expected.length, { settleMs: 500 });
      assert.equal(records.length, expected.length, `${topic}: each record exactly once`);
      const where = new Map(
        records.map((r) => [String(r.message.value), `${r.partition}/${r.message.offset}`] as const),
      );
      assert.equal(where.size, expected.length, `${topic}: no duplicates`);
      for (const s of expected) {
        const m = metadata[sends.indexOf(s)];
        assert.equal(where.get(s.value), `${m?.partition}/${m?.offset}`, `${s.value} is where its send said`);
      }
      // readRecords yields each partition in offset order, and a key lives on one partition.
      const last = new Map<string, number>();
      for (const r of records) {
        const [key, seq] = String(r.message.value).split(':') as [string, string];
        assert.equal(String(r.message.key), key);
        assert.ok(Number(seq) > (last.get(key) ?? -1), `${topic}: ${key} in send order`);
        last.set(key, Number(seq));
      }
    }
    await batching.close();
  });

  it('writes interleaved with sends resolve with nothing; the sends around them keep their exact offsets', async () => {
    const topic = topics.names[6] as string;
    const batching = createBatchingProducer(producer, { kafka });
    const sends: { value: string; done: Promise<RecordMetadata> }[] = [];
    const writes: { value: string; done: Promise<void> }[] = [];
    for (let i = 0; i < 600; i++) {
      const key = `mixed${i % 12}`;
      const value = `mixed:${i}`;
      if (i % 3 === 0) sends.push({ value, done: batching.send(topic, { key, value }) });
      else writes.push({ value, done: batching.write(topic, { key, value }) });
    }
    const written = await Promise.all(writes.map((w) => w.done));
    assert.ok(
      written.every((w) => w === undefined),
      'a write resolves with nothing',
    );
    const metadata = await Promise.all(sends.map((s) => s.done));
    const records = await readRecords(kafka, topic, 600, { settleMs: 500 });
    assert.equal(records.length, 600, 'every write and send exactly once');
    const where = new Map(records.map((r) => [String(r.message.value), `${r.partition}/${r.message.offset}`] as const));
    for (const [index, send] of sends.entries()) {
      const m = metadata[index];
      assert.equal(where.get(send.value), `${m?.partition}/${m?.offset}`, `${send.value} is where its send said`);
    }
    await batching.close();
  });

  it('holds records for the linger time, sends at maxBatchRecords, and flush() sends the rest', async () => {
    const topic = topics.names[3] as string;
    const batching = createBatchingProducer(producer, { kafka, lingerMs: 600_000, maxBatchRecords: 10 });
    const sends = Array.from({ length: 25 }, (_, i) => tracked(batching.send(topic, { key: `k${i}`, value: `v${i}` })));

    // Two full batches go out at once; the last five wait for the (ten-minute) linger.
    await Promise.all(sends.slice(0, 20).map((s) => s.promise));
    assert.equal(batching.pending, 5);
    assert.equal(sends.slice(20).filter((s) => s.settled()).length, 0, 'the partial batch is still queued');

    await batching.flush();
    assert.equal(batching.pending, 0);
    assert.equal(sends.filter((s) => s.settled()).length, 25, 'flush() waited for every earlier send');
    await Promise.all(sends.map((s) => s.promise));
    await batching.flush(); // nothing queued: resolves at once

    const records = await readRecords(kafka, topic, 25, { settleMs: 500 });
    assert.equal(records.length, 25);
    await batching.close();
  });

  it('close() delivers what is queued, then refuses new sends', async () => {
    const topic = topics.names[4] as string;
    const batching = createBatchingProducer(producer, { kafka, lingerMs: 600_000 });
    const queued = Array.from({ length: 7 }, (_, i) => tracked(batching.send(topic, { key: `c${i}`, value: `c${i}` })));

    await batching.close();
    assert.equal(queued.filter((s) => s.settled()).length, 7);
    const metadata = await Promise.all(queued.map((s) => s.promise));
    assert.equal(metadata.length, 7);
    assert.equal(batching.pending, 0);

    await assert.rejects(batching.send(topic, { key: 'late', value: 'late' }), (error: unknown) => {
      assert.ok(error instanceof BatchingProducerClosedError);
      assert.equal(error.code, BatchingProducerErrorCode.CLOSED);
      return true;
    });
    await batching.close(); // a second close is harmless
    const records = await readRecords(kafka, topic, 7, { settleMs: 500 });
    assert.deepEqual(records.map((r) => String(r.message.value)).sort(), queued.map((_, i) => `c${i}`).sort());
  });

  it('a send to a missing topic rejects on its own; sends to good topics before and after it succeed', async () => {
    const good = topics.names[5] as string;
    const missing = uniqueName('missing');
    const batching = createBatchingProducer(producer, { kafka });

    const before = batching.send(good, { key: 'a', value: 'before' });
    const bad = batching.send(missing, { key: 'a', value: 'lost' });
    const alongside = batching.send(good, { key: 'b', value: 'alongside' });
    await assert.rejects(bad, (error: unknown) => {
      assert.equal((error as { type?: string }).type, 'UNKNOWN_TOPIC_OR_PARTITION');
      return true;
    });
    await Promise.all([before, alongside]);

    // The missing topic does not stay in the way of later sends.
    await assert.rejects(batching.send(missing, { key: 'a', value: 'lost again' }));
    const after = await batching.send(good, { key: 'a', value: 'after' });
    assert.equal(after.topicName, good);
    await batching.close();

    const records = await readRecords(kafka, good, 3, { settleMs: 500 });
    assert.deepEqual(records.map((r) => String(r.message.value)).sort(), ['after', 'alongside', 'before']);
  });

  it('a batch the broker refuses rejects exactly its sends; the batches around it are written', async () => {
    const [topic] = (await scratchTopics(admin, 'batch-refused', 1, 1)).names as [string];
    try {
      // A high byte bound so that the oversized record shares its batch with small ones.
      const batching = createBatchingProducer(producer, { kafka, lingerMs: 600_000, maxBatchBytes: 10_000_000 });
      const first = batching.send(topic, { key: 'x', value: 'first' });
      await batching.flush();
      await first;

      const refused = [
        tracked(batching.send(topic, { key: 'x', value: 'small-1' })),
        tracked(batching.send(topic, { key: 'x', value: Buffer.alloc(2_000_000, 1) })),
        tracked(batching.send(topic, { key: 'x', value: 'small-2' })),
      ];
      await batching.flush();
      for (const send of refused) await assert.rejects(send.promise, /too large|larger than/i);

      const last = batching.send(topic, { key: 'x', value: 'last' });
      await batching.close();
      assert.equal((await last).topicName, topic);
      const records = await readRecords(kafka, topic, 2, { settleMs: 500 });
      assert.deepEqual(
        records.map((r) => String(r.message.value)),
        ['first', 'last'],
      );
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    }
  });

  // kafkajs gives a failed batch's sequence numbers back, yet a batch whose answer was lost is
  // in the log: a producer that reused them was refused for ever (a different length) or was
  // acknowledged without the batch being written (the same length, taken for a retry).
  for (const [label, length] of [
    ['the same', 2],
    ['a different', 3],
  ] as const) {
    it(`after a batch whose answers were lost, ${label} number of records is written and acknowledged where it is`, async () => {
      const [topic] = (await scratchTopics(admin, 'batch-lossy', 1, 1)).names as [string];
      const { kafka: lossyClient, lossy } = lossyKafka();
      const sender = createRenewingProducer({ kafka: lossyClient });
      await sender.connect();
      const batching = createBatchingProducer(sender, { kafka: lossyClient, lingerMs: 600_000 });
      const sendTogether = async (values: readonly string[]) => {
        const sends = values.map((value) => batching.send(topic, { key: 'k', value }));
        await batching.flush();
        return Promise.allSettled(sends);
      };
      try {
        const acknowledged = new Map<string, string | undefined>();
        const expectWritten = (values: readonly string[], results: PromiseSettledResult<RecordMetadata>[]) => {
          for (const [index, result] of results.entries()) {
            assert.equal(
              result.status,
              'fulfilled',
              `${values[index]}: ${String((result as { reason?: unknown }).reason)}`,
            );
            if (result.status === 'fulfilled') acknowledged.set(values[index] as string, result.value.offset);
          }
        };
        expectWritten(['before'], await sendTogether(['before']));

        lossy.dropping = true;
        // The broker writes the batch; the client sees only dropped connections.
        const lost = await sendTogether(['lost-1', 'lost-2']);
        lossy.dropping = false;
        assert.deepEqual(
          lost.map((r) => r.status),
          ['rejected', 'rejected'],
        );
        assert.equal(sender.renewals, 0, 'replaced lazily, before the next batch');

        const next = Array.from({ length }, (_, i) => `next-${i + 1}`);
        expectWritten(next, await sendTogether(next));
        expectWritten(['after'], await sendTogether(['after']));
        assert.equal(sender.renewals, 1, 'one new producer after the failed batch');

        const records = await readRecords(kafka, topic, 4 + length, { settleMs: 1_000 });
        assert.deepEqual(
          records.map((r) => String(r.message.value)),
          ['before', 'lost-1', 'lost-2', ...next, 'after'],
        );
        const offsets = new Map(records.map((r) => [String(r.message.value), r.message.offset] as const));
        for (const [value, offset] of acknowledged) {
          assert.equal(offset, offsets.get(value), `${value} is at the offset its send was acknowledged with`);
        }
      } finally {
        await batching.close();
        await sender.disconnect();
        await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      }
    });
  }
});
