// The record encoding and decoding of the patched kafkajs (varints written in place, 32-bit
// timestamp deltas and offsets in plain numbers, records sized up front) against the wire
// format computed here with BigInt, and against the broker and Kafka's own Java consumer.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { readCommittedReference } from '@payhook/devstack';
import { createIdempotentProducer } from '@payhook/kafka';
import { readRecords, scratchTopics, testEnvironment, testKafka } from '@payhook/testkit';

const require = createRequire(import.meta.url);

interface WireEncoder {
  writeVarLong(value: number | string): WireEncoder;
  writeVarInt(value: number): WireEncoder;
  readonly buffer: Buffer;
}
interface WireDecoder {
  readVarLong(): { toString(): string };
  readVarLongNumber(): number | { toString(): string };
  readVarInt(): number;
}
type RecordFields = {
  offsetDelta?: number;
  timestampDelta?: number;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, string | Buffer | (string | Buffer)[]>;
};
const Encoder = require('kafkajs/src/protocol/encoder.js') as {
  new (initialSize?: number): WireEncoder;
  sizeOfVarLong(value: number | string): number;
};
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => WireDecoder;
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (
  fields: RecordFields,
) => WireEncoder;
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as (
  decoder: WireDecoder,
  context: Record<string, unknown>,
) => { timestamp: string; offset: string; key: Buffer; value: Buffer; headers: Record<string, unknown> };
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition.js') as (args: {
  topic: string;
  partitionMetadata: unknown[];
  messages: { partition: number; value: string }[];
  partitioner: (args: { message: { partition: number } }) => number;
}) => Record<string, { partition: number; value: string }[]>;

/** The Kafka varlong of a signed 64-bit value: zigzag, then seven bits a byte, low first. */
function referenceVarLong(value: bigint): Buffer {
  let zigzag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const bytes: number[] = [];
  while (zigzag >= 0x80n) {
    bytes.push(Number(zigzag & 0x7fn) | 0x80);
    zigzag >>= 7n;
  }
  bytes.push(Number(zigzag));
  return Buffer.from(bytes);
}

const edges = [0, 1, -1, 63, -64, 64, -65, 8191, 8192, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1];
const wide = [2 ** 40 + 3, -(2 ** 40) - 3, 2 ** 48, 2 ** 49, -(2 ** 49) - 1, Number.MAX_SAFE_INTEGER];

