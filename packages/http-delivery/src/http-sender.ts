import { performance } from 'node:perf_hooks';
// Leaf entry points only: a sender thread loads this module graph and nothing more.
import { parseRetryAfter } from '@payhook/retry/retry-after';
import { systemClock } from '@payhook/runtime/clock';
import { PayhookError } from '@payhook/runtime/errors';
import type { SecretInput } from '@payhook/signing';
import { sign } from '@payhook/signing/sign';
import { Agent, buildConnector } from 'undici';
import { onAbort } from './abort-fanout.ts';
import { type CappedResponse, CappedResponseHandler } from './capped-response.ts';
import { AttemptDeadlineError, SenderClosedError } from './errors.ts';
import { createGuardedConnector } from './guarded-connector.ts';
import { createKeyedSlots, type Release } from './keyed-slots.ts';
import { type Classification, classifyError, classifyStatus, DeliveryOutcome, ErrorClass } from './outcome.ts';
import { systemResolve } from './resolver.ts';
import { createSemaphore } from './semaphore.ts';
import { checkSenderOptions, type HttpSenderOptions } from './sender-options.ts';
import { parseEndpointUrl } from './url-policy.ts';

export type { HttpSenderOptions };

/** Endpoint URLs whose checked form is kept; past this the cache starts afresh. */
const MAX_CACHED_URLS = 50_000;

/** Where a checked endpoint URL sends requests. */
interface RequestTarget {
  readonly origin: string;
  /** Path and query. */
  readonly path: string;
}

/** What signs an attempt: the Standard Webhooks headers are added from these and the body. */
export interface SendSigning {
  /** `webhook-id`. */
  readonly id: string;
  /** `webhook-timestamp`, in seconds. */
  readonly timestamp: number;
  /** Every active secret; each adds a signature. */
  readonly secrets: readonly SecretInput[];
}

/** One delivery attempt. */
export interface SendRequest {
  /** The endpoint URL; validated again here, whatever happened at registration. */
  readonly url: string | URL;
  /** Sent as given, except `host`, which always matches the URL that was checked. */
  readonly headers: Readonly<Record<string, string>>;
  /** The exact bytes that are sent (and signed). */
  readonly body: string | Uint8Array;
  /**
   * Signs the request once it holds its slots, just before it is sent (not for a refused URL
   * or an abort). Signing is part of the attempt so that a sender on its own thread takes that
   * work off the caller's; the timestamp is the caller's.
   * @throws SigningInputError, NoSecretError or InvalidSecretError (from `send`) when these cannot sign.
   */
  readonly signing?: SendSigning;
  /** Overrides {@link HttpSenderOptions.timeoutMs} for this call. */
  readonly timeoutMs?: number;
  /** Overrides {@link HttpSenderOptions.headersTimeoutMs} for this call. */
  readonly headersTimeoutMs?: number;
  /** Overrides {@link HttpSenderOptions.bodyTimeoutMs} for this call. */
  readonly bodyTimeoutMs?: number;
  /** Aborts the attempt (e.g. on shutdown); the outcome is then `retryable`/`ABORTED`. */
  readonly signal?: AbortSignal;
  /** Called once the attempt holds its slots and its request goes out (not for a refused URL or an abort while waiting). */
  readonly onStart?: () => void;
}

/** What happened to one attempt. Free of secrets: no headers sent, no URL path or query. */
export interface DeliveryResult extends Classification {
  /** The response status, when a response arrived. */
  readonly status: number | undefined;
  /** From holding a concurrency slot to the end of the body read (monotonic clock). */
  readonly durationMs: number;
  /** The `Retry-After` header exactly as received. */
  readonly retryAfter: string | undefined;
  /** {@link DeliveryResult.retryAfter} as a delay, when it parses. */
  readonly retryAfterMs: number | undefined;
  /** The start of the response body, decoded as UTF-8, for diagnostics. */
  readonly bodySnippet: string | undefined;
  /** Whether the body was longer than the snippet (the rest was discarded). */
  readonly bodyTruncated: boolean;
  /** Why the attempt failed before a status arrived: a code and a message naming at most the host. */
  readonly error?: { readonly code: string | undefined; readonly message: string };
  /** A failure while reading the body after the status arrived; the outcome still follows the status. */
  readonly bodyError?: ErrorClass;
}

