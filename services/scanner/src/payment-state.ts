import { createHash } from 'node:crypto';
import type { Funding, PaymentEvent, PaymentIntent, PaymentStatus } from '@payhook/contracts';

/** What the scanner knows about one payment: its intent, where it stands, and its funding. */
export interface PaymentState {
  readonly intent: PaymentIntent;
  status: PaymentStatus;
  /** Sequence of the last event written (0 before the first). */
  sequence: number;
  /** Funding transfers on the canonical chain, in the order they were found. */
  funding: Funding[];
  /** Funding count when the payment became UNDERPAID: more funding means a top-up. */
  fundingAtUnderpaid: number;
}

/** The block a step evaluates at: confirmations and expiry are measured against it. */
export interface Tip {
  readonly number: number;
  readonly hash: string;
  /** Block timestamp in milliseconds: events carry chain time, so a replay is identical. */
  readonly timeMs: number;
}

/** States after which nothing changes the payment again. */
export const FINAL_STATUSES: ReadonlySet<PaymentStatus> = new Set(['CONFIRMED', 'OVERPAID', 'EXPIRED']);

/** A fresh payment: pending, no funding. */
export function newPaymentState(intent: PaymentIntent): PaymentState {
  return { intent, status: 'PENDING', sequence: 0, funding: [], fundingAtUnderpaid: 0 };
}

/** Rebuilds a payment's state from its latest event (events carry the whole funding list). */
export function stateFromEvent(intent: PaymentIntent, event: PaymentEvent): PaymentState {
  const funding = event.funding.map((f) => ({ ...f }));
  return {
    intent,
    status: event.status,
    sequence: event.sequence,
    funding,
    fundingAtUnderpaid: event.status === 'UNDERPAID' ? funding.length : 0,
  };
}

/** Sum of the funding, in base units. */
export function received(state: PaymentState): bigint {
  return state.funding.reduce((sum, f) => sum + BigInt(f.amount), 0n);
}

/** The id of the n-th event of a payment: the same change always gets the same id. */
export function eventId(paymentId: string, sequence: number, status: PaymentStatus): string {
  return `evt_${createHash('sha256').update(`${paymentId}:${sequence}:${status}`).digest('hex').slice(0, 32)}`;
}

function confirmationsOf(funding: Funding, tip: Tip): number {
  return Math.max(0, tip.number - funding.block_number + 1);
}

/** Moves the payment to `status` and returns the event that records it. */
function transition(state: PaymentState, status: PaymentStatus, tip: Tip): PaymentEvent {
  const previous = state.status;
  state.status = status;
  state.sequence += 1;
  if (status === 'UNDERPAID') state.fundingAtUnderpaid = state.funding.length;
  const latest = state.funding.reduce<Funding | undefined>(
    (best, f) => (best === undefined || f.block_number >= best.block_number ? f : best),
    undefined,
  );
  const { intent } = state;
  return {
    event_id: eventId(intent.payment_id, state.sequence, status),
    payment_id: intent.payment_id,
    merchant_id: intent.merchant_id,
    sequence: state.sequence,
    status,
    previous_status: previous,
    chain_id: intent.chain_id,
    address: intent.deposit_address,
    asset: intent.asset,
    amount_expected: intent.amount_expected,
    amount_received: received(state).toString(),
    tx_hashes: state.funding.map((f) => f.tx_hash),
    block_number: latest?.block_number ?? null,
    block_hash: latest?.block_hash ?? null,
    confirmations: latest === undefined ? 0 : confirmationsOf(latest, tip),
    occurred_at: tip.timeMs,
    funding: state.funding.map((f) => ({ ...f })),
  };
}

/**
 * Whether {@link evaluate} can change the payment at this tip: not when it is final, nor
 * when it has no funding and has not expired (most watched payments, at most tips). A scanner
 * asks first, so it neither copies nor evaluates the payments that stay as they are.
 */
export function mayChange(state: PaymentState, tip: Tip): boolean {
  if (FINAL_STATUSES.has(state.status)) return false;
  if (state.funding.length > 0) return true;
  return (state.status === 'PENDING' || state.status === 'REORGED') && tip.timeMs > state.intent.expires_at;
}

/**
 * The state changes a payment goes through at this tip, in order (possibly none, possibly
 * DETECTED then CONFIRMED in one step when one confirmation suffices).
 *
 * - PENDING or REORGED with funding → DETECTED; an UNDERPAID payment topped up → DETECTED.
 * - All funding at the required depth: exactly the amount → CONFIRMED, more → OVERPAID,
 *   less → UNDERPAID (not final: a top-up continues it).
 * - PENDING or REORGED without funding after `expires_at` (chain time) → EXPIRED.
 */
export function evaluate(state: PaymentState, tip: Tip): PaymentEvent[] {
  const events: PaymentEvent[] = [];
  if (!mayChange(state, tip)) return events;
  const { intent } = state;
  if (state.funding.length === 0) {
    events.push(transition(state, 'EXPIRED', tip));
    return events;
  }
  const toppedUp = state.status === 'UNDERPAID' && state.funding.length > state.fundingAtUnderpaid;
  if (state.status === 'PENDING' || state.status === 'REORGED' || toppedUp) {
    events.push(transition(state, 'DETECTED', tip));
  }
  const deepEnough = state.funding.every((f) => confirmationsOf(f, tip) >= intent.required_confirmations);
  if (!deepEnough) return events;
  const total = received(state);
  const expected = BigInt(intent.amount_expected);
  if (total === expected) events.push(transition(state, 'CONFIRMED', tip));
  else if (total > expected) events.push(transition(state, 'OVERPAID', tip));
  else if (state.status !== 'UNDERPAID') events.push(transition(state, 'UNDERPAID', tip));
  return events;
}

/**
 * Drops funding from blocks above `ancestor` (they left the canonical chain). A payment that
 * was not final and lost funding is REORGED; a final one cannot be undone and is reported.
 */
export function undoAbove(
  state: PaymentState,
  ancestor: number,
  tip: Tip,
): { event?: PaymentEvent; lostFinal: boolean } {
  const kept = state.funding.filter((f) => f.block_number <= ancestor);
  if (kept.length === state.funding.length) return { lostFinal: false };
  if (FINAL_STATUSES.has(state.status)) return { lostFinal: true };
  state.funding = kept;
  state.fundingAtUnderpaid = Math.min(state.fundingAtUnderpaid, kept.length);
  return { event: transition(state, 'REORGED', tip), lostFinal: false };
}

/** Adds a funding transfer unless it is known already (a rescan after a reorg finds it again). */
export function addFunding(state: PaymentState, funding: Funding): boolean {
  const known = state.funding.some((f) => f.tx_hash === funding.tx_hash && f.log_index === funding.log_index);
  if (known) return false;
  state.funding.push(funding);
  return true;
}
