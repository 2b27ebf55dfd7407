import type { DeliveryResult, HttpSenderOptions, SendRequest, SendSigning } from '../http-sender.ts';

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

/**
 * What a thread supplies for a request's thread-side parts: the counterpart of the caller's
 * abort signal (by its id), and the callback that reports the request going out.
 */
export interface RequestBindings {
  signal(id: number): AbortSignal;
  onStart(id: number): () => void;
}

/*
 * Requests and results cross as flat arrays, a fixed number of slots each: copying values
 * between threads costs less than copying objects, whose every property name is copied too.
 * A request's headers are left out when they equal the ones before them in the same thread's
 * stream (a dispatcher sends the same few headers every time).
 */
const REQUEST_SLOTS = 12;
const RESULT_SLOTS = 11;

/**
 * Appends a request to a packed batch: the caller's request with its id, its URL as a string
 * and its signal's id; `headers` undefined means "as the request before".
 */
export function packRequest(
  into: unknown[],
  id: number,
  url: string,
  headers: Readonly<Record<string, string>> | undefined,
  request: SendRequest,
  signal: number | undefined,
): void {
  const { signing } = request;
  into.push(
    id,
    url,
    headers,
    request.body,
    signing?.id,
    signing?.timestamp,
    signing?.secrets,
    request.timeoutMs,
    request.headersTimeoutMs,
    request.bodyTimeoutMs,
    signal,
    request.onStart !== undefined,
  );
}

/** The ids of the requests in a packed batch. */
export function packedRequestIds(packed: readonly unknown[]): number[] {
  const ids: number[] = [];
  for (let at = 0; at + REQUEST_SLOTS <= packed.length; at += REQUEST_SLOTS) ids.push(packed[at] as number);
  return ids;
}

/**
 * Reads a packed batch in order, straight into the sender's requests. `headers` is the last
 * headers this stream carried (from earlier batches too); the new last ones are returned.
 */
export function unpackRequests(
  packed: readonly unknown[],
  headers: Readonly<Record<string, string>>,
  bindings: RequestBindings,
  each: (id: number, request: SendRequest) => void,
): Readonly<Record<string, string>> {
  let current = headers;
  for (let at = 0; at + REQUEST_SLOTS <= packed.length; at += REQUEST_SLOTS) {
    const id = packed[at] as number;
    const given = packed[at + 2] as Readonly<Record<string, string>> | undefined;
    if (given !== undefined) current = given;
    const signingId = packed[at + 4] as string | undefined;
    const signal = packed[at + 10] as number | undefined;
    each(id, {
      url: packed[at + 1] as string,
      headers: current,
      body: packed[at + 3] as string | Uint8Array,
      signing:
        signingId === undefined
          ? undefined
          : {
              id: signingId,
              timestamp: packed[at + 5] as number,
              secrets: packed[at + 6] as SendSigning['secrets'],
            },
      timeoutMs: packed[at + 7] as number | undefined,
      headersTimeoutMs: packed[at + 8] as number | undefined,
      bodyTimeoutMs: packed[at + 9] as number | undefined,
      signal: signal === undefined ? undefined : bindings.signal(signal),
      onStart: packed[at + 11] === true ? bindings.onStart(id) : undefined,
    });
  }
  return current;
}

/** Appends an attempt's result to a packed batch. */
export function packResult(into: unknown[], id: number, result: DeliveryResult): void {
  into.push(
    id,
    result.outcome,
    result.errorClass,
    result.status,
    result.durationMs,
    result.retryAfter,
    result.retryAfterMs,
    result.bodySnippet,
    result.bodyTruncated,
    result.error,
    result.bodyError,
  );
}

/** Reads packed results in order; `error` and `bodyError` are present only when set, as from the sender itself. */
export function unpackResults(packed: readonly unknown[], each: (id: number, result: DeliveryResult) => void): void {
  for (let at = 0; at + RESULT_SLOTS <= packed.length; at += RESULT_SLOTS) {
    const result: { -readonly [K in keyof DeliveryResult]: DeliveryResult[K] } = {
      outcome: packed[at + 1] as DeliveryResult['outcome'],
      errorClass: packed[at + 2] as DeliveryResult['errorClass'],
      status: packed[at + 3] as number | undefined,
      durationMs: packed[at + 4] as number,
      retryAfter: packed[at + 5] as string | undefined,
      retryAfterMs: packed[at + 6] as number | undefined,
      bodySnippet: packed[at + 7] as string | undefined,
      bodyTruncated: packed[at + 8] as boolean,
    };
    const error = packed[at + 9] as DeliveryResult['error'];
    if (error !== undefined) result.error = error;
    const bodyError = packed[at + 10] as DeliveryResult['bodyError'];
    if (bodyError !== undefined) result.bodyError = bodyError;
    each(packed[at] as number, result);
  }
}

/** Messages to the thread. */
export type ToThread =
  /** Requests packed with {@link packRequest}. */
  | { readonly type: 'send'; readonly requests: readonly unknown[] }
  | { readonly type: 'abort'; readonly signal: number }
  /** The caller's signal is gone: the thread drops its counterpart. */
  | { readonly type: 'forget'; readonly signal: number }
  | { readonly type: 'close' }
  | { readonly type: 'destroy' };

/** An attempt whose `send` rejected (rather than ending in a result), with the error. */
export interface WireFailure {
  readonly id: number;
  readonly failure: WireError;
}

/** An error `send` rejected with, as far as it crosses: a payhook error keeps its code. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code: string | undefined;
  readonly retryable: boolean;
}

/** Messages from the thread. Events of one turn of its loop travel together. */
export type FromThread =
  | {
      readonly type: 'events';
      readonly started: readonly number[];
      /** Results packed with {@link packResult}. */
      readonly results: readonly unknown[];
      readonly failures: readonly WireFailure[];
    }
  | { readonly type: 'closed' };
