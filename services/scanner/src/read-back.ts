import type { Logger } from '@payhook/runtime';
import { checkLinked, checkSameFork, InconsistentRead } from './block-checks.ts';
import type { BlockSource, ScannedBlock, TokenTransfer } from './block-source.ts';
import type { ChainConfig } from './config.ts';
import { applyTransfers } from './funding.ts';
import type { PaymentState } from './payment-state.ts';
import type { RecentBlocks } from './recent-blocks.ts';

/** What {@link readBack} needs from its scanner. */
export interface ReadBackDeps {
  readonly chain: Pick<ChainConfig, 'lateIntentSlackMs' | 'lateIntentMaxBlocks' | 'blocksPerStep'>;
  readonly source: BlockSource;
  readonly recent: RecentBlocks;
  /** Starts reading a range of blocks and its token logs. */
  readonly readRange: (from: number, to: number) => { blocks: Promise<ScannedBlock[]>; logs: Promise<TokenTransfer[]> };
  /** Says what is being read, for the log line of a stuck step. */
  readonly onPhase: (phase: string) => void;
  readonly log: Logger;
  /** Counts the blocks asked of the chain again. */
  readonly onBlocksRead: (count: number) => void;
}

/** The scanned block a read back ends at: the checkpoint. */
export interface ScannedEnd {
  readonly number: number;
  readonly hash: string;
}

/**
 * Funds, into `drafts`, payments whose intents joined after blocks from their creation on had
 * been scanned: the blocks from `lateIntentSlackMs` before the oldest creation up to `end`
 * are read again for their addresses alone. Recent blocks come from memory; older ones (after
 * a restart, or when the intents lag far behind) from the chain, at most
 * `lateIntentMaxBlocks` back, checked to lead to the blocks scanned.
 * @throws InconsistentRead when a reorg raced the reads (the step is tried again)
 */
export async function readBack(
  deps: ReadBackDeps,
  late: readonly PaymentState[],
  end: ScannedEnd,
  drafts: Map<string, PaymentState>,
): Promise<void> {
  const { chain, source, recent, log } = deps;
  if (late.length === 0) return;
  let oldest = Number.POSITIVE_INFINITY;
  for (const state of late) oldest = Math.min(oldest, state.intent.created_at);
  const since = oldest - chain.lateIntentSlackMs;
  const timeOf = async (number: number) => {
    const time = recent.at(number)?.timeMs ?? (await source.timeAt(number));
    if (time === undefined) throw new InconsistentRead(`block ${number} is gone`);
    return time;
  };
  const floor = Math.max(0, end.number - chain.lateIntentMaxBlocks + 1);
  deps.onPhase('finding the block late intents were created in');
  const from = await firstBlockSince(timeOf, since, end.number, floor);
  if (from === floor && floor > 0 && (await timeOf(floor - 1)) >= since) {
    log.warn(
      { payments: late.length, from, lateIntentMaxBlocks: chain.lateIntentMaxBlocks },
      'intents older than the blocks read again for them: transfers before that block are not seen',
    );
  }

  const byAddress = new Map(late.map((s) => [s.intent.deposit_address.toLowerCase(), s]));
  const paidAt = (address: string) => byAddress.get(address.toLowerCase());
  // Kept blocks serve only when they end at the checkpoint block (they always should).
  const newest = recent.newest;
  const kept = newest?.number === end.number && newest.hash === end.hash ? recent.oldest : undefined;
  const keptFrom = kept === undefined ? end.number + 1 : kept.number;
  // Blocks older than those kept in memory: from the chain, a step's worth at a time.
  let parent: string | undefined;
  let previousTime: number | undefined;
  for (let start = from; start < keptFrom; start += chain.blocksPerStep) {
    const stop = Math.min(start + chain.blocksPerStep - 1, keptFrom - 1);
    deps.onPhase(`reading blocks ${start}-${stop} again for late intents`);
    const range = deps.readRange(start, stop);
    const blocks = await range.blocks;
    const logs = await range.logs;
    if (parent !== undefined && blocks[0]?.parentHash !== parent)
      throw new InconsistentRead(`block ${start} does not follow block ${start - 1}`);
    checkLinked(blocks);
    checkSameFork(blocks, logs);
    applyTransfers(blocks, logs, paidAt, drafts, previousTime);
    parent = blocks.at(-1)?.hash;
    previousTime = blocks.at(-1)?.timeMs;
    deps.onBlocksRead(blocks.length);
  }
  if (parent !== undefined && parent !== (kept?.parentHash ?? end.hash))
    throw new InconsistentRead('the blocks read again do not lead to the scanned ones');
  if (kept === undefined) return;
  const cached = recent.from(from);
  applyTransfers(
    cached.map((c) => c.block),
    cached.flatMap((c) => c.logs),
    paidAt,
    drafts,
    previousTime ?? recent.at(from - 1)?.timeMs,
  );
}

/**
 * The first block at or after `timeMs` between `floor` and `end` (whose own time is at or after
 * it). Late intents are usually seconds late: it steps back 1, 2, 4… blocks, then halves the gap.
 */
export async function firstBlockSince(
  timeOf: (number: number) => Promise<number>,
  timeMs: number,
  end: number,
  floor: number,
): Promise<number> {
  // Block `hi` is at or after the time; block `lo` before it, or below the floor.
  let hi = end;
  let lo = floor - 1;
  for (let back = 1; hi - back >= floor; back *= 2) {
    const probe = hi - back;
    if ((await timeOf(probe)) < timeMs) {
      lo = probe;
      break;
    }
    hi = probe;
  }
  while (hi - lo > 1) {
    const middle = Math.floor((lo + hi) / 2);
    if ((await timeOf(middle)) < timeMs) lo = middle;
    else hi = middle;
  }
  return hi;
}
