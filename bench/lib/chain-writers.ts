import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContractCodec, PipelineTopics, ScannerCheckpoint } from '@payhook/contracts';
import { createTransactionalWriter, type TransactionalWriter } from '@payhook/kafka';
import type { Logger } from '@payhook/runtime';
import type { Kafka, Message } from 'kafkajs';

/** Chain ids of the two writers, as two chains' scanners. */
export const CHAINS = [8453, 137] as const;

/** Called just before a transaction starts with the indexes of the events it carries. */
export type OnWrite = (indexes: readonly number[], at: number) => void;

/**
 * Two transactional writers of `payments.events`, one per chain, each writing its events and
 * its checkpoint in one transaction as the scanner does; they run side by side, so their
 * transactions interleave on the events topic. Event `i` belongs to chain `i % 2`.
 */
export interface ChainWriters {
  /** Writes every event as a backlog: each writer back to back, `txEvents` per transaction. */
  backlog(messages: readonly Message[], txEvents: number, onWrite: OnWrite): Promise<void>;
  /**
   * Writes at `eventsPerSecond` in all: each writer commits whatever is due every `blockMs`
   * (the two half a block apart), and a slow transaction is caught up at the next block.
   * Resolves with the events written (all of them unless `deadline`, a `performance.now()`, passed).
   */
  paced(
    messages: readonly Message[],
    eventsPerSecond: number,
    blockMs: number,
    deadline: number,
    onWrite: OnWrite,
  ): Promise<number>;
  disconnect(): Promise<void>;
}

/** Options of {@link connectChainWriters}. */
export interface ChainWritersOptions {
  readonly kafka: Kafka;
  readonly codec: ContractCodec;
  readonly topics: PipelineTopics;
  readonly logger: Logger;
}

/** Connects both writers (registering their transactional ids under the pipeline's prefix). */
export async function connectChainWriters(options: ChainWritersOptions): Promise<ChainWriters> {
  const { kafka, codec, topics, logger } = options;
  const writers: TransactionalWriter[] = CHAINS.map((chain) =>
    createTransactionalWriter({ kafka, transactionalId: `${topics.prefix}payhook-scanner-${chain}`, logger }),
  );
  await Promise.all(writers.map((w) => w.connect()));
  const blocks = CHAINS.map(() => 0);

  async function commit(chain: number, messages: readonly Message[], indexes: readonly number[], onWrite: OnWrite) {
    const block = (blocks[chain] ?? 0) + 1;
    blocks[chain] = block;
    const checkpoint: ScannerCheckpoint = {
      chain_id: CHAINS[chain] as number,
      block_number: block,
      block_hash: `0x${block.toString(16).padStart(64, '0')}`,
      updated_at: Date.now(),
      recent_blocks: [],
    };
    const checkpointMessage = {
      key: String(checkpoint.chain_id),
      value: await codec.encode(topics.checkpoints, 'SCANNER_CHECKPOINT', checkpoint),
    };
    const events = indexes.map((i) => messages[i] as Message);
    onWrite(indexes, performance.now());
    await (writers[chain] as TransactionalWriter).run(async (tx) => {
      await tx.send({ topic: topics.events, messages: events });
      await tx.send({ topic: topics.checkpoints, messages: [checkpointMessage] });
    });
  }

  const indexesOf = (chain: number, count: number) => {
    const list: number[] = [];
    for (let i = chain; i < count; i += CHAINS.length) list.push(i);
    return list;
  };

  return {
    async backlog(messages, txEvents, onWrite) {
      await Promise.all(
        CHAINS.map(async (_, chain) => {
          const mine = indexesOf(chain, messages.length);
          for (let i = 0; i < mine.length; i += txEvents)
            await commit(chain, messages, mine.slice(i, i + txEvents), onWrite);
        }),
      );
    },
    async paced(messages, eventsPerSecond, blockMs, deadline, onWrite) {
      const started = performance.now();
      const written = await Promise.all(
        CHAINS.map(async (_, chain) => {
          const mine = indexesOf(chain, messages.length);
          let done = 0;
          let tick = started + (chain * blockMs) / CHAINS.length;
          while (done < mine.length && performance.now() < deadline) {
            const wait = tick - performance.now();
            if (wait > 0) await sleep(wait);
            tick += blockMs;
            const dueOverall = Math.floor(((performance.now() - started) / 1000) * eventsPerSecond) + 1;
            let due = done;
            while (due < mine.length && (mine[due] as number) < dueOverall) due++;
            if (due === done) continue;
            await commit(chain, messages, mine.slice(done, due), onWrite);
            done = due;
          }
          return done;
        }),
      );
      return written.reduce((a, b) => a + b, 0);
    },
    async disconnect() {
      await Promise.all(writers.map((w) => w.disconnect().catch(() => undefined)));
    },
  };
}
