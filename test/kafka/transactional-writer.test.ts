// The transactional writer on the shared broker: commits, aborts when the work fails, and on
// fencing stops for good rather than fencing the newer writer back. Its recovery after the
// broker went away mid-transaction is in test/faults/transactions.faults.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTransactionalWriter, TransactionError, TransactionErrorCode } from '@payhook/kafka';
import { createLogger } from '@payhook/runtime';
import { lossyKafka, readRecords, scratchTopics, testKafka, uniqueName } from '@payhook/testkit';

const kafka = testKafka();
const admin = kafka.admin();
const logger = createLogger({ name: 'writer-test', level: process.env.TEST_LOG_LEVEL ?? 'error' });
let topics: Awaited<ReturnType<typeof scratchTopics>>;

const writer = (transactionalId: string) => createTransactionalWriter({ kafka, transactionalId, logger });

describe('transactional writer', () => {
  before(async () => {
    await admin.connect();
    topics = await scratchTopics(admin, 'txw', 4, 1);
  });
  after(async () => {
    await topics.drop();
    await admin.disconnect();
  });

  it('commits the work; a failure inside it aborts, and the writer goes on', async () => {
    const [topic] = topics.names as [string];
    const w = writer(uniqueName('txw'));
    await w.connect();
    try {
      const result = await w.run(async (tx) => {
        await tx.send({ topic, messages: [{ value: 'one' }] });
        return 42;
      });
      assert.equal(result, 42);
      const failed = await w
        .run(async (tx) => {
          await tx.send({ topic, messages: [{ value: 'aborted' }] });
          throw new Error('the work failed');
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      assert.ok(failed instanceof TransactionError);
      assert.equal(failed.code, TransactionErrorCode.ABORTED);
      assert.equal(failed.retryable, true);
      assert.equal(w.ready, true, 'a clean abort keeps the producer');
      await w.run(async (tx) => tx.send({ topic, messages: [{ value: 'two' }] }));
    } finally {
      await w.disconnect();
    }
    const records = await readRecords(kafka, topic, 2, { readCommitted: true, settleMs: 1_000 });
    assert.deepEqual(
      records.map((r) => String(r.message.value)),
      ['one', 'two'],
    );
  });

  it('runs one transaction at a time when called concurrently', async () => {
    const [, topic] = topics.names as [string, string];
    const w = writer(uniqueName('txw'));
    await w.connect();
    try {
      await Promise.all(
        Array.from({ length: 5 }, (_, i) => w.run(async (tx) => tx.send({ topic, messages: [{ value: `r${i}` }] }))),
      );
    } finally {
      await w.disconnect();
    }
    const records = await readRecords(kafka, topic, 5, { readCommitted: true, settleMs: 500 });
    assert.equal(records.length, 5);
  });

  it('after a send whose answer was lost, the next transaction with the same records is written, not taken for a retry', async () => {
    const topic = topics.names[3] as string;
    const { kafka: lossyClient, lossy } = lossyKafka();
    const w = createTransactionalWriter({ kafka: lossyClient, transactionalId: uniqueName('txw'), logger });
    const same = [{ value: 'same-a' }, { value: 'same-b' }];
    let replacedAfterFailure = false;
    await w.connect();
    try {
      await w.run((tx) => tx.send({ topic, messages: [{ value: 'before' }] }));
      lossy.dropping = true;
      // The broker writes the batch every time; the client sees only dropped connections.
      const failed = await w
        .run((tx) => tx.send({ topic, messages: same }))
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      lossy.dropping = false;
      assert.ok(failed instanceof TransactionError, String(failed));
      assert.equal(failed.code, TransactionErrorCode.ABORTED);
      replacedAfterFailure = !w.ready;
      // The same records again, as a consumer that went back to its last commit sends them.
      await w.run((tx) => tx.send({ topic, messages: same }));
      await w.run((tx) => tx.send({ topic, messages: [{ value: 'after' }] }));
      assert.equal(w.ready, true);
    } finally {
      await w.disconnect();
    }
    const committed = await readRecords(kafka, topic, 4, { readCommitted: true, settleMs: 1_000 });
    assert.deepEqual(
      committed.map((r) => String(r.message.value)),
      ['before', 'same-a', 'same-b', 'after'],
    );
    const written = await readRecords(kafka, topic, 6, { readCommitted: false, settleMs: 1_000 });
    assert.deepEqual(
      written.map((r) => String(r.message.value)),
      ['before', 'same-a', 'same-b', 'same-a', 'same-b', 'after'],
      'the aborted copy and the committed one',
    );
    assert.ok(replacedAfterFailure, 'the producer was replaced before the next transaction');
  });

  it('fenced by a newer writer with the same id: fails for good, and never fences it back', async () => {
    const [, , topic] = topics.names as [string, string, string];
    const id = uniqueName('txw');
    const older = writer(id);
    const newer = writer(id);
    await older.connect();
    await older.run(async (tx) => tx.send({ topic, messages: [{ value: 'older-1' }] }));
    await newer.connect();
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const error = await older
          .run(async (tx) => tx.send({ topic, messages: [{ value: 'older-2' }] }))
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        assert.ok(error instanceof TransactionError, `attempt ${attempt}: ${String(error)}`);
        assert.equal(error.code, TransactionErrorCode.FENCED);
        assert.equal(older.ready, false);
      }
      await newer.run(async (tx) => tx.send({ topic, messages: [{ value: 'newer-1' }] }));
    } finally {
      await older.disconnect().catch(() => undefined);
      await newer.disconnect();
    }
    const records = await readRecords(kafka, topic, 2, { readCommitted: true, settleMs: 1_000 });
    assert.deepEqual(
      records.map((r) => String(r.message.value)),
      ['older-1', 'newer-1'],
    );
  });
});
