import { setTimeout as sleep } from 'node:timers/promises';
import type { BlockRef, ContractCodec, PaymentEvent, PipelineTopics, ScannerCheckpoint } from '@payhook/contracts';
import { isFencedError, type TransactionalWriter, TransactionError, TransactionErrorCode } from '@payhook/kafka';
import type { Logger } from '@payhook/runtime';
import type { BlockSource, ScannedBlock, TokenTransfer } from './block-source.ts';
import type { ChainConfig } from './config.ts';
import type { ScannerMetrics } from './metrics.ts';
import { draftOf, type PaymentBook } from './payment-book.ts';
import { addFunding, evaluate, mayChange, type PaymentState, type Tip, undoAbove } from './payment-state.ts';

/** Block hashes kept in the checkpoint to find the common ancestor after a reorg. */
const RECENT_BLOCKS = 64;

/** Raised when what the chain returned is not consistent within one step (a reorg raced the reads). */
class InconsistentRead extends Error {}

/** A step that did not settle within `stepTimeoutMs`: something below it hangs. */
export class StepTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`a scan step did not finish within ${timeoutMs} ms`);
    this.name = 'StepTimeoutError';
  }
}

/** `work`, or a {@link StepTimeoutError} once `timeoutMs` passed without it settling. */
async function withinDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeoutError(timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
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

/**
 * Payments whose intents arrived after the scanner had scanned blocks from their creation on:
 * those blocks are read again for their deposit addresses, a chunk per step, up to the
 * checkpoint block, and their events are written with it. Scanning waits meanwhile, so the
 * checkpoint stays where the reading ends.
 */
interface LateRead {
  /** Lower-case deposit address → the payment, as it joined. */
  readonly byAddress: ReadonlyMap<string, PaymentState>;
  /** Payment id → the payment with the funding found so far. */
  readonly funded: Map<string, PaymentState>;
  /** Next block to read. */
  next: number;
  /** The checkpoint block, where the reading ends: the blocks read must lead to it. */
  readonly end: { readonly number: number; readonly hash: string };
  /** Hash of the last block read: the next one must follow it. */
  parent: string | undefined;
  /** The end block, once read: the payments are evaluated at it. */
  tip: Tip | undefined;
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
  /** Joined payments that scanned blocks may have paid, waiting for the next {@link LateRead}. */
  let late: PaymentState[] = [];
  let lateRead: LateRead | undefined;

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
      if (eventMessages.length > 0) await tx.send({ topic: topics.events, messages: eventMessages });
      await tx.send({ topic: topics.checkpoints, messages: [checkpointMessage] });
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

  /** @throws InconsistentRead when a block does not follow the one before it */
  function checkLinked(blocks: readonly ScannedBlock[]): void {
    for (let i = 1; i < blocks.length; i++) {
      const block = blocks[i] as ScannedBlock;
      if (block.parentHash !== blocks[i - 1]?.hash)
        throw new InconsistentRead(`block ${block.number} does not follow block ${block.number - 1}`);
    }
  }

  /** @throws InconsistentRead when a log is from a block other than the one read */
  function checkSameFork(blocks: readonly ScannedBlock[], logs: readonly TokenTransfer[]): void {
    const hashes = new Map(blocks.map((b) => [b.number, b.hash]));
    if (logs.some((l) => hashes.get(l.blockNumber) !== l.blockHash))
      throw new InconsistentRead('logs from another fork');
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
    metrics.reorgs.inc(label);
    metrics.reorgDepth.observe(label, depth);
    log.warn({ depth, ancestor: ancestorNumber, reorged: events.length }, 'reorg: rolled back to the common ancestor');
  }

  /**
   * Adds the transfers of these blocks and logs to the drafts of the payments `paidAt` finds
   * at their recipients (a payment's draft is made on its first transfer).
   */
  function applyTransfers(
    blocks: readonly ScannedBlock[],
    logs: readonly TokenTransfer[],
    paidAt: (address: string) => PaymentState | undefined,
    drafts: Map<string, PaymentState>,
  ): void {
    const draftFor = (state: PaymentState) => {
      let draft = drafts.get(state.intent.payment_id);
      if (draft === undefined) {
        draft = draftOf(state);
        drafts.set(state.intent.payment_id, draft);
      }
      return draft;
    };
    for (const block of blocks) {
      for (const tx of block.transfers) {
        const state = paidAt(tx.to);
        if (state === undefined || state.intent.asset.kind !== 'NATIVE') continue;
        addFunding(draftFor(state), {
          tx_hash: tx.hash,
          log_index: -1,
          block_number: block.number,
          block_hash: block.hash,
          amount: tx.value.toString(),
        });
      }
    }
    for (const transfer of logs) {
      const state = paidAt(transfer.to);
      const token = state?.intent.asset.token_address?.toLowerCase();
      if (state === undefined || state.intent.asset.kind !== 'ERC20' || token !== transfer.token.toLowerCase())
        continue;
      addFunding(draftFor(state), {
        tx_hash: transfer.txHash,
        log_index: transfer.logIndex,
        block_number: transfer.blockNumber,
        block_hash: transfer.blockHash,
        amount: transfer.value.toString(),
      });
    }
  }

  /** Admits the joining payments no scanned block can have paid; the others wait in `late`. */
  async function sortJoining(): Promise<void> {
    // Nothing scanned yet: the first step reads from the configured start for everyone.
    if (checkpoint.hash === undefined) {
      book.commit(book.takeJoining());
      return;
    }
    if (checkpoint.timeMs === undefined) {
      phase = 'reading the checkpoint block time';
      const timeMs = await source.timeAt(checkpoint.number);
      // Not there: the chain got shorter; the step below handles the reorg first.
      if (timeMs === undefined) return;
      checkpoint.timeMs = timeMs;
    }
    const scannedUntil = checkpoint.timeMs;
    const fresh: PaymentState[] = [];
    for (const state of book.takeJoining()) {
      if (state.intent.created_at - chain.lateIntentSlackMs <= scannedUntil) late.push(state);
      else fresh.push(state);
    }
    book.commit(fresh);
  }

  /** The first block at or after `timeMs` between `floor` and `end` (whose time is at or after it). */
  async function firstBlockSince(timeMs: number, end: number, floor: number): Promise<number> {
    const timeOf = async (number: number) => {
      const time = await source.timeAt(number);
      if (time === undefined) throw new InconsistentRead(`block ${number} is gone`);
      return time;
    };
    // Block `hi` is at or after the time, block `lo` before it (or below the floor). Late
    // intents are usually seconds late: step back 1, 2, 4… blocks, then halve the gap.
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

  /** Starts reading again, for the late payments, the blocks from their creation to the checkpoint. */
  async function startLateRead(): Promise<LateRead | undefined> {
    phase = 'checking the checkpoint block';
    const end = { number: checkpoint.number, hash: checkpoint.hash as string };
    // A checkpoint block that is no longer canonical is a reorg: the step handles it first.
    if ((await source.hashAt(end.number)) !== end.hash) return undefined;
    phase = 'finding the block late payments were created in';
    const since = Math.min(...late.map((s) => s.intent.created_at)) - chain.lateIntentSlackMs;
    const floor = Math.max(0, end.number - chain.lateIntentMaxBlocks + 1);
    const from = await firstBlockSince(since, end.number, floor);
    const states = late;
    late = [];
    const read: LateRead = {
      byAddress: new Map(states.map((s) => [s.intent.deposit_address.toLowerCase(), s])),
      funded: new Map(),
      next: from,
      end,
      parent: undefined,
      tip: undefined,
    };
    const cut = from === floor && floor > 0 ? { notReadBelow: floor } : {};
    log.info({ payments: states.length, from, to: end.number, ...cut }, 'reading blocks again for late payments');
    if (from === floor && floor > 0)
      log.warn(
        { from, lateIntentMaxBlocks: chain.lateIntentMaxBlocks },
        'late payments may be older than the blocks read again for them: payments before that block are not seen',
      );
    return read;
  }

  /**
   * One step of a {@link LateRead}: the next chunk of blocks, or, after the last, the late
   * payments' events and their admission to the book. Gives up the read (the payments wait
   * for the next one) when the blocks do not lead to the checkpoint block.
   */
  async function continueLateRead(read: LateRead): Promise<void> {
    if (read.tip === undefined) {
      const to = Math.min(read.end.number, read.next + chain.blocksPerStep - 1);
      phase = `reading blocks ${read.next}-${to} again for late payments`;
      const range = startRead(read.next, to);
      const blocks = await range.blocks;
      const logs = await range.logs;
      const last = blocks.at(-1) as ScannedBlock;
      const leadsToEnd = to < read.end.number || last.hash === read.end.hash;
      const follows = read.parent === undefined || blocks[0]?.parentHash === read.parent;
      if (!follows || !leadsToEnd) {
        late.push(...read.byAddress.values());
        lateRead = undefined;
        throw new InconsistentRead('the blocks read again do not lead to the checkpoint block');
      }
      checkLinked(blocks);
      checkSameFork(blocks, logs);
      applyTransfers(blocks, logs, (address) => read.byAddress.get(address.toLowerCase()), read.funded);
      metrics.blocksReread.inc(label, blocks.length);
      read.parent = last.hash;
      read.next = to + 1;
      if (to < read.end.number) return;
      read.tip = { number: last.number, hash: last.hash, timeMs: last.timeMs };
    }
    // Evaluated on copies: a failed commit is tried again from the same states.
    const events: PaymentEvent[] = [];
    const drafts: PaymentState[] = [];
    for (const state of read.byAddress.values()) {
      const draft = draftOf(read.funded.get(state.intent.payment_id) ?? state);
      events.push(...evaluate(draft, read.tip));
      drafts.push(draft);
    }
    phase = 'committing late payments';
    await commit(events, checkpoint, drafts);
    lateRead = undefined;
    metrics.latePayments.inc(label, drafts.length);
    log.info({ payments: drafts.length, events: events.length }, 'late payments admitted');
  }

  /** One step: read the next blocks, apply their transfers, evaluate, commit. */
  async function step(): Promise<'caught-up' | 'progress'> {
    phase = 'reading the head';
    const head = await source.head();
    metrics.head.set(label, head);
    if (checkpoint.number < 0) checkpoint = { ...checkpoint, number: (chain.startBlock ?? head) - 1 };
    metrics.blocksBehind.set(label, Math.max(0, head - checkpoint.number));
    await sortJoining();
    if (lateRead === undefined && late.length > 0) lateRead = await startLateRead();
    if (lateRead !== undefined) {
      await continueLateRead(lateRead);
      return 'progress';
    }
    const from = checkpoint.number + 1;
    if (from > head) {
      ahead = undefined;
      // No new block, but the tip may have been replaced at the same height.
      if (checkpoint.hash !== undefined && (await source.hashAt(checkpoint.number)) !== checkpoint.hash) {
        await handleReorg();
        return 'progress';
      }
      return 'caught-up';
    }
    const read = takeAhead(from, head) ?? startRead(from, Math.min(head, from + chain.blocksPerStep - 1));
    const { to } = read;
    const started = performance.now();
    log.debug({ from, to, head }, 'scan step');

    phase = `reading blocks ${read.from}-${read.to}`;
    const blocks = await read.blocks;
    if (checkpoint.hash !== undefined && blocks[0]?.parentHash !== checkpoint.hash) {
      await handleReorg();
      return 'progress';
    }
    checkLinked(blocks);
    phase = `reading token logs ${read.from}-${read.to}`;
    const logs = await read.logs;
    checkSameFork(blocks, logs);
    // Catching up: read the next range while this one is applied and committed.
    if (to < head) ahead = startRead(to + 1, Math.min(head, to + chain.blocksPerStep));

    const drafts = new Map<string, PaymentState>();
    applyTransfers(blocks, logs, (address) => book.atAddress(address), drafts);
    const last = blocks.at(-1) as ScannedBlock;
    const tip: Tip = { number: last.number, hash: last.hash, timeMs: last.timeMs };
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
    const recent = [...checkpoint.recent, ...blocks.map((b) => ({ number: b.number, hash: b.hash }))].slice(
      -RECENT_BLOCKS,
    );
    phase = `committing blocks ${from}-${last.number}`;
    await commit(events, { number: last.number, hash: last.hash, timeMs: last.timeMs, recent }, [...drafts.values()]);
    metrics.stepDuration.observe(label, (performance.now() - started) / 1000);
    metrics.blocksBehind.set(label, Math.max(0, head - last.number));
    if (events.length > 0) log.info({ block: last.number, events: events.length }, 'payment state changes written');
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
            const result = await withinDeadline(step(), chain.stepTimeoutMs);
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
