import type { ScannedBlock, TokenTransfer } from './block-source.ts';

/** What the chain returned is not consistent within one step (a reorg raced the reads): try again. */
export class InconsistentRead extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InconsistentRead';
  }
}

/** @throws InconsistentRead when a block does not follow the one before it */
export function checkLinked(blocks: readonly ScannedBlock[]): void {
  for (let i = 1; i < blocks.length; i++) {
    const block = blocks[i] as ScannedBlock;
    if (block.parentHash !== blocks[i - 1]?.hash)
      throw new InconsistentRead(`block ${block.number} does not follow block ${block.number - 1}`);
  }
}

/** @throws InconsistentRead when a log is from a block other than the one read at its height */
export function checkSameFork(blocks: readonly ScannedBlock[], logs: readonly TokenTransfer[]): void {
  const hashes = new Map(blocks.map((b) => [b.number, b.hash]));
  if (logs.some((l) => hashes.get(l.blockNumber) !== l.blockHash)) throw new InconsistentRead('logs from another fork');
}
