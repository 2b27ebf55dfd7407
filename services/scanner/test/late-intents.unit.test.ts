import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScannedBlock } from '../src/block-source.ts';
import { PaymentBook } from '../src/payment-book.ts';
import { fork, intent, recordingWriter, scannerOver, sourceOver, summary, until } from './fake-chain.ts';

/**
 * A scanner over `chain()` with an empty book, run until it has scanned block 30; the test
 * then lets an intent join. Blocks read after that are in `reads`.
 */
async function caughtUpScanner(chain: () => ScannedBlock[], options: { slackMs: number; blocksPerStep: number }) {
  const reads: number[] = [];
  let scanned = false;
  const source = sourceOver(chain, (number) => scanned && reads.push(number));
  const { writer, committed } = recordingWriter();
  const book = new PaymentBook(31337);
  const scanner = scannerOver({
    source,
    book,
    writer,
    chain: { lateIntentSlackMs: options.slackMs, blocksPerStep: options.blocksPerStep },
  });
  const running = scanner.run();
  await until(() => committed.checkpoint?.block_number === 30);
  assert.equal(committed.checkpoint?.block_number, 30);
  scanned = true;
  return {
    book,
    reads,
    committed,
    async stop() {
      await scanner.stop();
      await running;
    },
  };
}

describe('chain scanner: intents that arrive after blocks were scanned', () => {
  it('a payment in a block scanned before its intent arrived is found by reading back to the intent’s creation', async () => {
    const chain = fork('a', undefined, 0, 30, 22);
    const scan = await caughtUpScanner(() => chain, { slackMs: 2_000, blocksPerStep: 10 });
    // Created at block 20's time, paid in block 22, expired at block 25: known only at block 30.
    scan.book.track({ ...intent, created_at: 20_000, expires_at: 25_000, required_confirmations: 5 });
    await until(() => scan.committed.events.length >= 2);
    await scan.stop();
    assert.deepEqual(summary(scan.committed.events), ['1:DETECTED:0xtxa22', '2:CONFIRMED:0xtxa22']);
    const reread = [...new Set(scan.reads)].sort((a, b) => a - b);
    assert.deepEqual(reread, [18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30], 'from 2 s before its creation');
    assert.equal(scan.committed.checkpoint?.block_hash, '0xa30', 'the checkpoint stays where it was');
  });

  it('an intent created after the last scanned block is watched from there, without reading back', async () => {
    let chain = fork('a', undefined, 0, 30, -1);
    const scan = await caughtUpScanner(() => chain, { slackMs: 2_000, blocksPerStep: 10 });
    scan.book.track({ ...intent, created_at: 33_000, required_confirmations: 5 });
    chain = [...chain, ...fork('a', chain[30], 31, 40, 35)];
    await until(() => scan.committed.events.length >= 2);
    await scan.stop();
    assert.deepEqual(summary(scan.committed.events), ['1:DETECTED:0xtxa35', '2:CONFIRMED:0xtxa35']);
    assert.ok(
      scan.reads.every((n) => n > 30),
      `no block read again: ${scan.reads.filter((n) => n <= 30)}`,
    );
  });

  it('a reorg below the checkpoint while reading back: the read is given up and done again on the new fork', async () => {
    const forkA = fork('a', undefined, 0, 30, 26);
    let chain = forkA;
    let armed = false;
    const scan = await caughtUpScanner(
      () => {
        // The reorg lands while the first blocks are read back: blocks 25 on are replaced.
        if (armed && scan.reads.includes(21)) {
          armed = false;
          chain = [...forkA.slice(0, 25), ...fork('b', forkA[24], 25, 33, 27)];
        }
        return chain;
      },
      { slackMs: 0, blocksPerStep: 3 },
    );
    armed = true;
    scan.book.track({ ...intent, created_at: 20_000, required_confirmations: 5 });
    await until(() => scan.committed.events.length >= 2 && scan.committed.checkpoint?.block_hash === '0xb33');
    await scan.stop();
    assert.equal(chain.at(-1)?.hash, '0xb33', 'the reorg happened');
    assert.deepEqual(summary(scan.committed.events), ['1:DETECTED:0xtxb27', '2:CONFIRMED:0xtxb27']);
    assert.equal(scan.committed.checkpoint?.block_hash, '0xb33');
  });
});