describe('kafkajs wire codec (patched)', () => {
  it('writes every varlong as the wire format says, 32-bit values and wider ones alike', () => {
    for (const value of [...edges, ...wide]) {
      const expected = referenceVarLong(BigInt(value));
      assert.deepEqual(new Encoder(1).writeVarLong(value).buffer, expected, `varlong ${value}`);
      assert.equal(Encoder.sizeOfVarLong(value), expected.length, `size of varlong ${value}`);
    }
    // Beyond a safe integer the value comes as a string and takes the Long path.
    const huge = '-9223372036854775808';
    assert.deepEqual(new Encoder().writeVarLong(huge).buffer, referenceVarLong(BigInt(huge)));
  });

  it('writes several varints into a small encoder as it grows', () => {
    const encoder = new Encoder(1);
    for (const value of edges.filter((v) => (v | 0) === v)) encoder.writeVarInt(value);
    const decoder = new Decoder(encoder.buffer);
    for (const value of edges.filter((v) => (v | 0) === v)) assert.equal(decoder.readVarInt(), value);
  });

  it('reads a varlong as a number up to 49 bits and as a Long beyond, the same value either way', () => {
    const values = [...edges, ...wide].map(BigInt).concat([2n ** 62n, -(2n ** 63n), 2n ** 63n - 1n]);
    const bytes = Buffer.concat(values.map(referenceVarLong));
    const fast = new Decoder(bytes);
    const slow = new Decoder(bytes);
    for (const value of values) {
      const read = fast.readVarLongNumber();
      assert.equal(String(read), value.toString(), `varlong ${value}`);
      assert.equal(typeof read === 'number', value >= -(2n ** 48n) && value < 2n ** 48n, `number for ${value}`);
      assert.equal(slow.readVarLong().toString(), value.toString());
    }
  });

  it('encodes and decodes a record: deltas, offsets past 2^53, repeated headers, null key', () => {
    const cases: { base: string; firstOffset: string; timestampDelta: number; offsetDelta: number }[] = [
      { base: '1764806400000', firstOffset: '0', timestampDelta: 0, offsetDelta: 0 },
      { base: '1764806400000', firstOffset: '41', timestampDelta: -5, offsetDelta: 7 },
      { base: '1764806400000', firstOffset: '41', timestampDelta: 2 ** 31 + 9, offsetDelta: 2 ** 31 - 1 },
      { base: '-1', firstOffset: '9007199254740990', timestampDelta: 2 ** 45, offsetDelta: 5 },
      { base: '9223372036854775000', firstOffset: '9223372036854775000', timestampDelta: 7, offsetDelta: 1 },
    ];
    for (const { base, firstOffset, timestampDelta, offsetDelta } of cases) {
      const headers = { one: 'a', twice: ['x', Buffer.from('y')], empty: '' };
      const encoded = encodeRecord({ offsetDelta, timestampDelta, key: null, value: 'vålue', headers }).buffer;
      const decoder = new Decoder(encoded);
      // The batch reads a record's length before the record.
      assert.equal(decoder.readVarInt(), encoded.length - 1);
      const record = decodeRecord(decoder, { firstOffset, firstTimestamp: base, magicByte: 2 });
      assert.equal(record.timestamp, (BigInt(base) + BigInt(timestampDelta)).toString());
      assert.equal(record.offset, (BigInt(firstOffset) + BigInt(offsetDelta)).toString());
      assert.equal(record.key, null);
      assert.equal(record.value.toString(), 'vålue');
      assert.deepEqual(
        Object.fromEntries(
          Object.entries(record.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]),
        ),
        { one: 'a', twice: ['x', 'y'], empty: '' },
      );
    }
  });

  it('groups messages by partition in their order', () => {
    const messages = Array.from({ length: 50 }, (_, i) => ({ partition: i % 3, value: String(i) }));
    const grouped = groupMessagesPerPartition({
      topic: 't',
      partitionMetadata: [{}, {}, {}],
      messages,
      partitioner: ({ message }) => message.partition,
    });
    assert.deepEqual(Object.keys(grouped).sort(), ['0', '1', '2']);
    for (const [partition, group] of Object.entries(grouped)) {
      assert.deepEqual(
        group.map((m) => m.value),
        messages.filter((m) => m.partition === Number(partition)).map((m) => m.value),
      );
    }
  });

  describe('against the broker', () => {
    const kafka = testKafka();
    const admin = kafka.admin();
    let topics: Awaited<ReturnType<typeof scratchTopics>>;
    before(async () => {
      await admin.connect();
      topics = await scratchTopics(admin, 'wire', 1, 1);
    });
    after(async () => {
      await topics.drop();
      await admin.disconnect();
    });

    it('one batch with timestamps 2^31 ms and more apart and repeated headers is read back exactly, by Java too', async () => {
      const [topic] = topics.names as [string];
      const now = Date.now();
      // Out of order on purpose (deltas below the batch's first timestamp), and wider than 32 bits.
      const timestamps = [now, now - 5, now - 2 ** 31 - 7, now - 2 ** 40, now - 1];
      const producer = createIdempotentProducer(kafka);
      await producer.connect();
      try {
        await producer.send({
          topic,
          messages: timestamps.map((timestamp, i) => ({
            key: i === 2 ? null : `k${i}`,
            value: `record ${i} ✓`,
            timestamp: String(timestamp),
            headers: { seq: String(i), tag: ['a', `b${i}`] },
          })),
        });
      } finally {
        await producer.disconnect();
      }
      const read = await readRecords(kafka, topic, timestamps.length);
      assert.deepEqual(
        read.map(({ message }) => ({
          offset: message.offset,
          timestamp: message.timestamp,
          key: message.key?.toString() ?? null,
          value: message.value?.toString(),
          seq: String(message.headers?.seq),
          tag: ((message.headers?.tag ?? []) as Buffer[]).map(String),
        })),
        timestamps.map((timestamp, i) => ({
          offset: String(i),
          timestamp: String(timestamp),
          key: i === 2 ? null : `k${i}`,
          value: `record ${i} ✓`,
          seq: String(i),
          tag: ['a', `b${i}`],
        })),
      );
      const reference = await readCommittedReference({
        brokers: testEnvironment.kafkaBrokers,
        topic,
        values: true,
        idleMs: 2_000,
      });
      assert.deepEqual(
        reference.map((r) => r.value),
        timestamps.map((_, i) => `record ${i} ✓`),
      );
    });
  });
});
