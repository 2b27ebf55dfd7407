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
  let checkpoint: { number: number; hash: string | undefined; recent: BlockRef[] } = deps.checkpoint
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
    await commit(events, { number: ancestorNumber, hash: ancestorBlock?.hash, recent }, drafts);
    metrics.reorgs.inc(label);
    metrics.reorgDepth.observe(label, depth);
    log.warn({ depth, ancestor: ancestorNumber, reorged: events.length }, 'reorg: rolled back to the common ancestor');
  }

  function applyTransfers(blocks: ScannedBlock[], logs: TokenTransfer[], drafts: Map<string, PaymentState>): void {
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
        const state = book.atAddress(tx.to);
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
      const state = book.atAddress(transfer.to);
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

  /** One step: read the next blocks, apply their transfers, evaluate, commit. */
  async function step(): Promise<'caught-up' | 'progress'> {
    phase = 'reading the head';
    const head = await source.head();
    metrics.head.set(label, head);
    if (checkpoint.number < 0) checkpoint = { ...checkpoint, number: (chain.startBlock ?? head) - 1 };
    metrics.blocksBehind.set(label, Math.max(0, head - checkpoint.number));
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
    let parent = checkpoint.hash;
    for (const block of blocks) {
      if (parent !== undefined && block.parentHash !== parent) {
        if (block.number === from) {
          await handleReorg();
          return 'progress';
        }
        throw new InconsistentRead(`block ${block.number} does not follow block ${block.number - 1}`);
      }
      parent = block.hash;
    }
    phase = `reading token logs ${read.from}-${read.to}`;
    const logs = await read.logs;
    const hashes = new Map(blocks.map((b) => [b.number, b.hash]));
    if (logs.some((l) => hashes.get(l.blockNumber) !== l.blockHash))
      throw new InconsistentRead('logs from another fork');
    // Catching up: read the next range while this one is applied and committed.
    if (to < head) ahead = startRead(to + 1, Math.min(head, to + chain.blocksPerStep));

    const drafts = new Map<string, PaymentState>();
    applyTransfers(blocks, logs, drafts);
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
    await commit(events, { number: last.number, hash: last.hash, recent }, [...drafts.values()]);
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
