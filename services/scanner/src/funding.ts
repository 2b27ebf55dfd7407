import type { ScannedBlock, TokenTransfer } from './block-source.ts';
import { draftOf } from './payment-book.ts';
import { addFunding, type PaymentState } from './payment-state.ts';

/**
 * Adds the transfers of these blocks and logs to the drafts of the payments `paidAt` finds at
 * their recipients (a payment's draft is made on its first transfer). Blocks are taken in
 * order. A pending payment without funding expires with the first block after its
 * `expires_at`, so a transfer in a later block does not fund it: it expires, as it would have
 * had the scanner seen each block as it came.
 */
export function applyTransfers(
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
  /** Whether the payment, as funded so far in this step, had expired before a block of this time. */
  const expiredBefore = (state: PaymentState, timeMs: number) => {
    const current = drafts.get(state.intent.payment_id) ?? state;
    return current.status === 'PENDING' && current.funding.length === 0 && timeMs > current.intent.expires_at;
  };
  for (const block of blocks) {
    for (const tx of block.transfers) {
      const state = paidAt(tx.to);
      if (state === undefined || state.intent.asset.kind !== 'NATIVE') continue;
      if (expiredBefore(state, block.timeMs)) continue;
      addFunding(draftFor(state), {
        tx_hash: tx.hash,
        log_index: -1,
        block_number: block.number,
        block_hash: block.hash,
        amount: tx.value.toString(),
      });
    }
  }
  if (logs.length === 0) return;
  const times = new Map(blocks.map((b) => [b.number, b.timeMs]));
  for (const transfer of logs) {
    const state = paidAt(transfer.to);
    const token = state?.intent.asset.token_address?.toLowerCase();
    if (state === undefined || state.intent.asset.kind !== 'ERC20' || token !== transfer.token.toLowerCase()) continue;
    if (expiredBefore(state, times.get(transfer.blockNumber) ?? 0)) continue;
    addFunding(draftFor(state), {
      tx_hash: transfer.txHash,
      log_index: transfer.logIndex,
      block_number: transfer.blockNumber,
      block_hash: transfer.blockHash,
      amount: transfer.value.toString(),
    });
  }
}
