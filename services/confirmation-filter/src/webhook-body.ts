import { createHash } from 'node:crypto';
import type { EventType, PaymentEvent } from '@payhook/contracts';

/**
 * The JSON body merchants receive. Every delivery of an event carries the payment's full
 * state and its sequence number, so a receiver can order and deduplicate without asking.
 */
export interface WebhookBody {
  /** Event type, e.g. `payment.confirmed`. */
  readonly type: EventType;
  /** The payment event id: the same for every endpoint and every retry. */
  readonly id: string;
  /** When the change happened on chain (block time), ISO 8601. */
  readonly created_at: string;
  readonly data: {
    readonly payment_id: string;
    readonly merchant_id: string;
    /** The state entered, lower case: `confirmed`, `underpaid`, … */
    readonly status: string;
    readonly previous_status: string | null;
    /** Position in the payment's history, from 1: later events have larger numbers. */
    readonly sequence: number;
    readonly chain_id: number;
    readonly address: string;
    readonly asset: {
      readonly kind: string;
      readonly token_address: string | null;
      readonly symbol: string;
      readonly decimals: number;
    };
    /** Integer base units, as a string (uint256 does not fit a JSON number). */
    readonly amount_expected: string;
    readonly amount_received: string;
    readonly tx_hashes: readonly string[];
    readonly block_number: number | null;
    readonly block_hash: string | null;
    readonly confirmations: number;
  };
}

/** The body for one event; the same event always gives the same bytes. */
export function webhookBody(event: PaymentEvent, type: EventType): string {
  const body: WebhookBody = {
    type,
    id: event.event_id,
    created_at: new Date(event.occurred_at).toISOString(),
    data: {
      payment_id: event.payment_id,
      merchant_id: event.merchant_id,
      status: event.status.toLowerCase(),
      previous_status: event.previous_status?.toLowerCase() ?? null,
      sequence: event.sequence,
      chain_id: event.chain_id,
      address: event.address,
      asset: {
        kind: event.asset.kind.toLowerCase(),
        token_address: event.asset.token_address,
        symbol: event.asset.symbol,
        decimals: event.asset.decimals,
      },
      amount_expected: event.amount_expected,
      amount_received: event.amount_received,
      tx_hashes: event.tx_hashes,
      block_number: event.block_number,
      block_hash: event.block_hash,
      confirmations: event.confirmations,
    },
  };
  return JSON.stringify(body);
}

/** The delivery id (sent as `webhook-id`) of an event to an endpoint: stable across replays. */
export function deliveryId(eventId: string, endpointId: string): string {
  return `msg_${createHash('sha256').update(`${eventId}:${endpointId}`).digest('hex').slice(0, 26)}`;
}