/** POSTs webhook deliveries under the network-edge policy. */
export interface HttpSender {
  /** Makes one attempt. Never rejects for a delivery failure: that is a classified result. */
  send(request: SendRequest): Promise<DeliveryResult>;
  /** Refuses new calls and waits for the in-flight ones, then closes the pool. */
  close(): Promise<void>;
  /** Refuses new calls and aborts the in-flight ones (their outcome: `ABORTED`). */
  destroy(): Promise<void>;
}

/**
 * Creates the sender: one pooled undici `Agent` whose every connection passes the address
 * policy, bounded overall by `maxConcurrent`. Redirects are never followed.
 */
export function createHttpSender(options: HttpSenderOptions = {}): HttpSender {
  const { config, allowList } = checkSenderOptions(options);
  const clock = options.clock ?? systemClock;
  const connector =
    options.connector ?? buildConnector({ timeout: config.connectTimeoutMs, allowH2: false, keepAlive: true });
  const agent = new Agent({
    connect: createGuardedConnector({
      resolve: options.resolve ?? systemResolve,
      allowList,
      connector,
      timeoutMs: config.connectTimeoutMs,
    }),
    connections: config.connectionsPerOrigin,
    keepAliveTimeout: config.keepAliveTimeoutMs,
  });
  const slots = createSemaphore(config.maxConcurrent);
  // No more attempts per origin than it has pooled connections: the rest wait here, where
  // they can be aborted, rather than in the pool's queue.
  const originSlots = createKeyedSlots(config.connectionsPerOrigin);
  let closed = false;
  // The same few URLs are sent to again and again: check each once (the allow-list is fixed).
  const checkedUrls = new Map<string, RequestTarget>();
  const checkedUrl = (raw: string | URL): RequestTarget => {
    const key = String(raw);
    let checked = checkedUrls.get(key);
    if (checked === undefined) {
      const { url } = parseEndpointUrl(key, allowList);
      checked = { origin: url.origin, path: `${url.pathname}${url.search}` };
      if (checkedUrls.size >= MAX_CACHED_URLS) checkedUrls.clear();
      checkedUrls.set(key, checked);
    }
    return checked;
  };

  async function send(request: SendRequest): Promise<DeliveryResult> {
    if (closed) throw new SenderClosedError();
    let started = performance.now();
    const elapsed = (): number => Math.round((performance.now() - started) * 1000) / 1000;

    let endpoint: RequestTarget;
    try {
      endpoint = checkedUrl(request.url);
    } catch (error) {
      return failure(classifyError(error), error, elapsed());
    }

    // An origin's slot first, then one of the sender's: a caller waiting for a busy origin
    // holds none of the slots other origins need.
    let releaseOrigin: Release | undefined;
    let release: Release;
    try {
      if (request.signal?.aborted) throw request.signal.reason;
      const origin = originSlots.take(endpoint.origin, request.signal);
      releaseOrigin = typeof origin === 'function' ? origin : await origin;
      release = slots.tryAcquire() ?? (await slots.acquire(request.signal));
    } catch (error) {
      releaseOrigin?.();
      return failure({ outcome: DeliveryOutcome.RETRYABLE, errorClass: ErrorClass.ABORTED }, error, elapsed());
    }
    if (request.signal?.aborted) {
      release();
      releaseOrigin();
      return failure(
        { outcome: DeliveryOutcome.RETRYABLE, errorClass: ErrorClass.ABORTED },
        request.signal.reason,
        elapsed(),
      );
    }
    // Signed once the request is about to go out: not for a refused URL nor an abort.
    let headers: Readonly<Record<string, string>>;
    try {
      headers =
        request.signing === undefined
          ? withoutHost(request.headers)
          : { ...withoutHost(request.headers), ...sign({ ...request.signing, body: request.body }) };
      // The attempt's own time: waiting for a slot is the sender's queue, not the endpoint.
      started = performance.now();
      request.onStart?.();
    } catch (error) {
      // A secret that cannot sign, or the caller's own callback: the slots go back either way.
      release();
      releaseOrigin();
      throw error;
    }

    // Stopped by the whole-attempt deadline or the caller's signal.
    const attempt = new CappedResponseHandler(config.maxBodyBytes);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      attempt.abort(new AttemptDeadlineError());
    }, request.timeoutMs ?? config.timeoutMs);
    const signal = request.signal;
    const unfollow = signal === undefined ? undefined : onAbort(signal, () => attempt.abort(abortReason(signal)));
    // Our own aborts surface as the reasons given; the flags say which one fired.
    const stopped = (): Classification | undefined => {
      if (timedOut) return { outcome: DeliveryOutcome.RETRYABLE, errorClass: ErrorClass.TIMEOUT_TOTAL };
      if (signal?.aborted) return { outcome: DeliveryOutcome.RETRYABLE, errorClass: ErrorClass.ABORTED };
      return undefined;
    };
    try {
      let response: CappedResponse;
      try {
        agent.dispatch(
          {
            origin: endpoint.origin,
            path: endpoint.path,
            method: 'POST',
            headers,
            body: request.body,
            headersTimeout: request.headersTimeoutMs ?? config.headersTimeoutMs,
            bodyTimeout: request.bodyTimeoutMs ?? config.bodyTimeoutMs,
          },
          attempt,
        );
        response = await attempt.response;
      } catch (error) {
        return failure(stopped() ?? classifyError(error), error, elapsed());
      }
      const retryAfter = firstHeader(response.headers['retry-after']);
      const { outcome, errorClass } = classifyStatus(response.statusCode);
      const result: { -readonly [K in keyof DeliveryResult]: DeliveryResult[K] } = {
        outcome,
        errorClass,
        status: response.statusCode,
        durationMs: elapsed(),
        retryAfter,
        retryAfterMs: retryAfter === undefined ? undefined : (parseRetryAfter(retryAfter, clock.now()) ?? undefined),
        bodySnippet: response.bodyError === undefined ? response.text : undefined,
        bodyTruncated: response.truncated,
      };
      if (response.bodyError !== undefined) {
        result.bodyError = (stopped() ?? classifyError(response.bodyError)).errorClass;
      }
      return result;
    } finally {
      clearTimeout(timer);
      unfollow?.();
      release();
      releaseOrigin();
    }
  }

  return {
    send,
    close: async () => {
      closed = true;
      await agent.close();
    },
    destroy: async () => {
      closed = true;
      await agent.destroy();
    },
  };
}

