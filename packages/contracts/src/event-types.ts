import type { PaymentStatus } from './generated/contract-types.ts';

/** The webhook event types an endpoint can subscribe to: one per payment state worth announcing. */
export const EventType = {
  /** A funding transaction was seen; not yet safe to act on. */
  DETECTED: 'payment.detected',
  /** The expected amount has the chain's required confirmations. */
  CONFIRMED: 'payment.confirmed',
  /** Confirmed funds fall short of the expected amount. */
  UNDERPAID: 'payment.underpaid',
  /** Confirmed funds exceed the expected amount. */
  OVERPAID: 'payment.overpaid',
  /** The payment was not completed before it expired. */
  EXPIRED: 'payment.expired',
  /** A transaction reported earlier left the canonical chain. */
  REORGED: 'payment.reorged',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** Every event type, in the order of {@link EventType}. */
export const EVENT_TYPES: readonly EventType[] = Object.values(EventType);

/** What an endpoint receives when it names no event types: confirmed payments only. */
export const DEFAULT_EVENT_TYPES: readonly EventType[] = [EventType.CONFIRMED];

/**
 * The event type announcing each payment status. `PENDING` is where every payment starts:
 * entering it is not news, so it has none.
 */
export const EVENT_TYPE_BY_STATUS = {
  PENDING: null,
  DETECTED: EventType.DETECTED,
  CONFIRMED: EventType.CONFIRMED,
  UNDERPAID: EventType.UNDERPAID,
  OVERPAID: EventType.OVERPAID,
  EXPIRED: EventType.EXPIRED,
  REORGED: EventType.REORGED,
} as const satisfies Record<PaymentStatus, EventType | null>;

/** The event type of a payment entering `status`, or `null` when that is not announced. */
export function eventTypeOf(status: PaymentStatus): EventType | null {
  return EVENT_TYPE_BY_STATUS[status];
}

/**
 * The event of a test delivery that an endpoint's owner asks for: sent to that one endpoint,
 * whatever it subscribes to, through the same dispatch path as payment events. Not a
 * subscription: no payment state announces it. A delivery record carries it with an empty
 * `payment_id`.
 */
export const TEST_EVENT_TYPE = 'webhook.test';
export type TestEventType = typeof TEST_EVENT_TYPE;

const KNOWN: ReadonlySet<string> = new Set(EVENT_TYPES);

/** Whether a string is a known event type. */
export function isEventType(value: string): value is EventType {
  return KNOWN.has(value);
}
