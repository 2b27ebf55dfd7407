import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

/** A response as the sender keeps it: the status, the headers and the start of the body. */
export interface CappedResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  /** The first `cap` bytes of the body, decoded as UTF-8. */
  readonly text: string;
  /** Whether the body was longer than `cap` (reading stopped there and the connection was dropped). */
  readonly truncated: boolean;
  /** Why the body could not be read to its end, after the status arrived. */
  readonly bodyError: unknown;
}

/** The reason a capped read stops the request: never seen by the caller. */
const CAP_REACHED = new Error('response body cap reached');

/**
 * An undici dispatch handler that keeps at most `cap` body bytes and settles `response`:
 * with the response once it ends (or once the cap is reached, which aborts the request and
 * with it the connection), or with the error that came before a status.
 *
 * Working at the dispatch level rather than through `request()` spares every attempt a
 * body stream, an async iterator and an abort-signal listener: a webhook response is read
 * only for its status and a diagnostic snippet.
 */
export class CappedResponseHandler implements Dispatcher.DispatchHandler {
  readonly response: Promise<CappedResponse>;
  readonly #cap: number;
  #resolve!: (response: CappedResponse) => void;
  #reject!: (error: unknown) => void;
  #controller: Dispatcher.DispatchController | undefined;
  /** An abort asked for before the request reached a connection. */
  #pendingAbort: Error | undefined;
  #settled = false;
  #statusCode: number | undefined;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(cap: number) {
    this.#cap = cap;
    this.response = new Promise<CappedResponse>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /**
   * Stops the request with `reason`: at once when it holds a connection, otherwise as soon as
   * it gets one (a request waiting for a connection is bounded by the connect timeout).
   */
  abort(reason: Error): void {
    if (this.#settled) return;
    if (this.#controller === undefined) this.#pendingAbort = reason;
    else this.#controller.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#pendingAbort !== undefined) controller.abort(this.#pendingAbort);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // Informational (1xx) heads precede the real one.
    if (statusCode < 200) return;
    this.#statusCode = statusCode;
    this.#headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    if (this.#size > this.#cap) {
      this.#finish(true, undefined);
      controller.abort(CAP_REACHED);
    }
  }

  onResponseEnd(): void {
    this.#finish(false, undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    if (this.#statusCode === undefined) {
      if (this.#settled) return;
      this.#settled = true;
      this.#reject(error);
      return;
    }
    this.#finish(false, error);
  }

  #finish(truncated: boolean, bodyError: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    const length = Math.min(this.#size, this.#cap);
    const only = this.#chunks.length === 1 ? this.#chunks[0] : undefined;
    const bytes = only ?? Buffer.concat(this.#chunks, length);
    this.#chunks = [];
    this.#resolve({
      statusCode: this.#statusCode ?? 0,
      headers: this.#headers,
      text: bytes.toString('utf8', 0, length),
      truncated,
      bodyError,
    });
  }
}