function failure(classification: Classification, error: unknown, durationMs: number): DeliveryResult {
  const { code } = classifyError(error);
  return {
    outcome: classification.outcome,
    errorClass: classification.errorClass,
    status: undefined,
    durationMs,
    retryAfter: undefined,
    retryAfterMs: undefined,
    bodySnippet: undefined,
    bodyTruncated: false,
    error: { code, message: safeMessage(classification.errorClass, error) },
  };
}

/**
 * Our own errors are written to name the host at most. Foreign messages are not repeated
 * (a library may quote a header value): only the socket facts Node attaches to system errors.
 */
function safeMessage(errorClass: ErrorClass, error: unknown): string {
  if (error instanceof PayhookError) return error.message;
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const facts = [e.syscall, e.code, e.address === undefined ? undefined : `${e.address}:${e.port ?? ''}`].filter(
    (fact) => typeof fact === 'string' && fact !== '',
  );
  return facts.length > 0 ? `${errorClass} (${facts.join(' ')})` : errorClass;
}

function withoutHost(headers: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  for (const name in headers) {
    if (name.length === 4 && name.toLowerCase() === 'host')
      return Object.fromEntries(Object.entries(headers).filter(([other]) => other.toLowerCase() !== 'host'));
  }
  return headers;
}

/** The reason an aborted signal carries, as an Error (what undici expects of an abort). */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
