import type { DeliveryResult, SendRequest, SendSigning } from '../http-sender.ts';
import type { HttpSenderOptions } from '../sender-options.ts';

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
/** Where each part of a packed request sits, from its first slot; {@link packRequest} pushes them in this order. */
const REQUEST = {
  id: 0,
  url: 1,
  headers: 2,
  body: 3,
  signingId: 4,
  signingTimestamp: 5,
  signingSecrets: 6,
  timeoutMs: 7,
  headersTimeoutMs: 8,
  bodyTimeoutMs: 9,
  signal: 10,
  reportsStart: 11,
} as const;
const REQUEST_SLOTS = Object.keys(REQUEST).length;
/** Where each part of a packed result sits, from its first slot; {@link packResult} pushes them in this order. */
const RESULT = {
  id: 0,
  outcome: 1,
  errorClass: 2,
  status: 3,
  durationMs: 4,
  retryAfter: 5,
  retryAfterMs: 6,
  bodySnippet: 7,
  bodyTruncated: 8,
  error: 9,
  bodyError: 10,
} as const;
const RESULT_SLOTS = Object.keys(RESULT).length;

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
  for (let at = 0; at + REQUEST_SLOTS <= packed.length; at += REQUEST_SLOTS)
    ids.push(packed[at + REQUEST.id] as number);
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
    const id = packed[at + REQUEST.id] as number;
    const given = packed[at + REQUEST.headers] as Readonly<Record<string, string>> | undefined;
    if (given !== undefined) current = given;
    const signingId = packed[at + REQUEST.signingId] as string | undefined;
    const signal = packed[at + REQUEST.signal] as number | undefined;
    each(id, {
      url: packed[at + REQUEST.url] as string,
      headers: current,
      body: packed[at + REQUEST.body] as string | Uint8Array,
      signing:
        signingId === undefined
          ? undefined
          : {
              id: signingId,
              timestamp: packed[at + REQUEST.signingTimestamp] as number,
              secrets: packed[at + REQUEST.signingSecrets] as SendSigning['secrets'],
            },
      timeoutMs: packed[at + REQUEST.timeoutMs] as number | undefined,
      headersTimeoutMs: packed[at + REQUEST.headersTimeoutMs] as number | undefined,
      bodyTimeoutMs: packed[at + REQUEST.bodyTimeoutMs] as number | undefined,
      signal: signal === undefined ? undefined : bindings.signal(signal),
      onStart: packed[at + REQUEST.reportsStart] === true ? bindings.onStart(id) : undefined,
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
      outcome: packed[at + RESULT.outcome] as DeliveryResult['outcome'],
      errorClass: packed[at + RESULT.errorClass] as DeliveryResult['errorClass'],
      status: packed[at + RESULT.status] as number | undefined,
      durationMs: packed[at + RESULT.durationMs] as number,
      retryAfter: packed[at + RESULT.retryAfter] as string | undefined,
      retryAfterMs: packed[at + RESULT.retryAfterMs] as number | undefined,
      bodySnippet: packed[at + RESULT.bodySnippet] as string | undefined,
      bodyTruncated: packed[at + RESULT.bodyTruncated] as boolean,
    };
    const error = packed[at + RESULT.error] as DeliveryResult['error'];
    if (error !== undefined) result.error = error;
    const bodyError = packed[at + RESULT.bodyError] as DeliveryResult['bodyError'];
    if (bodyError !== undefined) result.bodyError = bodyError;
    each(packed[at + RESULT.id] as number, result);
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
