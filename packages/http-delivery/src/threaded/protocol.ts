import type { DeliveryResult, HttpSenderOptions, SendSigning } from '../http-sender.ts';

/**
 * The sender options that can cross to a thread: plain data only. The resolver and the
 * connector are functions, so they come from a module the thread imports itself.
 */
export type ThreadSenderOptions = Omit<HttpSenderOptions, 'resolve' | 'connector' | 'clock'> & {
  /**
   * A module URL whose exports `resolve` and `connector` (either may be missing) replace the
   * system resolver and undici's connector inside the thread. For tests that must prove what
   * the address guard refuses without sending a packet.
   */
  readonly networkModule?: string;
};

/** What a thread is started with. */
export interface ThreadStart {
  readonly options: ThreadSenderOptions;
}

/** One attempt, as it crosses to the thread. */
export interface WireRequest {
  readonly id: number;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
  readonly signing: SendSigning | undefined;
  readonly timeoutMs: number | undefined;
  readonly headersTimeoutMs: number | undefined;
  readonly bodyTimeoutMs: number | undefined;
  /** The id of the caller's abort signal, if it gave one. */
  readonly signal: number | undefined;
  /** Whether the caller wants to hear when the request goes out. */
  readonly notifyStart: boolean;
}

/** Messages to the thread. */
export type ToThread =
  | { readonly type: 'send'; readonly requests: readonly WireRequest[] }
  | { readonly type: 'abort'; readonly signal: number }
  /** The caller's signal is gone: the thread drops its counterpart. */
  | { readonly type: 'forget'; readonly signal: number }
  | { readonly type: 'close' }
  | { readonly type: 'destroy' };

/** How an attempt ended in the thread: a result, or the error `send` rejected with. */
export type WireOutcome =
  | { readonly id: number; readonly result: DeliveryResult }
  | { readonly id: number; readonly failure: WireError };

/** An error `send` rejected with, as far as it crosses: a payhook error keeps its code. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code: string | undefined;
  readonly retryable: boolean;
}

/** Messages from the thread. Events of one turn of its loop travel together. */
export type FromThread =
  | { readonly type: 'events'; readonly started: readonly number[]; readonly outcomes: readonly WireOutcome[] }
  | { readonly type: 'closed' };
