import { setTimeout as sleep } from 'node:timers/promises';
import type { BlockRef, ContractCodec, PaymentEvent, PipelineTopics, ScannerCheckpoint } from '@payhook/contracts';
import {
  isFencedError,
  sendSizedChunks,
  type TransactionalWriter,
  TransactionError,
  TransactionErrorCode,
} from '@payhook/kafka';
import type { Logger } from '@payhook/runtime';
import { checkLinked, checkSameFork, InconsistentRead } from './block-checks.ts';
import type { BlockSource, ScannedBlock, TokenTransfer } from './block-source.ts';
import type { ChainConfig } from './config.ts';
import { applyTransfers } from './funding.ts';
import type { ScannerMetrics } from './metrics.ts';
import { draftOf, type PaymentBook } from './payment-book.ts';
import { evaluate, mayChange, type PaymentState, type Tip, undoAbove } from './payment-state.ts';
import { readBack } from './read-back.ts';
import { RecentBlocks } from './recent-blocks.ts';
import { transactionAbortHook } from './test-hooks.ts';

/** Block hashes kept in the checkpoint to find the common ancestor after a reorg. */
const RECENT_BLOCKS = 64;
/** Scanned blocks kept in memory, with their logs, for intents that join late. */
const KEPT_BLOCKS = 256;
/** Undefined unless a test sets SCANNER_TEST_ABORT_FILE (see test-hooks.ts). */
const abortHook = transactionAbortHook();

/** A step that went `stepTimeoutMs` without moving on to its next read or write: something below it hangs. */
export class StepTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`a scan step made no progress for ${timeoutMs} ms`);
    this.name = 'StepTimeoutError';
  }
}

/**
 * `work`, or a {@link StepTimeoutError} once `timeoutMs` passed without it settling or
 * calling the progress function it is given (which restarts the wait).
 */
