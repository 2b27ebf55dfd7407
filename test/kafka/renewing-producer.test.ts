// The renewing producer against the real broker: after a failed send the next one goes through
// a new producer, one that cannot connect fails only its own sends, and a disconnected one
// refuses to send.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRenewingProducer, RenewingProducerErrorCode } from '@payhook/kafka';
import { lossyKafka, readRecords, scratchTopics, testKafka } from '@payhook/testkit';

const kafka = testKafka();
const admin = kafka.admin();
let topics: Awaited<ReturnType<typeof scratchTopics>>;

const record = (topic: string, value: string) => ({ topic, acks: -1, messages: [{ key: 'k', value }] });

describe('renewing producer', () => {
  before(async () => {
    await admin.connect();
    topics = await scratchTopics(admin, 'renew', 2, 1);
  });
  after(async () => {
    await topics.drop();
    await admin.disconnect();
  });

  it('a replacement that cannot connect rejects its sends with the connect error; a later send connects a new one', async () => {
    const topic = topics.names[0] as string;
    // Few retries: each refused connect gives up quickly.
    const { kafka: client, lossy } = lossyKafka({ retry: { retries: 1, initialRetryTime: 50 } });
    const producer = createRenewingProducer({ kafka: client });
    await producer.connect();
    try {
      await producer.send(record(topic, 'before'));
      lossy.dropping = true;
      await assert.rejects(producer.send(record(topic, 'lost')));
      lossy.dropping = false;
      assert.equal(producer.renewals, 0, 'nothing is replaced before the next send');

      lossy.refusing = true;
      await assert.rejects(producer.send(record(topic, 'refused-1')), /refused|connect/i);
      await assert.rejects(producer.sendBatch({ topicMessages: [{ topic, messages: [{ value: 'refused-2' }] }] }));
      assert.equal(producer.renewals, 2, 'each send after a failed connect tries a new producer');

      lossy.refusing = false;
      const [acknowledged] = await producer.send(record(topic, 'after'));
      assert.equal(producer.renewals, 3);

      const records = await readRecords(kafka, topic, 3, { settleMs: 1_000 });
      assert.deepEqual(
        records.map((r) => String(r.message.value)),
        ['before', 'lost', 'after'],
      );
      assert.equal(records[2]?.message.offset, acknowledged?.baseOffset, 'acknowledged where it was written');
    } finally {
      await producer.disconnect();
    }
  });

  it('sends after disconnect() reject without connecting again', async () => {
    const topic = topics.names[1] as string;
    const producer = createRenewingProducer({ kafka });
    await producer.send(record(topic, 'connected lazily'));
    await producer.disconnect();
    await assert.rejects(producer.send(record(topic, 'late')), (error: unknown) => {
      assert.equal((error as { code?: string }).code, RenewingProducerErrorCode.DISCONNECTED);
      return true;
    });
    assert.equal(producer.renewals, 0);
    const records = await readRecords(kafka, topic, 1, { settleMs: 500 });
    assert.deepEqual(
      records.map((r) => String(r.message.value)),
      ['connected lazily'],
    );
  });
});
