import { randomBytes } from 'node:crypto';
import type { Asset, PaymentIntent } from '@payhook/contracts';
import { InputError } from './errors.ts';
import {
  CONFIRMATIONS_RANGE,
  MAX_EXPIRES_IN_MS,
  parseAddress,
  parseAmount,
  parseChain,
  parseDuration,
  parseId,
  parseInteger,
  parseSymbol,
} from './validation.ts';

/** How long a payment waits for funds unless told otherwise. */
export const DEFAULT_EXPIRES_IN = '1h';
/** ERC-20 `decimals()` is a uint8. */
export const DECIMALS_RANGE = { min: 0, max: 255 } as const;

/** A payment intent as given, every value as text (as typed on a command line). */
export interface PaymentIntentInput {
  readonly merchant: string;
  readonly chain: string;
  readonly address: string;
  readonly amount: string;
  readonly token?: string | undefined;
  readonly decimals?: string | undefined;
  readonly symbol?: string | undefined;
  readonly confirmations?: string | undefined;
  /** @defaultValue {@link DEFAULT_EXPIRES_IN} */
  readonly expiresIn?: string | undefined;
  /** @defaultValue a random `pay_…` id */
  readonly id?: string | undefined;
}

/** The name each input field has for the caller, used in errors. */
export type PaymentIntentFieldNames = Readonly<Record<keyof PaymentIntentInput, string>>;

/** The CLI's names: its options. */
export const PAYMENT_INTENT_OPTIONS: PaymentIntentFieldNames = {
  merchant: '--merchant',
  chain: '--chain',
  address: '--address',
  amount: '--amount',
  token: '--token',
  decimals: '--decimals',
  symbol: '--symbol',
  confirmations: '--confirmations',
  expiresIn: '--expires-in',
  id: '--id',
};

/**
 * Validates every field (each error names its field) into the intent to write.
 * @throws InputError naming the first field that is not acceptable.
 */
export function buildPaymentIntent(
  input: PaymentIntentInput,
  nowMs: number,
  names: PaymentIntentFieldNames = PAYMENT_INTENT_OPTIONS,
): PaymentIntent {
  const paymentId = input.id === undefined ? `pay_${randomBytes(10).toString('hex')}` : parseId(names.id, input.id);
  const merchantId = parseId(names.merchant, input.merchant);
  const chain = parseChain(names.chain, input.chain);
  const address = parseAddress(names.address, input.address);
  const amount = parseAmount(names.amount, input.amount);
  const expiresInMs = parseDuration(names.expiresIn, input.expiresIn ?? DEFAULT_EXPIRES_IN, {
    minMs: 1_000,
    maxMs: MAX_EXPIRES_IN_MS,
  });
  const confirmations =
    input.confirmations === undefined
      ? chain.defaultConfirmations
      : parseInteger(names.confirmations, input.confirmations, CONFIRMATIONS_RANGE);

  let asset: Asset;
  if (input.token === undefined) {
    if (input.decimals !== undefined)
      throw new InputError(names.decimals, `only with ${names.token} (the native coin's decimals are the chain's)`);
    if (input.symbol !== undefined)
      throw new InputError(names.symbol, `only with ${names.token} (the native coin's symbol is the chain's)`);
    asset = { kind: 'NATIVE', token_address: null, symbol: chain.nativeSymbol, decimals: chain.nativeDecimals };
  } else {
    const token = parseAddress(names.token, input.token);
    if (token === address) throw new InputError(names.token, 'is the deposit address; a token contract cannot be both');
    if (input.decimals === undefined) throw new InputError(names.decimals, `required with ${names.token}`);
    if (input.symbol === undefined) throw new InputError(names.symbol, `required with ${names.token}`);
    asset = {
      kind: 'ERC20',
      token_address: token,
      symbol: parseSymbol(names.symbol, input.symbol),
      decimals: parseInteger(names.decimals, input.decimals, DECIMALS_RANGE),
    };
  }

  return {
    payment_id: paymentId,
    merchant_id: merchantId,
    chain_id: chain.id,
    deposit_address: address,
    asset,
    amount_expected: amount,
    required_confirmations: confirmations,
    expires_at: nowMs + expiresInMs,
    created_at: nowMs,
  };
}

/** Why a new intent cannot be written next to the existing ones. */
export type IntentConflict =
  | { readonly kind: 'id_taken'; readonly existing: PaymentIntent }
  | { readonly kind: 'address_taken'; readonly existing: PaymentIntent };

/**
 * A payment id that is taken, or a deposit address another payment uses (on any chain,
 * expired or not), in the intents table as it stands; `undefined` when the intent is new.
 */
export function findIntentConflict(
  intent: PaymentIntent,
  intents: { get(id: string): PaymentIntent | undefined; values(): Iterable<PaymentIntent> },
): IntentConflict | undefined {
  const taken = intents.get(intent.payment_id);
  if (taken !== undefined) return { kind: 'id_taken', existing: taken };
  const address = intent.deposit_address.toLowerCase();
  for (const other of intents.values()) {
    // Checksummed on write, so equal addresses are equal strings; lowercase guards older records.
    if (other.deposit_address.toLowerCase() === address) return { kind: 'address_taken', existing: other };
  }
  return undefined;
}
