import type { Kafka, Producer } from 'kafkajs';
import { keyHashPartitioner } from './partitioner.ts';

/**
 * An idempotent producer: retries never duplicate or reorder a partition's records.
 * Uses the Java client's default partitioner, so keys land where other clients put them.
 * A process that sends again after a failed send wants `createRenewingProducer`, which makes
 * these and replaces one after a failure: a batch whose answer was lost is in the log, and this
 * producer's next batch would reuse its sequence numbers.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 5,
    createPartitioner: keyHashPartitioner,
  });
}

/**
 * A transactional producer. The transactional id fences an older instance that uses the
 * same id: it must be stable per logical writer (per chain for the scanner, for example).
 */
export function createTransactionalProducer(kafka: Kafka, transactionalId: string): Producer {
  return kafka.producer({
    idempotent: true,
    transactionalId,
    maxInFlightRequests: 1,
    // Right after a commit the coordinator answers CONCURRENT_TRANSACTIONS until the markers
    // are written (a few ms); a short first backoff keeps back-to-back transactions quick.
    retry: { initialRetryTime: 20, maxRetryTime: 1_000, retries: 12 },
    createPartitioner: keyHashPartitioner,
  });
}

/**
 * Connects a transactional producer and registers its transactional id with the broker now
 * (kafkajs would wait for the first transaction). Registering fences every older producer
 * with the same id and aborts its open transaction, so what is read afterwards is final.
 */
export async function connectTransactional(producer: Producer): Promise<void> {
  await producer.connect();
  const tx = await producer.transaction();
  await tx.abort();
}
