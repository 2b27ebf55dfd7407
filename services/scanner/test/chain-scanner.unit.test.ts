import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PaymentEvent } from '@payhook/contracts';
import type { TransactionalWriter } from '@payhook/kafka';
import type { ScannedBlock } from '../src/block-source.ts';
import { StepTimeoutError } from '../src/chain-scanner.ts';
import { PaymentBook } from '../src/payment-book.ts';
import { fork, intent, recordingWriter, scannerOver, sourceOver, summary, until } from './fake-chain.ts';

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
  const source = sourceOver(
    () => chain,
    (number) => number === 20 && readAhead(),
  );
  const { writer, committed } = recordingWriter(async (n) => {
    if (n !== 1) return;
    await aheadRead;
    const common = chain[4] as ScannedBlock;
    chain = [...chain.slice(0, 5), ...fork('b', common, 5, forkLength - 1, forkPaidIn)];
  });
  const book = new PaymentBook(31337);
  book.track(intent);
  const scanner = scannerOver({ source, book, writer });
  const running = scanner.run();
  const head = () => chain.at(-1) as ScannedBlock;
  await until(() => committed.checkpoint?.block_hash === head().hash);
  await scanner.stop();
  await running;
  assert.equal(committed.checkpoint?.block_hash, head().hash, 'the scan ends at the new fork’s head');
  return committed.events;
}

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
    const writer = { run: () => new Promise(() => undefined) } as unknown as TransactionalWriter;
    const book = new PaymentBook(31337);
    book.track(intent);
    const scanner = scannerOver({
      source: sourceOver(() => blocks),
      book,
      writer,
      chain: { fetchConcurrency: 2, rpcTimeoutMs: 50, stepTimeoutMs: 200 },
    });
    await assert.rejects(scanner.run(), StepTimeoutError);
    await scanner.stop();
  });
});
