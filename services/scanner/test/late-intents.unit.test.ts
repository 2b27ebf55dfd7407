import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PaymentIntent } from '@payhook/contracts';
import type { ScannedBlock } from '../src/block-source.ts';
import { PaymentBook } from '../src/payment-book.ts';
import { checkpointAt, fork, intent, recordingWriter, scannerOver, sourceOver, summary, until } from './fake-chain.ts';

/** Created at block 20's time (chains here have block n at n s); confirmed at 5 blocks. */
const late: PaymentIntent = { ...intent, created_at: 20_000, required_confirmations: 5 };

/**
 * Runs a scanner over `chain()` until its checkpoint is `doneAt` and it wrote `events` events.
 * With `restartAt`, it starts from that checkpoint with the intent known from the start (an
 * earlier scanner scanned those blocks without it); otherwise it scans from block 1 with an
 * empty book and the intent joins once block 30 is scanned. `joinAt` joins it instead once the
 * committed checkpoint's hash is that one. Blocks read from the chain after the intent joined
 * are in `reads`.
 */
async function scan(options: {
  chain: () => ScannedBlock[];
  intent: PaymentIntent;
  events: number;
  doneAt: string;
  restartAt?: ScannedBlock[];
  joinAt?: string;
  blocksPerStep?: number;
  /** Runs before the n-th transaction (from 1) once the intent joined. */
  beforeCommit?: (n: number, book: PaymentBook) => void;
  /** Sees each block read after the intent joined. */
  onRead?: (number: number) => void;
  /** Runs once the intent joined. */
  afterJoin?: () => void;
}) {
  const reads: number[] = [];
  let joined = options.restartAt !== undefined && options.joinAt === undefined;
  const source = sourceOver(options.chain, (number) => {
    if (!joined) return;
    reads.push(number);
    options.onRead?.(number);
  });
  const book = new PaymentBook(31337);
  const { writer, committed } = recordingWriter(async (n) => {
    if (joined) options.beforeCommit?.(n, book);
  });
  const scanner = scannerOver({
    source,
    book,
    writer,
    chain: { lateIntentSlackMs: 2_000, blocksPerStep: options.blocksPerStep ?? 10 },
    ...(options.restartAt && { checkpoint: checkpointAt(options.restartAt) }),
  });
  if (joined) book.track(options.intent);
  const running = scanner.run();
  try {
    if (!joined) {
      const joinAt = options.joinAt ?? '0xa30';
      await until(() => committed.checkpoint?.block_hash === joinAt);
      assert.equal(committed.checkpoint?.block_hash, joinAt, 'scanned before the intent joined');
      joined = true;
      book.track(options.intent);
      options.afterJoin?.();
    }
    await until(() => committed.events.length >= options.events && committed.checkpoint?.block_hash === options.doneAt);
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    await scanner.stop();
    await running;
  }
  assert.equal(committed.checkpoint?.block_hash, options.doneAt);
  return { events: summary(committed.events), reads: [...new Set(reads)].sort((a, b) => a - b) };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('chain scanner: intents that join after blocks from their creation on were scanned', () => {
  it('a payment in an already scanned block is found from the blocks kept in memory', async () => {
    const chain = fork('a', undefined, 0, 30, 22);
    const result = await scan({ chain: () => chain, intent: late, events: 2, doneAt: '0xa30' });
    assert.deepEqual(result.events, ['1:DETECTED:0xtxa22', '2:CONFIRMED:0xtxa22']);
    assert.deepEqual(result.reads, [], 'no block asked of the chain again');
  });

  it('after a restart, the blocks since 2 s before the intent’s creation are read again from the chain', async () => {
    const chain = fork('a', undefined, 0, 30, 22);
    const result = await scan({ chain: () => chain, intent: late, events: 2, doneAt: '0xa30', restartAt: chain });
    assert.deepEqual(result.events, ['1:DETECTED:0xtxa22', '2:CONFIRMED:0xtxa22']);
    assert.deepEqual(result.reads, range(18, 30));
  });

  it('an intent created after the last scanned block is watched from there, without reading back', async () => {
    let chain = fork('a', undefined, 0, 30, -1);
    const fresh = { ...late, created_at: 33_000 };
    const result = await scan({
      chain: () => chain,
      intent: fresh,
      events: 2,
      doneAt: '0xa40',
      afterJoin: () => {
        chain = [...chain, ...fork('a', chain[30], 31, 40, 35)];
      },
    });
    assert.deepEqual(result.events, ['1:DETECTED:0xtxa35', '2:CONFIRMED:0xtxa35']);
    assert.ok(
      result.reads.every((n) => n > 30),
      `no block read again: ${result.reads}`,
    );
  });

  it('after a restart, blocks older than those kept since are read from the chain, the rest from memory', async () => {
    const chain = fork('a', undefined, 0, 40, 22);
    const result = await scan({
      chain: () => chain,
      intent: late,
      events: 2,
      doneAt: '0xa40',
      restartAt: chain.slice(0, 31),
      joinAt: '0xa40',
    });
    assert.deepEqual(result.events, ['1:DETECTED:0xtxa22', '2:CONFIRMED:0xtxa22']);
    assert.deepEqual(result.reads, range(18, 30), 'blocks 31-40 were scanned since the restart');
  });

  it('expiry as block by block: paid in the first block after it counts, paid in a later one does not', async () => {
    const chain = fork('a', undefined, 0, 30, 22);
    // Block 21 (21 s) is not after 21.5 s: at block 22 the payment is still open.
    const justInTime = await scan({
      chain: () => chain,
      intent: { ...late, expires_at: 21_500 },
      events: 2,
      doneAt: '0xa30',
    });
    assert.deepEqual(justInTime.events, ['1:DETECTED:0xtxa22', '2:CONFIRMED:0xtxa22']);
    // Block 21 is after 20.5 s: the payment expired there, before block 22 paid it.
    const tooLate = await scan({
      chain: () => chain,
      intent: { ...late, expires_at: 20_500 },
      events: 1,
      doneAt: '0xa30',
    });
    assert.deepEqual(tooLate.events, ['1:EXPIRED:']);
  });

  it('a reorg deeper than the checkpoint’s window: blocks kept from the old fork are not used', async () => {
    const forkA = fork('a', undefined, 0, 300, 150);
    let chain = forkA;
    const result = await scan({
      chain: () => chain,
      intent: { ...late, created_at: 140_000 },
      events: 0,
      doneAt: '0xb310',
      blocksPerStep: 50,
      joinAt: '0xa300',
      afterJoin: () => {
        chain = [...forkA.slice(0, 100), ...fork('b', forkA[99], 100, 310, -1)];
      },
    });
    assert.deepEqual(result.events, [], 'nothing paid on the new fork');
  });

  it('the same intent delivered again while it joins is tracked once', async () => {
    const chain = fork('a', undefined, 0, 30, 22);
    const result = await scan({
      chain: () => chain,
      intent: late,
      events: 2,
      doneAt: '0xa30',
      beforeCommit: (_n, book) => book.track(late),
    });
    assert.deepEqual(result.events, ['1:DETECTED:0xtxa22', '2:CONFIRMED:0xtxa22']);
  });

  /**
   * After a restart at block 30 of fork a, blocks from 25 on are replaced by fork b (to block
   * 33) once block 21 was read again (blocks from 18 on are read again, three at a time).
   */
  async function restartThroughReorg(paidInA: number, paidInB: number) {
    const forkA = fork('a', undefined, 0, 30, paidInA);
    let chain = forkA;
    let reorged = false;
    const result = await scan({
      chain: () => chain,
      onRead: (number) => {
        if (reorged || number !== 21) return;
        reorged = true;
        chain = [...forkA.slice(0, 25), ...fork('b', forkA[24], 25, 33, paidInB)];
      },
      intent: late,
      events: 2,
      doneAt: '0xb33',
      restartAt: forkA,
      blocksPerStep: 3,
    });
    assert.ok(reorged, 'the reorg happened during the read');
    return result.events;
  }

  it('a reorg during the read: a payment below the fork is found by reading again', async () => {
    assert.deepEqual(await restartThroughReorg(22, -1), ['1:DETECTED:0xtxa22', '2:CONFIRMED:0xtxa22']);
  });

  it('a reorg during the read: funding from the replaced blocks is never counted', async () => {
    assert.deepEqual(await restartThroughReorg(26, 27), ['1:DETECTED:0xtxb27', '2:CONFIRMED:0xtxb27']);
  });
});
