import type { PaymentEvent, PaymentIntent } from '@payhook/contracts';
import { FINAL_STATUSES, newPaymentState, type PaymentState, stateFromEvent } from './payment-state.ts';

/** Deep enough copy of a state to change it without touching the committed one. */
export function draftOf(state: PaymentState): PaymentState {
  return { ...state, funding: state.funding.map((f) => ({ ...f })) };
}

/**
 * The payments of one chain the scanner tracks, indexed by deposit address. Holds the
 * committed state only: a step works on drafts and hands them back after its transaction.
 */
export class PaymentBook {
  readonly chainId: number;
  readonly #states = new Map<string, PaymentState>();
  /** Lower-case deposit address → payment id, for payments that can still change. */
  readonly #active = new Map<string, string>();

  constructor(chainId: number) {
    this.chainId = chainId;
  }

  /** Tracks an intent of this chain (once), from its latest event when there is one. */
  track(intent: PaymentIntent, latest?: PaymentEvent): void {
    if (intent.chain_id !== this.chainId || this.#states.has(intent.payment_id)) return;
    const state = latest === undefined ? newPaymentState(intent) : stateFromEvent(intent, latest);
    this.#put(state);
  }

  get size(): number {
    return this.#states.size;
  }

  /** Payments that are not final. */
  active(): PaymentState[] {
    return [...this.#active.values()].map((id) => this.#states.get(id) as PaymentState);
  }

  /** The active payment paid at this address, if any. */
  atAddress(address: string): PaymentState | undefined {
    const id = this.#active.get(address.toLowerCase());
    return id === undefined ? undefined : this.#states.get(id);
  }

  /** Final payments with funding above this block: a reorg that deep is reported for them. */
  finalWithFundingAbove(block: number): PaymentState[] {
    const found: PaymentState[] = [];
    for (const state of this.#states.values()) {
      if (FINAL_STATUSES.has(state.status) && state.funding.some((f) => f.block_number > block)) found.push(state);
    }
    return found;
  }

  get(paymentId: string): PaymentState | undefined {
    return this.#states.get(paymentId);
  }

  /** Replaces committed states with the drafts of a committed step. */
  commit(drafts: Iterable<PaymentState>): void {
    for (const state of drafts) this.#put(state);
  }

  #put(state: PaymentState): void {
    this.#states.set(state.intent.payment_id, state);
    const address = state.intent.deposit_address.toLowerCase();
    if (FINAL_STATUSES.has(state.status)) this.#active.delete(address);
    else this.#active.set(address, state.intent.payment_id);
  }
}
