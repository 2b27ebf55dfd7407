import {
  type ContractCodec,
  type PaymentEvent,
  type PaymentIntent,
  parseRetryTiers,
  pipelineTopics,
  type ScannerCheckpoint,
} from '@payhook/contracts';
import type { TransactionalWriter } from '@payhook/kafka';
import { createLogger, Registry } from '@payhook/runtime';
import type { BlockSource, ScannedBlock } from '../src/block-source.ts';
import { type ChainScanner, createChainScanner } from '../src/chain-scanner.ts';
import type { ChainConfig } from '../src/config.ts';
import { createScannerMetrics } from '../src/metrics.ts';
import type { PaymentBook } from '../src/payment-book.ts';

// In-memory stand-ins for the chain and the transaction, for the races of the scan loop that
// a real node cannot be made to lose on cue. The scanner's tests against anvil and Kafka are
// in test/scanner.

export const DEPOSIT = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';

export const intent: PaymentIntent = {
  payment_id: 'pay_1',
  merchant_id: 'mer_1',
  chain_id: 31337,
  deposit_address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  asset: { kind: 'NATIVE', token_address: null, symbol: 'ETH', decimals: 18 },
  amount_expected: '1000',
  required_confirmations: 10,
  expires_at: Number.MAX_SAFE_INTEGER,
  created_at: 0,
};

/**
 * Blocks `from`..`to` of a fork named `name`, following `parent`, one second apart (block n at
 * n s); the payment's transaction to {@link DEPOSIT} in block `paidIn`.
 */
export function fork(name: string, parent: ScannedBlock | undefined, from: number, to: number, paidIn: number) {
  const blocks: ScannedBlock[] = [];
  let parentHash = parent?.hash ?? '0x';
  for (let n = from; n <= to; n++) {
    const hash = `0x${name}${n}`;
    const transfers = n === paidIn ? [{ hash: `0xtx${name}${n}`, to: DEPOSIT, value: 1_000n }] : [];
    blocks.push({ number: n, hash, parentHash, timeMs: n * 1_000, transfers });
    parentHash = hash;
  }
  return blocks;
}

/** A source over whatever `chain()` returns at each call; `onBlock` sees every block read. */
export function sourceOver(chain: () => ScannedBlock[], onBlock: (number: number) => void = () => undefined) {
  const source: BlockSource = {
    head: async () => chain().length - 1,
    async block(number) {
      onBlock(number);
      const block = chain()[number];
      if (block === undefined) throw new Error(`block ${number} not found`);
      return block;
    },
    hashAt: async (number) => chain()[number]?.hash,
    timeAt: async (number) => chain()[number]?.timeMs,
    tokenTransfers: async () => [],
  };
  return source;
}

export const topics = pipelineTopics(parseRetryTiers('1s'));

/** What a {@link recordingWriter} committed. */
export interface Committed {
  readonly events: PaymentEvent[];
  checkpoint: ScannerCheckpoint | undefined;
  commits: number;
}

/**
 * A writer that keeps what each transaction sends (JSON, see {@link jsonCodec});
 * `beforeCommit` runs before the n-th transaction's work (from 1).
 */
export function recordingWriter(beforeCommit: (n: number) => Promise<void> = async () => undefined) {
  const committed: Committed = { events: [], checkpoint: undefined, commits: 0 };
  const writer = {
    async run(work: (tx: unknown) => Promise<unknown>) {
      await beforeCommit(++committed.commits);
      const sent: { topic: string; messages: { value: Buffer }[] }[] = [];
      await work({ send: async (record: (typeof sent)[number]) => void sent.push(record) });
      for (const { topic, messages } of sent) {
        for (const { value } of messages) {
          const decoded = JSON.parse(value.toString());
          if (topic === topics.events) committed.events.push(decoded);
          else committed.checkpoint = decoded;
        }
      }
    },
  } as unknown as TransactionalWriter;
  return { writer, committed };
}

export const jsonCodec = {
  encode: async (_topic: string, _contract: string, value: unknown) => Buffer.from(JSON.stringify(value)),
} as unknown as ContractCodec;

export function chainConfig(overrides: Partial<ChainConfig> = {}): ChainConfig {
  return {
    chainId: 31337,
    rpcUrl: 'http://127.0.0.1:1',
    pollIntervalMs: 10,
    startBlock: 1,
    blocksPerStep: 10,
    fetchConcurrency: 3,
    rpcBatchSize: 2,
    tokens: [],
    maxBackoffMs: 10,
    rpcTimeoutMs: 1_000,
    stepTimeoutMs: 5_000,
    lateIntentSlackMs: 0,
    lateIntentMaxBlocks: 1_000,
    ...overrides,
  };
}

/** A scanner of chain 31337 over these parts, logging nothing. */
export function scannerOver(parts: {
  source: BlockSource;
  book: PaymentBook;
  writer: TransactionalWriter;
  chain?: Partial<ChainConfig>;
  codec?: ContractCodec;
  /** Where an earlier scanner left off: this one is a restart. */
  checkpoint?: ScannerCheckpoint;
}): ChainScanner {
  return createChainScanner({
    chain: chainConfig(parts.chain),
    source: parts.source,
    book: parts.book,
    writer: parts.writer,
    codec: parts.codec ?? jsonCodec,
    topics,
    logger: createLogger({ name: 'test', level: 'silent' }),
    metrics: createScannerMetrics(new Registry()),
    checkpoint: parts.checkpoint,
  });
}

/** The checkpoint of a scanner that committed these blocks, the last one last. */
export function checkpointAt(blocks: readonly ScannedBlock[]): ScannerCheckpoint {
  const last = blocks.at(-1) as ScannedBlock;
  return {
    chain_id: 31337,
    block_number: last.number,
    block_hash: last.hash,
    updated_at: 0,
    recent_blocks: blocks.slice(-64).map((b) => ({ number: b.number, hash: b.hash })),
  };
}

/** Waits (up to 2.5 s) until `done()` holds. */
export async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
}

/** `sequence:STATUS:tx hashes` of each event. */
export const summary = (events: readonly PaymentEvent[]) =>
  events.map((e) => `${e.sequence}:${e.status}:${e.tx_hashes.join(',')}`);
