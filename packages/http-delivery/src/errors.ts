import { PayhookError } from '@payhook/runtime/errors';
import type { AddressClassification } from './address-policy.ts';

/** Stable error codes of the http-delivery package. */
export const HttpDeliveryErrorCode = {
  /** The endpoint URL does not parse, or has no host. */
  URL_INVALID: 'PAYHOOK_URL_INVALID',
  /** A scheme other than `https:` or `http:`. */
  URL_SCHEME: 'PAYHOOK_URL_SCHEME',
  /** The URL carries a user name or password. */
  URL_CREDENTIALS: 'PAYHOOK_URL_CREDENTIALS',
  /** `http:` to a host that is not on the development allow-list. */
  URL_HTTPS_REQUIRED: 'PAYHOOK_URL_HTTPS_REQUIRED',
  /** The host is, or resolves to, an address the policy refuses. */
  ADDRESS_REFUSED: 'PAYHOOK_ADDRESS_REFUSED',
  /** The host name did not resolve (or resolution timed out). */
  DNS_FAILED: 'PAYHOOK_DNS_FAILED',
  /** Resolution plus TCP/TLS connection did not finish in time. */
  CONNECT_TIMEOUT: 'PAYHOOK_CONNECT_TIMEOUT',
  /** An entry of the development allow-list is neither a host name nor an IP/CIDR. */
  ALLOW_LIST_INVALID: 'PAYHOOK_ALLOW_LIST_INVALID',
  /** `send` was called after `close` or `destroy`. */
  SENDER_CLOSED: 'PAYHOOK_SENDER_CLOSED',
  /** An attempt outlived its whole-attempt deadline. */
  ATTEMPT_DEADLINE: 'PAYHOOK_ATTEMPT_DEADLINE',
  /** A sender thread stopped on its own; the sender can no longer send. */
  SENDER_THREAD_FAILED: 'PAYHOOK_SENDER_THREAD_FAILED',
} as const;
export type HttpDeliveryErrorCode = (typeof HttpDeliveryErrorCode)[keyof typeof HttpDeliveryErrorCode];

/** The codes of {@link EndpointRefusedError}. */
export type EndpointRefusalCode =
  | typeof HttpDeliveryErrorCode.URL_INVALID
  | typeof HttpDeliveryErrorCode.URL_SCHEME
  | typeof HttpDeliveryErrorCode.URL_CREDENTIALS
  | typeof HttpDeliveryErrorCode.URL_HTTPS_REQUIRED
  | typeof HttpDeliveryErrorCode.ADDRESS_REFUSED;

/**
 * The endpoint must not be contacted: a malformed or unsafe URL, or an address the policy
 * refuses. Permanent: retrying cannot help until the endpoint is changed. Messages name
 * the host at most, never the path or query (merchants put tokens there).
 */
export class EndpointRefusedError extends PayhookError {
  override readonly code: EndpointRefusalCode;
  /** The verdicts that caused an `ADDRESS_REFUSED`. */
  readonly refusedAddresses: readonly AddressClassification[];

  constructor(code: EndpointRefusalCode, message: string, refusedAddresses: readonly AddressClassification[] = []) {
    super(code, message, { retryable: false });
    this.code = code;
    this.refusedAddresses = refusedAddresses;
  }
}

/** The host name could not be resolved; DNS may recover, so this is retryable. */
export class DnsLookupError extends PayhookError {
  /** The resolver's own code (`ENOTFOUND`, `EAI_AGAIN`…), when it gave one. */
  readonly lookupCode: string | undefined;

  constructor(host: string, options: { cause?: unknown; lookupCode?: string; timedOut?: boolean } = {}) {
    super(
      HttpDeliveryErrorCode.DNS_FAILED,
      options.timedOut === true
        ? `resolving ${host} timed out`
        : `resolving ${host} failed${options.lookupCode === undefined ? '' : ` (${options.lookupCode})`}`,
      { cause: options.cause, retryable: true },
    );
    this.lookupCode = options.lookupCode;
  }
}

/** Resolving and connecting together took longer than the connect timeout. */
export class ConnectTimeoutError extends PayhookError {
  constructor(host: string, timeoutMs: number) {
    super(HttpDeliveryErrorCode.CONNECT_TIMEOUT, `connecting to ${host} timed out after ${timeoutMs} ms`, {
      retryable: true,
    });
  }
}

/** A development allow-list entry that is neither a host name nor an IP address or CIDR block. */
export class AllowListError extends PayhookError {
  constructor(entry: string, cause?: unknown) {
    super(HttpDeliveryErrorCode.ALLOW_LIST_INVALID, `invalid development allow-list entry: ${JSON.stringify(entry)}`, {
      cause,
    });
  }
}

/** The sender was closed; a programming error in the caller's shutdown order. */
export class SenderClosedError extends PayhookError {
  constructor() {
    super(HttpDeliveryErrorCode.SENDER_CLOSED, 'the HTTP sender is closed');
  }
}

/** The reason an attempt is stopped when it outlives its whole-attempt deadline. */
export class AttemptDeadlineError extends PayhookError {
  constructor() {
    super(HttpDeliveryErrorCode.ATTEMPT_DEADLINE, 'the attempt outlived its deadline', { retryable: true });
  }
}

/** A sender thread failed or exited unasked: its attempts have no outcome, and later calls fail too. */
export class SenderThreadError extends PayhookError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(HttpDeliveryErrorCode.SENDER_THREAD_FAILED, message, options);
  }
}
