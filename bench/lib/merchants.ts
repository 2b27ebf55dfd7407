import { deliveryId } from '@payhook/confirmation-filter';
import type { PaymentEvent } from '@payhook/contracts';
import { generateSecret } from '@payhook/signing';
import { type BenchEndpoint, endpointId, PATH } from './deliveries.ts';

/** Endpoints per merchant, in the order of `--merchants`. */
export const FAN_OUTS = [1, 3, 10] as const;

/** A merchant of the benchmark and the endpoints it subscribed. */
export interface BenchMerchant {
  readonly id: string;
  readonly endpoints: readonly BenchEndpoint[];
}

/** Merchants with 1, 3 and 10 endpoints (`counts[i]` of each), interleaved so every run mixes them. */
export function makeMerchants(counts: readonly [number, number, number], origins: readonly string[]): BenchMerchant[] {
  const kinds: number[] = [];
  for (let round = 0; kinds.length < counts[0] + counts[1] + counts[2]; round++) {
    FAN_OUTS.forEach((fanOut, k) => {
      if (round < (counts[k] as number)) kinds.push(fanOut);
    });
  }
  let next = 0;
  return kinds.map((fanOut, m) => ({
    id: `mer_${String(m).padStart(4, '0')}`,
    endpoints: Array.from({ length: fanOut }, () => {
      const index = next++;
      const id = endpointId(index);
      return {
        index,
        id,
        url: `${origins[index % origins.length]}${PATH.OK}${id}`,
        secret: generateSecret(),
        hanging: false,
      };
    }),
  }));
}

/** Webhooks per event on average when events go round-robin over the merchants. */
export function meanFanOut(merchants: readonly BenchMerchant[]): number {
  return merchants.reduce((sum, m) => sum + m.endpoints.length, 0) / merchants.length;
}

const hex = (n: number, length: number) => n.toString(16).padStart(length, '0').slice(-length);

/**
 * The `CONFIRMED` event of payment `seq` of run `tag`, for merchant `merchant`, on chain
 * `chainId`: the shape the scanner writes (full payment state, one funding transfer).
 */
export function paymentEvent(tag: string, seq: number, merchant: BenchMerchant, chainId: number): PaymentEvent {
  const block = 1_000_000 + seq;
  const blockHash = `0x${hex(block, 64)}`;
  const txHash = `0x${hex(seq * 7919 + 1, 64)}`;
  return {
    event_id: `evt_${tag}_${seq}`,
    payment_id: `pay_${tag}_${seq}`,
    merchant_id: merchant.id,
    sequence: 2,
    status: 'CONFIRMED',
    previous_status: 'DETECTED',
    chain_id: chainId,
    address: `0x${hex(seq * 104_729 + 17, 40)}`,
    asset: {
      kind: 'ERC20',
      token_address: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
      symbol: 'USDC',
      decimals: 6,
    },
    amount_expected: '125000000',
    amount_received: '125000000',
    tx_hashes: [txHash],
    block_number: block,
    block_hash: blockHash,
    confirmations: 12,
    occurred_at: Date.now(),
    funding: [{ tx_hash: txHash, log_index: 0, block_number: block, block_hash: blockHash, amount: '125000000' }],
  };
}

/** The delivery ids the filter derives for an event, one per endpoint of its merchant. */
export function expectedDeliveryIds(event: PaymentEvent, merchant: BenchMerchant): string[] {
  return merchant.endpoints.map((endpoint) => deliveryId(event.event_id, endpoint.id));
}
