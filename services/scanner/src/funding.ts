import type { ScannedBlock, TokenTransfer } from './block-source.ts';
import { draftOf } from './payment-book.ts';
import { addFunding, type PaymentState } from './payment-state.ts';

/**
 * Adds the transfers of these blocks (in order) and logs to the drafts of the payments
 * `paidAt` finds at their recipients (a payment's draft is made on its first transfer).
 *
 * A pending (or reorged) payment without funding expires at the first block after its
 * `expires_at`, so a transfer in a block after that one does not fund it: it expires as it
 * would have had the scanner evaluated it block by block, however many blocks a step covers
 * and however late its intent arrived. `previousTimeMs` is the time of the block before the
 * first one, when known.
 */
export function applyTransfers(
  blocks: readonly ScannedBlock[],
  logs: readonly TokenTransfer[],
  paidAt: (address: string) => PaymentState | undefined,
  drafts: Map<string, PaymentState>,
  previousTimeMs?: number,
): void {
  const draftFor = (state: PaymentState) => {
    let draft = drafts.get(state.intent.payment_id);
    if (draft === undefined) {
      draft = draftOf(state);
      drafts.set(state.intent.payment_id, draft);
    }
    return draft;
  };
  /** Whether the payment, as funded so far, had expired at the block before this transfer's. */
  const expiredBefore = (state: PaymentState, previousTime: number | undefined) => {
    if (previousTime === undefined) return false;
    const current = drafts.get(state.intent.payment_id) ?? state;
    const waiting = current.status === 'PENDING' || current.status === 'REORGED';
    return waiting && current.funding.length === 0 && previousTime > current.intent.expires_at;
  };
  let previousTime = previousTimeMs;
  for (const block of blocks) {
    for (const tx of block.transfers) {
      const state = paidAt(tx.to);
      if (state === undefined || state.intent.asset.kind !== 'NATIVE' || expiredBefore(state, previousTime)) continue;
      addFunding(draftFor(state), {
        tx_hash: tx.hash,
        log_index: -1,
        block_number: block.number,
        block_hash: block.hash,
        amount: tx.value.toString(),
      });
    }
    previousTime = block.timeMs;
  }
  if (logs.length === 0) return;
  /** Block number → the time of the block before it. */
  const before = new Map<number, number | undefined>();
  blocks.forEach((block, i) => {
    before.set(block.number, i === 0 ? previousTimeMs : blocks[i - 1]?.timeMs);
  });
  for (const transfer of logs) {
    const state = paidAt(transfer.to);
    const token = state?.intent.asset.token_address?.toLowerCase();
    if (state === undefined || state.intent.asset.kind !== 'ERC20' || token !== transfer.token.toLowerCase()) continue;
    // Logs are checked against the blocks read with them; one from another block is not used.
    if (!before.has(transfer.blockNumber) || expiredBefore(state, before.get(transfer.blockNumber))) continue;
    addFunding(draftFor(state), {
      tx_hash: transfer.txHash,
      log_index: transfer.logIndex,
      block_number: transfer.blockNumber,
      block_hash: transfer.blockHash,
      amount: transfer.value.toString(),
    });
  }
}