async function withinDeadline<T>(work: (progress: () => void) => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeoutError(timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([work(() => timer?.refresh()), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A range of blocks and its token logs, being read. */
interface RangeRead {
  readonly from: number;
  readonly to: number;
  readonly blocks: Promise<ScannedBlock[]>;
  readonly logs: Promise<TokenTransfer[]>;
}

/** Everything one chain's scan loop needs. */
export interface ChainScannerDeps {
  readonly chain: ChainConfig;
  readonly source: BlockSource;
  readonly book: PaymentBook;
  /** Transactional writer whose id is this chain's: a second scanner fences the first. */
  readonly writer: TransactionalWriter;
  readonly codec: ContractCodec;
  readonly topics: PipelineTopics;
  readonly logger: Logger;
  readonly metrics: ScannerMetrics;
  /** Where the last committed step left off; undefined on the very first run. */
  readonly checkpoint: ScannerCheckpoint | undefined;
}

/** One chain's scan loop. */
export interface ChainScanner {
  /**
   * Runs until `stop()`; rejects when this scanner was fenced by a newer one, when a commit
   * failed without telling whether it went through, or when a step got stuck (a restart reads
   * the checkpoint back).
   */
  run(): Promise<void>;
  stop(): Promise<void>;
  /** The RPC answered on the last try and the loop is not in backoff. */
  readonly healthy: boolean;
  readonly lastBlock: number;
}

export function createChainScanner(deps: ChainScannerDeps): ChainScanner {
  const { chain, source, book, writer, codec, topics, logger, metrics } = deps;
  const label = { chain: String(chain.chainId) };
  const log = logger.child({ chainId: chain.chainId });
  /** The last committed block; `timeMs` is read from the chain when it is not known. */
  let checkpoint: { number: number; hash: string | undefined; timeMs?: number; recent: BlockRef[] } = deps.checkpoint
    ? {
        number: deps.checkpoint.block_number,
        hash: deps.checkpoint.block_hash,
        recent: [...deps.checkpoint.recent_blocks],
      }
    : { number: -1, hash: undefined, recent: [] };
  let stopped = false;
  let healthy = false;
  let running: Promise<void> | undefined;
  const abort = new AbortController();
  /**
   * The next range, read while the current step is applied and committed. It is checked like
   * any read when its step takes it: it must follow the committed checkpoint block by block.
   */
  let ahead: RangeRead | undefined;
  /** What the current step is doing, for the log line of a stuck step. */
  let phase = 'starting';
  /** Restarts the step's watchdog. */
  let progressed = () => {};
  /** Moves the step on to its next read or write: named for the log of a stuck step. */
  const enter = (next: string) => {
    phase = next;
    progressed();
  };
  /** Payments taken from the book's joining ones, admitted by the next step that commits. */
  let joining: PaymentState[] = [];
  const recentBlocks = new RecentBlocks(KEPT_BLOCKS);

  async function commit(events: PaymentEvent[], next: typeof checkpoint, drafts: PaymentState[]): Promise<void> {
    const eventMessages = await Promise.all(
      events.map(async (e) => ({ key: e.payment_id, value: await codec.encode(topics.events, 'PAYMENT_EVENT', e) })),
    );
    const value: ScannerCheckpoint = {
      chain_id: chain.chainId,
      block_number: next.number,
      block_hash: next.hash ?? '',
      updated_at: Date.now(),
      recent_blocks: next.recent,
    };
    const checkpointMessage = {
      key: String(chain.chainId),
      value: await codec.encode(topics.checkpoints, 'SCANNER_CHECKPOINT', value),
    };
    // Events and checkpoint in one transaction: after a crash either both are there or neither.
    // A failed one throws a TransactionError; the in-memory state moves on only after a commit.
    await writer.run(async (tx) => {
      // In sends below the broker's 1 MiB per partition: a step may carry many events (a wave of
      // expiries, say), and a refused send would fail the same step for ever.
      for (const messages of sendSizedChunks(eventMessages)) await tx.send({ topic: topics.events, messages });
      await tx.send({ topic: topics.checkpoints, messages: [checkpointMessage] });
      await abortHook?.(events);
    });
    checkpoint = next;
    book.commit(drafts);
    for (const e of events) metrics.events.inc({ ...label, status: e.status });
    metrics.lastBlock.set(label, next.number);
    metrics.watched.set(label, book.active().length);
  }

  /** Blocks `from`..`to` in order, with up to `fetchConcurrency` requests in flight at any time. */
  async function fetchBlocks(from: number, to: number): Promise<ScannedBlock[]> {
    const blocks: ScannedBlock[] = new Array(to - from + 1);
    let next = from;
    let failed = false;
    // Each lane asks for the next block as soon as its last one arrived: the node is never left
    // idle waiting for the slowest block of a group. The transport batches what is asked at once.
    const lane = async () => {
      while (!failed && next <= to) {
        const number = next++;
        try {
          blocks[number - from] = await source.block(number);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(chain.fetchConcurrency, to - from + 1) }, lane));
    return blocks;
  }

  /** Starts reading a range; a read that is never taken fails silently. */
  function startRead(from: number, to: number): RangeRead {
    const read = { from, to, blocks: fetchBlocks(from, to), logs: source.tokenTransfers(chain.tokens, from, to) };
    read.blocks.catch(() => undefined);
    read.logs.catch(() => undefined);
    return read;
  }

  /** The read started ahead for the range beginning at `from`, if it is still good for it. */
  function takeAhead(from: number, head: number): RangeRead | undefined {
    const read = ahead;
    ahead = undefined;
    // A head below the read's end means the chain got shorter (a reorg): read again.
    return read !== undefined && read.from === from && read.to <= head ? read : undefined;
  }

  async function handleReorg(): Promise<void> {
    let ancestor: BlockRef | undefined;
    for (const ref of [...checkpoint.recent].reverse()) {
      if ((await source.hashAt(ref.number)) === ref.hash) {
        ancestor = ref;
        break;
      }
    }
    const oldest = checkpoint.recent[0];
    if (ancestor === undefined) {
      log.error({ window: checkpoint.recent.length }, 'reorg deeper than the block window; rescanning from its start');
      metrics.deepReorgs.inc(label);
    }
    const ancestorNumber = ancestor?.number ?? Math.max(-1, (oldest?.number ?? 0) - 1);
    const ancestorBlock = ancestorNumber >= 0 ? await source.block(ancestorNumber) : undefined;
    const tip: Tip = { number: ancestorNumber, hash: ancestorBlock?.hash ?? '', timeMs: ancestorBlock?.timeMs ?? 0 };
    const depth = checkpoint.number - ancestorNumber;
    const events: PaymentEvent[] = [];
    const drafts: PaymentState[] = [];
    for (const state of [...book.active(), ...book.finalWithFundingAbove(ancestorNumber)]) {
      const draft = draftOf(state);
      const { event, lostFinal } = undoAbove(draft, ancestorNumber, tip);
      if (lostFinal) {
        metrics.deepReorgs.inc(label);
        log.error({ paymentId: state.intent.payment_id, depth }, 'reorg orphaned the funding of a final payment');
      }
      if (event !== undefined) {
        events.push(event);
        drafts.push(draft);
      }
    }
    const recent = checkpoint.recent.filter((r) => r.number <= ancestorNumber);
    await commit(
      events,
      { number: ancestorNumber, hash: ancestorBlock?.hash, timeMs: ancestorBlock?.timeMs, recent },
      drafts,
    );
    // Kept blocks are good only when the ancestor is one of them (a reorg deeper than the
    // window rolls back to a block the new fork may have replaced too).
    if (ancestorBlock !== undefined && recentBlocks.at(ancestorNumber)?.hash === ancestorBlock.hash)
      recentBlocks.dropAbove(ancestorNumber);
    else recentBlocks.clear();
    metrics.reorgs.inc(label);
    metrics.reorgDepth.observe(label, depth);
    log.warn({ depth, ancestor: ancestorNumber, reorged: events.length }, 'reorg: rolled back to the common ancestor');
  }

  /** The checkpoint block's time, when known without asking the chain. */
  const knownCheckpointTime = () => recentBlocks.at(checkpoint.number)?.timeMs ?? checkpoint.timeMs;

  /** The checkpoint block's time: from memory, or from the chain after a restart. */
  async function checkpointTime(): Promise<number> {
    checkpoint.timeMs = knownCheckpointTime() ?? (await source.timeAt(checkpoint.number));
    if (checkpoint.timeMs === undefined) throw new InconsistentRead(`block ${checkpoint.number} is gone`);
    return checkpoint.timeMs;
  }

  const readBackDeps = {
    chain,
    source,
    recent: recentBlocks,
    readRange: startRead,
    onPhase: enter,
    log,
    onBlocksRead: (count: number) => metrics.blocksReread.inc(label, count),
  };

  /**
   * Funds the joining payments from the blocks scanned before they joined, for those that may
   * have been paid in them: created no later than `lateIntentSlackMs` after the checkpoint block.
   * Returns how many were paid there.
   */
  async function fundJoining(drafts: Map<string, PaymentState>): Promise<number> {
    if (joining.length === 0 || checkpoint.hash === undefined) return 0;
    const scannedUntil = await checkpointTime();
    const late = joining.filter((s) => s.intent.created_at - chain.lateIntentSlackMs <= scannedUntil);
    await readBack(readBackDeps, late, { number: checkpoint.number, hash: checkpoint.hash }, drafts);
    return late.filter((s) => (drafts.get(s.intent.payment_id)?.funding.length ?? 0) > 0).length;
  }

  /**
   * One step: read the next blocks, fund the joining payments from the blocks scanned before
   * (see {@link readBack}), apply the new blocks' transfers, evaluate, commit (admitting the
   * joining payments).
   */
  async function step(): Promise<'caught-up' | 'progress'> {
    enter('reading the head');
    const head = await source.head();
    metrics.head.set(label, head);
    if (checkpoint.number < 0) checkpoint = { ...checkpoint, number: (chain.startBlock ?? head) - 1 };
    metrics.blocksBehind.set(label, Math.max(0, head - checkpoint.number));
    for (const state of book.takeJoining()) joining.push(state);
    const from = checkpoint.number + 1;
    const started = performance.now();
    let blocks: ScannedBlock[] = [];
    let logs: TokenTransfer[] = [];
    let to = checkpoint.number;
    if (from > head) {
      ahead = undefined;
      // No new block, but the tip may have been replaced at the same height.
      if (checkpoint.hash !== undefined && (await source.hashAt(checkpoint.number)) !== checkpoint.hash) {
        await handleReorg();
        return 'progress';
      }
      // Nothing to scan; joining payments are admitted at the checkpoint block once there is one.
      if (joining.length === 0 || checkpoint.hash === undefined) return 'caught-up';
    } else {
      const read = takeAhead(from, head) ?? startRead(from, Math.min(head, from + chain.blocksPerStep - 1));
      to = read.to;
      log.debug({ from, to, head }, 'scan step');
      enter(`reading blocks ${read.from}-${read.to}`);
      blocks = await read.blocks;
      if (checkpoint.hash !== undefined && blocks[0]?.parentHash !== checkpoint.hash) {
        await handleReorg();
        return 'progress';
      }
      checkLinked(blocks);
      enter(`reading token logs ${read.from}-${read.to}`);
      logs = await read.logs;
      checkSameFork(blocks, logs);
      // Catching up: read the next range while this one is applied and committed.
      if (to < head) ahead = startRead(to + 1, Math.min(head, to + chain.blocksPerStep));
    }

    const drafts = new Map<string, PaymentState>();
    const foundLate = await fundJoining(drafts);
    const joined = new Map(joining.map((s) => [s.intent.deposit_address.toLowerCase(), s]));
    const paidAt =
      joined.size === 0
        ? (address: string) => book.atAddress(address)
        : (address: string) => book.atAddress(address) ?? joined.get(address.toLowerCase());
    applyTransfers(blocks, logs, paidAt, drafts, knownCheckpointTime());
    const last = blocks.at(-1);
    const tip: Tip =
      last === undefined
        ? { number: checkpoint.number, hash: checkpoint.hash ?? '', timeMs: await checkpointTime() }
        : { number: last.number, hash: last.hash, timeMs: last.timeMs };
    const events: PaymentEvent[] = [];
    for (const state of book.active()) {
      const funded = drafts.get(state.intent.payment_id);
      // Most payments cannot change at this tip: no copy, no evaluation.
      if (funded === undefined && !mayChange(state, tip)) continue;
      const draft = funded ?? draftOf(state);
      const changes = evaluate(draft, tip);
      if (changes.length > 0 || funded !== undefined) drafts.set(state.intent.payment_id, draft);
      events.push(...changes);
    }
    for (const state of joining) {
      const draft = drafts.get(state.intent.payment_id) ?? draftOf(state);
      events.push(...evaluate(draft, tip));
      drafts.set(state.intent.payment_id, draft);
    }
    const next =
      last === undefined
        ? checkpoint
        : {
            number: last.number,
            hash: last.hash,
            timeMs: last.timeMs,
            recent: [...checkpoint.recent, ...blocks.map((b) => ({ number: b.number, hash: b.hash }))].slice(
              -RECENT_BLOCKS,
            ),
          };
    enter(`committing blocks ${from}-${next.number}`);
    await commit(events, next, [...drafts.values()]);
    joining = [];
    recentBlocks.add(blocks, logs);
    if (foundLate > 0) {
      metrics.latePayments.inc(label, foundLate);
      log.info({ payments: foundLate }, 'payments found in blocks scanned before their intents arrived');
    }
    metrics.stepDuration.observe(label, (performance.now() - started) / 1000);
    metrics.blocksBehind.set(label, Math.max(0, head - next.number));
    if (events.length > 0) log.info({ block: next.number, events: events.length }, 'payment state changes written');
    return to < head ? 'progress' : 'caught-up';
  }

  return {
    get healthy() {
      return healthy;
    },
    get lastBlock() {
      return checkpoint.number;
    },
    run() {
      running ??= (async () => {
        let backoffMs = chain.pollIntervalMs;
        while (!stopped) {
          try {
            const result = await withinDeadline((progress) => {
              progressed = progress;
              return step();
            }, chain.stepTimeoutMs);
            healthy = true;
            backoffMs = chain.pollIntervalMs;
            if (result === 'caught-up')
              await sleep(chain.pollIntervalMs, undefined, { signal: abort.signal }).catch(() => undefined);
          } catch (error) {
            if (isFencedError(error)) {
              log.error('fenced: another scanner for this chain took over; stopping');
              throw error;
            }
            if (error instanceof TransactionError && error.code === TransactionErrorCode.OUTCOME_UNKNOWN) {
              // Going on from memory could write this step twice; a restart reads the checkpoint.
              log.error({ err: error }, 'a commit failed and may have gone through; stopping');
              throw error;
            }
            if (error instanceof StepTimeoutError) {
              // Going on beside a step that may still complete could write it twice.
              log.error(
                { err: error, phase },
                'a scan step is stuck; stopping so that a restart resumes from the checkpoint',
              );
              throw error;
            }
            if (error instanceof InconsistentRead) {
              log.debug({ reason: error.message }, 'chain moved during the step; retrying');
              await sleep(chain.pollIntervalMs, undefined, { signal: abort.signal }).catch(() => undefined);
              continue;
            }
            healthy = false;
            const fromKafka =
              error instanceof TransactionError || (error instanceof Error && error.name.startsWith('KafkaJS'));
            if (!fromKafka) metrics.rpcErrors.inc(label);
            log.warn({ err: error, retryInMs: backoffMs }, 'scan step failed; backing off');
            await sleep(backoffMs, undefined, { signal: abort.signal }).catch(() => undefined);
            backoffMs = Math.min(backoffMs * 2, chain.maxBackoffMs);
          }
        }
      })();
      return running;
    },
    async stop() {
      stopped = true;
      abort.abort();
      await running?.catch(() => undefined);
    },
  };
}
