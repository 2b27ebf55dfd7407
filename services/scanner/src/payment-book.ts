import type { PaymentEvent, PaymentIntent } from '@payhook/contracts';
import { FINAL_STATUSES, newPaymentState, type PaymentState, stateFromEvent } from './payment-state.ts';

/** Deep enough copy of a state to change it without touching the committed one. */
export function draftOf(state: PaymentState): PaymentState {
  return { ...state, funding: state.funding.map((f) => ({ ...f })) };
}

/**
 * The payments of one chain the scanner tracks, indexed by deposit address. Holds the
 * committed state only: a step works on drafts and hands them back after its transaction.
 *
 * A payment without events joins in two moves: {@link track} puts it among the joining,
 * and the scanner, which alone knows which blocks it has already scanned, takes it with
 * {@link takeJoining} and admits it, after reading those blocks again for its address when
 * the intent is older than them.
 */
export class PaymentBook {
  readonly chainId: number;
  readonly #states = new Map<string, PaymentState>();
  /** Lower-case deposit address → payment id, for payments that can still change. */
  readonly #active = new Map<string, string>();
  /** Payments without events, tracked but not yet taken by the scanner. */
  #joining = new Map<string, PaymentState>();
  /** Ids of joining payments taken by the scanner and not yet committed. */
  readonly #taken = new Set<string>();

  constructor(chainId: number) {
    this.chainId = chainId;
  }

  /**
   * Tracks an intent of this chain (once). From its latest event, it is watched at once;
   * without one, it joins (see the class).
   */
  track(intent: PaymentIntent, latest?: PaymentEvent): void {
    const id = intent.payment_id;
    if (intent.chain_id !== this.chainId || this.#states.has(id) || this.#joining.has(id) || this.#taken.has(id))
      return;
    if (latest === undefined) this.#joining.set(id, newPaymentState(intent));
    else this.#put(stateFromEvent(intent, latest));
  }

  /** The joining payments, handed over once: the scanner admits them with {@link commit}. */
  takeJoining(): PaymentState[] {
    if (this.#joining.size === 0) return [];
    const taken = [...this.#joining.values()];
    for (const id of this.#joining.keys()) this.#taken.add(id);
    this.#joining = new Map();
    return taken;
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

  /** Replaces committed states with the drafts of a committed step (admitting joining ones). */
  commit(drafts: Iterable<PaymentState>): void {
    for (const state of drafts) this.#put(state);
  }

  #put(state: PaymentState): void {
    this.#taken.delete(state.intent.payment_id);
    this.#states.set(state.intent.payment_id, state);
    const address = state.intent.deposit_address.toLowerCase();
    if (FINAL_STATUSES.has(state.status)) this.#active.delete(address);
    else this.#active.set(address, state.intent.payment_id);
  }
}
