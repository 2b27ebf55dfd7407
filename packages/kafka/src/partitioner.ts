import { randomInt } from 'node:crypto';
import type { ICustomPartitioner } from 'kafkajs';

const M = 0x5bd1e995;
const SEED = 0x9747b28c;

/**
 * Kafka's murmur2 (the Java client's `Utils.murmur2`) of `data`, as a signed 32-bit integer.
 * Every step is 32-bit arithmetic (`Math.imul`), which is what the Java code computes.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const words = length >>> 2;
  for (let i = 0; i < words; i++) {
    const at = i * 4;
    let k = (data[at] as number) | ((data[at + 1] as number) << 8) | ((data[at + 2] as number) << 16);
    k |= (data[at + 3] as number) << 24;
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The last one to three bytes.
  const rest = length & 3;
  if (rest > 0) {
    const tail = length - rest;
    if (rest === 3) h ^= (data[tail + 2] as number) << 16;
    if (rest >= 2) h ^= (data[tail + 1] as number) << 8;
    h ^= data[tail] as number;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Keys short enough are encoded here instead of into a new buffer each time. */
const scratch = Buffer.allocUnsafe(1_024);

/** The partition of `key` among `partitions`, as the Java client's default partitioner picks it. */
export function partitionOfKey(key: string | Buffer, partitions: number): number {
  let bytes: Uint8Array;
  if (typeof key !== 'string') bytes = key;
  else if (key.length * 3 <= scratch.length) bytes = scratch.subarray(0, scratch.write(key, 'utf8'));
  else bytes = Buffer.from(key, 'utf8');
  return (murmur2(bytes) & 0x7fffffff) % partitions;
}

/**
 * The Java client's default partitioner, as kafkajs's `Partitioners.DefaultPartitioner`
 * implements it (so records land where they always did): a record's own partition if it
 * has one, the murmur2 hash of its key if it has a key, and otherwise the topic's available
 * partitions in turn. An explicit partition, the case of records whose partition was chosen
 * before their batch, returns at once.
 */
export const keyHashPartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) return partitionOfKey(message.key, partitionMetadata.length);
    const counter = (counters.get(topic) ?? randomInt(0x7fffffff)) + 1;
    counters.set(topic, counter);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0)
      return (available[(counter & 0x7fffffff) % available.length] as (typeof available)[number]).partitionId;
    return (counter & 0x7fffffff) % partitionMetadata.length;
  };
};
