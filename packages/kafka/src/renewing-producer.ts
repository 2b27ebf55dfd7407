import { type Logger, PayhookError } from '@payhook/runtime';
import type { Kafka, Producer, ProducerBatch, ProducerRecord, RecordMetadata } from 'kafkajs';
import { createIdempotentProducer } from './producer.ts';

/** Stable error codes of {@link createRenewingProducer}. */
export const RenewingProducerErrorCode = {
  DISCONNECTED: 'PAYHOOK_RENEWING_PRODUCER_DISCONNECTED',
} as const;
export type RenewingProducerErrorCode = (typeof RenewingProducerErrorCode)[keyof typeof RenewingProducerErrorCode];

/** What the pipeline's writers need of a producer: its two ways of sending. */
export type RecordSender = Pick<Producer, 'send' | 'sendBatch'>;

/** Options of {@link createRenewingProducer}. */
export interface RenewingProducerOptions {
  readonly kafka: Kafka;
  /**
   * Makes each producer, the first and every replacement.
   * @defaultValue {@link createIdempotentProducer}
   */
  readonly create?: (kafka: Kafka) => Producer;
  /** Reports replacements and old producers that failed to disconnect. */
  readonly logger?: Logger;
}

/** An idempotent producer that is replaced after every failed send. */
export interface RenewingProducer extends RecordSender {
  /**
   * Connects the current producer now (the first send would otherwise do it), so that a
   * broker out of reach at start-up fails the start.
   */
  connect(): Promise<void>;
  /** Disconnects the producer once its sends in flight have settled; later sends reject. */
  disconnect(): Promise<void>;
  /** Producers made after the first one: one per failed send or failed connect. */
  readonly renewals: number;
}

interface Generation {
  readonly producer: Producer;
  readonly connected: Promise<void>;
  inFlight: number;
  retired: boolean;
  /** Settles once the producer was disconnected. */
  readonly gone: PromiseWithResolvers<void>;
}

/**
 * Holds a kafkajs idempotent producer and, after any `send` or `sendBatch` that rejected (or a
 * connect that failed), disconnects it and makes a new one, connected lazily before the next
 * send. A replacement that cannot connect rejects its sends with the connect error; the next
 * send tries a new one again.
 *
 * kafkajs advances a partition's sequence number only when the broker acknowledges a batch,
 * and gives the numbers back when a send fails. A batch whose answer was lost (a broker killed
 * after replicating it, a dropped connection) is in the log all the same, and the next batch
 * would reuse its numbers: the broker refuses them for ever (OUT_OF_ORDER_SEQUENCE_NUMBER), or,
 * for a batch of the same length, takes it for a retry of the earlier one and acknowledges it
 * without writing it. A new producer has a new producer id, whose sequences start afresh, as
 * the Java client bumps its epoch after such a failure.
 *
 * Sends in flight on a replaced producer finish on it; it is disconnected once they settle.
 */
export function createRenewingProducer(options: RenewingProducerOptions): RenewingProducer {
  const { kafka, logger, create = createIdempotentProducer } = options;
  let current: Generation | undefined;
  let made = 0;
  let closed = false;
  /** Producers not yet disconnected, the current one and replaced ones with sends in flight. */
  const live = new Set<Generation>();

  function start(): Generation {
    made++;
    const producer = create(kafka);
    const connected = producer.connect();
    connected.catch(() => undefined);
    const generation: Generation = { producer, connected, inFlight: 0, retired: false, gone: Promise.withResolvers() };
    live.add(generation);
    current = generation;
    return generation;
  }

  function dispose(generation: Generation): void {
    generation.producer
      .disconnect()
      .catch((error: unknown) => logger?.warn({ err: error }, 'disconnecting a replaced producer failed'))
      .finally(() => {
        live.delete(generation);
        generation.gone.resolve();
      });
  }

  function retire(generation: Generation, error: unknown): void {
    if (generation.retired) return;
    generation.retired = true;
    if (current === generation) current = undefined;
    if (!closed)
      logger?.warn(
        { err: error },
        'a send or connect failed; the producer is replaced to start its sequence numbers afresh',
      );
    if (generation.inFlight === 0) dispose(generation);
  }

  /** The current producer, connected, with one more send in flight on it: {@link release} it. */
  async function acquire(): Promise<Generation> {
    for (;;) {
      if (closed) {
        throw new PayhookError(
          RenewingProducerErrorCode.DISCONNECTED,
          'the producer is disconnected and sends no more',
        );
      }
      const generation = current ?? start();
      try {
        await generation.connected;
      } catch (error) {
        retire(generation, error);
        throw error;
      }
      // Another send may have failed on it meanwhile: its numbers are no longer to be trusted.
      if (!generation.retired) {
        generation.inFlight++;
        return generation;
      }
    }
  }

  function release(generation: Generation): void {
    generation.inFlight--;
    if (generation.retired && generation.inFlight === 0) dispose(generation);
  }

  async function sent<T>(send: (producer: Producer) => Promise<T>): Promise<T> {
    const generation = await acquire();
    try {
      return await send(generation.producer);
    } catch (error) {
      retire(generation, error);
      throw error;
    } finally {
      release(generation);
    }
  }

  return {
    async connect() {
      release(await acquire());
    },
    send: (record: ProducerRecord): Promise<RecordMetadata[]> => sent((producer) => producer.send(record)),
    sendBatch: (batch: ProducerBatch): Promise<RecordMetadata[]> => sent((producer) => producer.sendBatch(batch)),
    async disconnect() {
      closed = true;
      if (current !== undefined) retire(current, undefined);
      await Promise.all([...live].map((generation) => generation.gone.promise));
    },
    get renewals() {
      return Math.max(0, made - 1);
    },
  };
}
