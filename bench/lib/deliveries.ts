import type { WebhookDelivery } from '@payhook/contracts';

/** One endpoint of a benchmark run, with where the receiver serves it. */
export interface BenchEndpoint {
  readonly index: number;
  readonly id: string;
  readonly url: string;
  readonly secret: string;
  /** The receiver never answers this endpoint. */
  readonly hanging: boolean;
}

/** Path prefixes the receiver recognises. */
export const PATH = { OK: '/ok/', HANG: '/hang/' } as const;

/** The endpoint id of index `i` (fixed width, so every record is the same size). */
export function endpointId(i: number): string {
  return `ep-${String(i).padStart(6, '0')}`;
}

/** The delivery id (`webhook-id`) of record `seq` of run `tag`. */
export function deliveryId(tag: string, seq: number): string {
  return `msg_${tag}_${String(seq).padStart(8, '0')}`;
}

/** The run tag of a delivery id, or undefined when it is not one of ours. */
export function tagOf(id: string): string | undefined {
  const end = id.lastIndexOf('_');
  return id.startsWith('msg_') && end > 4 ? id.slice(4, end) : undefined;
}

const hex = (seed: number, length: number) => {
  let out = '';
  for (let x = seed >>> 0 || 1; out.length < length; ) {
    // xorshift32: cheap, deterministic filler that looks like hashes and addresses.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out += (x >>> 0).toString(16).padStart(8, '0');
  }
  return out.slice(0, length);
};

/**
 * The JSON body of a `payment.confirmed` webhook, shaped like what the confirmation filter
 * will send (about 600 bytes), so signing and sending cost what they will in production.
 */
export function deliveryBody(id: string, seq: number, merchantId: string, createdAt: number): string {
  return JSON.stringify({
    type: 'payment.confirmed',
    id: `evt_${hex(seq * 7 + 1, 24)}`,
    timestamp: new Date(createdAt).toISOString(),
    data: {
      payment_id: `pay_${hex(seq * 13 + 3, 20)}`,
      merchant_id: merchantId,
      status: 'CONFIRMED',
      previous_status: 'DETECTED',
      chain_id: 8453,
      address: `0x${hex(seq * 31 + 5, 40)}`,
      asset: { symbol: 'USDC', contract: '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913', decimals: 6 },
      amount_expected: '125000000',
      amount_received: '125000000',
      tx_hashes: [`0x${hex(seq * 17 + 11, 64)}`],
      confirmations: 12,
      delivery: id,
    },
  });
}

/** A `WebhookDelivery` record for endpoint `endpoint`. */
export function makeDelivery(tag: string, seq: number, endpoint: BenchEndpoint, createdAt: number): WebhookDelivery {
  const id = deliveryId(tag, seq);
  const merchantId = `mer_${String(endpoint.index % 1_000).padStart(4, '0')}`;
  return {
    delivery_id: id,
    event_id: `evt_${tag}_${seq}`,
    event_type: 'payment.confirmed',
    endpoint_id: endpoint.id,
    merchant_id: merchantId,
    payment_id: `pay_${tag}_${seq}`,
    body: deliveryBody(id, seq, merchantId, createdAt),
    created_at: createdAt,
  };
}
