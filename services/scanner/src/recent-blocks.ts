import type { ScannedBlock, TokenTransfer } from './block-source.ts';

/** A scanned block with its token logs. */
export interface ScannedRange {
  readonly block: ScannedBlock;
  readonly logs: readonly TokenTransfer[];
}

/**
 * The last blocks the scan committed, with their token logs, oldest first; always contiguous
 * and ending at the checkpoint block (or empty, after a restart). Intents that join late are
 * funded from here without asking the chain again.
 */
export class RecentBlocks {
  readonly #capacity: number;
  #blocks: ScannedRange[] = [];

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** The oldest block kept, if any. */
  get oldest(): ScannedBlock | undefined {
    return this.#blocks[0]?.block;
  }

  /** Adds the blocks of a committed step (they follow the newest kept one). */
  add(blocks: readonly ScannedBlock[], logs: readonly TokenTransfer[]): void {
    const newest = this.#blocks.at(-1)?.block;
    const first = blocks[0];
    // Not following on (the first step after a restart, or after a reorg): start again.
    if (first !== undefined && (newest === undefined || first.parentHash !== newest.hash)) this.#blocks = [];
    const byBlock = new Map<number, TokenTransfer[]>();
    for (const log of logs) {
      const list = byBlock.get(log.blockNumber);
      if (list === undefined) byBlock.set(log.blockNumber, [log]);
      else list.push(log);
    }
    for (const block of blocks) this.#blocks.push({ block, logs: byBlock.get(block.number) ?? [] });
    if (this.#blocks.length > this.#capacity) this.#blocks = this.#blocks.slice(-this.#capacity);
  }

  /** The newest block kept, if any. */
  get newest(): ScannedBlock | undefined {
    return this.#blocks.at(-1)?.block;
  }

  clear(): void {
    this.#blocks = [];
  }

  /** Drops the blocks above `number` (a reorg rolled the scan back to it). */
  dropAbove(number: number): void {
    this.#blocks = this.#blocks.filter((b) => b.block.number <= number);
  }

  /** The kept block at this height, if any. */
  at(number: number): ScannedBlock | undefined {
    const oldest = this.oldest;
    return oldest === undefined ? undefined : this.#blocks[number - oldest.number]?.block;
  }

  /** The kept blocks from `from` on, with their logs. */
  from(from: number): readonly ScannedRange[] {
    const oldest = this.oldest;
    return oldest === undefined ? [] : this.#blocks.slice(Math.max(0, from - oldest.number));
  }
}
