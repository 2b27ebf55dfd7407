import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import kafkajs, { type PartitionMetadata } from 'kafkajs';
import { keyHashPartitioner, murmur2, partitionOfKey } from '../src/partitioner.ts';

// kafkajs's own murmur2: what the pipeline's records were partitioned with until now.
const kafkajsMurmur2 = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2.js') as (
  key: Buffer | string,
) => number;

const partitions = (count: number, leaderless: readonly number[] = []): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));

describe('murmur2', () => {
  it("matches the Java client's values", () => {
    // Values of Kafka's own test of Utils.murmur2.
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, expected] of cases) assert.equal(murmur2(Buffer.from(key)), expected, key);
  });

  it("matches kafkajs's implementation on every length and on random bytes", () => {
    for (let length = 0; length <= 80; length++) {
      for (let round = 0; round < 20; round++) {
        const key = randomBytes(length);
        assert.equal(murmur2(key), kafkajsMurmur2(key), key.toString('hex'));
      }
    }
  });
});

describe('keyHashPartitioner', () => {
  const ours = keyHashPartitioner();
  const theirs = kafkajs.Partitioners.DefaultPartitioner();

  it("puts keyed records where kafkajs's default partitioner does", () => {
    const metadata = partitions(12);
    for (let i = 0; i < 2_000; i++) {
      const key = i % 3 === 0 ? `dlv_${i}_é✓` : i % 3 === 1 ? `ep_${i.toString(36)}` : randomBytes(1 + (i % 40));
      const message = { key, value: null };
      assert.equal(
        ours({ topic: 't', partitionMetadata: metadata, message }),
        theirs({ topic: 't', partitionMetadata: metadata, message }),
      );
    }
    const long = 'k'.repeat(5_000);
    assert.equal(partitionOfKey(long, 12), (kafkajsMurmur2(long) & 0x7fffffff) % 12);
  });

  it('keeps an explicit partition and spreads keyless records over the available partitions', () => {
    const metadata = partitions(4, [2]);
    assert.equal(
      ours({ topic: 't', partitionMetadata: metadata, message: { key: 'k', value: null, partition: 3 } }),
      3,
    );
    const seen = new Set<number>();
    for (let i = 0; i < 40; i++)
      seen.add(ours({ topic: 'keyless', partitionMetadata: metadata, message: { value: 'v' } }));
    assert.deepEqual([...seen].sort(), [0, 1, 3]);
  });
});
