import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
import { createChainScanner, StepTimeoutError } from '../src/chain-scanner.ts';
import type { ChainConfig } from '../src/config.ts';
import { createScannerMetrics } from '../src/metrics.ts';
import { PaymentBook } from '../src/payment-book.ts';

const DEPOSIT = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const intent: PaymentIntent = {
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

/** Blocks `from`..`to` of a fork, following `parent`; the payment's transaction in block `paidIn`. */
function fork(name: string, parent: ScannedBlock | undefined, from: number, to: number, paidIn: number) {
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

/**
 * Scans a chain of 31 blocks (payment in block 15) ten blocks a step. While the first step
 * commits, and once the next range was read ahead, blocks from 5 on are replaced by a fork of
 * `forkLength` blocks that pays in block `forkPaidIn`. Returns the payment's events.
 */
async function scanThroughReorg(forkLength: number, forkPaidIn: number): Promise<PaymentEvent[]> {
  let chain = fork('a', undefined, 0, 30, 15);
  let readAhead: () => void = () => undefined;
  const aheadRead = new Promise<void>((resolve) => {
    readAhead = resolve;
  });
  const source: BlockSource = {
    head: async () => chain.length - 1,
    async block(number) {
      const block = chain[number];
      if (block === undefined) throw new Error(`block ${number} not found`);
      if (number === 20) readAhead();
      return block;
    },
    hashAt: async (number) => chain[number]?.hash,
    tokenTransfers: async () => [],
  };
  const events: PaymentEvent[] = [];
  let checkpoint: ScannerCheckpoint | undefined;
  let commits = 0;
  const writer = {
    async run(work: (tx: unknown) => Promise<unknown>) {
      if (++commits === 1) {
        await aheadRead;
        const common = chain[4] as ScannedBlock;
        chain = [...chain.slice(0, 5), ...fork('b', common, 5, forkLength - 1, forkPaidIn)];
      }
      const sent: { topic: string; messages: { value: Buffer }[] }[] = [];
      await work({ send: async (record: (typeof sent)[number]) => void sent.push(record) });
      for (const { topic, messages } of sent) {
        for (const { value } of messages) {
          const decoded = JSON.parse(value.toString());
          if (topic === topics.events) events.push(decoded);
          else checkpoint = decoded;
        }
      }
    },
  } as unknown as TransactionalWriter;
  const codec = {
    encode: async (_topic: string, _contract: string, value: unknown) => Buffer.from(JSON.stringify(value)),
  } as unknown as ContractCodec;
  const topics = pipelineTopics(parseRetryTiers('1s'));
  const book = new PaymentBook(31337);
  book.track(intent);
  const chainConfig: ChainConfig = {
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
  };
  const scanner = createChainScanner({
    chain: chainConfig,
    source,
    book,
    writer,
    codec,
    topics,
    logger: createLogger({ name: 'test', level: 'silent' }),
    metrics: createScannerMetrics(new Registry()),
    checkpoint: undefined,
  });
  const running = scanner.run();
  const head = () => chain.at(-1) as ScannedBlock;
  for (let i = 0; i < 500 && checkpoint?.block_hash !== head().hash; i++) await new Promise((r) => setTimeout(r, 5));
  await scanner.stop();
  await running;
  assert.equal(checkpoint?.block_hash, head().hash, 'the scan ends at the new fork’s head');
  return events;
}

const summary = (events: PaymentEvent[]) => events.map((e) => `${e.sequence}:${e.status}:${e.tx_hashes.join(',')}`);

describe('chain scanner reading ahead', () => {
  it('a reorg after the next range was read ahead: the stale range is caught and rolled back', async () => {
    const events = await scanThroughReorg(31, 17);
    assert.deepEqual(summary(events), [
      '1:DETECTED:0xtxa15',
      '2:REORGED:',
      '3:DETECTED:0xtxb17',
      '4:CONFIRMED:0xtxb17',
    ]);
  });

  it('a chain that got shorter than the range read ahead: the range is read again', async () => {
    const events = await scanThroughReorg(18, 7);
    assert.deepEqual(summary(events), ['1:DETECTED:0xtxb7', '2:CONFIRMED:0xtxb7']);
  });
});

describe('chain scanner watchdog', () => {
  it('a step that never settles (a transaction that hangs) stops the scanner with an error', async () => {
    const blocks = fork('a', undefined, 0, 5, 3);
    const source: BlockSource = {
      head: async () => blocks.length - 1,
      block: async (number) => blocks[number] as ScannedBlock,
      hashAt: async (number) => blocks[number]?.hash,
      tokenTransfers: async () => [],
    };
    const writer = { run: () => new Promise(() => undefined) } as unknown as TransactionalWriter;
    const codec = { encode: async () => Buffer.from('{}') } as unknown as ContractCodec;
    const book = new PaymentBook(31337);
    book.track(intent);
    const scanner = createChainScanner({
      chain: {
        chainId: 31337,
        rpcUrl: 'http://127.0.0.1:1',
        pollIntervalMs: 10,
        startBlock: 1,
        blocksPerStep: 10,
        fetchConcurrency: 2,
        rpcBatchSize: 2,
        tokens: [],
        maxBackoffMs: 10,
        rpcTimeoutMs: 50,
        stepTimeoutMs: 200,
      },
      source,
      book,
      writer,
      codec,
      topics: pipelineTopics(parseRetryTiers('1s')),
      logger: createLogger({ name: 'test', level: 'silent' }),
      metrics: createScannerMetrics(new Registry()),
      checkpoint: undefined,
    });
    await assert.rejects(scanner.run(), StepTimeoutError);
    await scanner.stop();
  });
});
