import { HttpDeliveryErrorCode } from './errors.ts';

/** What the dispatcher does next with a delivery. */
export const DeliveryOutcome = {
  /** 2xx: done. */
  DELIVERED: 'delivered',
  /** 410 Gone: the receiver asks to be disabled. */
  GONE: 'gone',
  /** 429 or 503: retry, no earlier than `Retry-After` when given. */
  THROTTLED: 'throttled',
  /** Any other failure that a later attempt may not meet. */
  RETRYABLE: 'retryable',
  /** Never attempted, never will be: straight to the DLQ. */
  REFUSED: 'refused',
} as const;
export type DeliveryOutcome = (typeof DeliveryOutcome)[keyof typeof DeliveryOutcome];

/** Stable name of what happened, for metrics labels, attempt records and DLQ headers. */
export const ErrorClass = {
  HTTP_2XX: 'HTTP_2XX',
  HTTP_3XX: 'HTTP_3XX',
  HTTP_4XX: 'HTTP_4XX',
  HTTP_410: 'HTTP_410',
  HTTP_429: 'HTTP_429',
  HTTP_5XX: 'HTTP_5XX',
  HTTP_503: 'HTTP_503',
  /** A status outside 200–599 (a broken server or proxy). */
  HTTP_STATUS_UNEXPECTED: 'HTTP_STATUS_UNEXPECTED',
  TIMEOUT_CONNECT: 'TIMEOUT_CONNECT',
  TIMEOUT_HEADERS: 'TIMEOUT_HEADERS',
  TIMEOUT_BODY: 'TIMEOUT_BODY',
  /** The whole attempt outlived its deadline (e.g. a response trickling in byte by byte). */
  TIMEOUT_TOTAL: 'TIMEOUT_TOTAL',
  CONNECTION_REFUSED: 'CONNECTION_REFUSED',
  CONNECTION_RESET: 'CONNECTION_RESET',
  /** Unreachable host or network, and other socket failures. */
  CONNECTION_FAILED: 'CONNECTION_FAILED',
  /** TLS handshake or certificate verification failed. */
  TLS_FAILED: 'TLS_FAILED',
  /** The response was not valid HTTP (parser error, oversized headers, length mismatch). */
  PROTOCOL_ERROR: 'PROTOCOL_ERROR',
  DNS_FAILED: 'DNS_FAILED',
  /** Our side stopped the attempt: the caller's signal, or the sender shutting down. */
  ABORTED: 'ABORTED',
  ADDRESS_REFUSED: 'ADDRESS_REFUSED',
  URL_INVALID: 'URL_INVALID',
  URL_SCHEME: 'URL_SCHEME',
  URL_CREDENTIALS: 'URL_CREDENTIALS',
  URL_HTTPS_REQUIRED: 'URL_HTTPS_REQUIRED',
  /** An error this table does not know; retried, and worth a look. */
  UNKNOWN: 'UNKNOWN',
} as const;
export type ErrorClass = (typeof ErrorClass)[keyof typeof ErrorClass];

/** An outcome and the class that explains it. */
export interface Classification {
  readonly outcome: DeliveryOutcome;
  readonly errorClass: ErrorClass;
}

/** One row of {@link STATUS_TABLE}: statuses `from`…`to` inclusive. */
export interface StatusRule extends Classification {
  readonly from: number;
  readonly to: number;
}

const O = DeliveryOutcome;
const K = ErrorClass;
const row = (outcome: DeliveryOutcome, errorClass: ErrorClass): Classification => ({ outcome, errorClass });

/** Response status to outcome; first match wins, so single statuses precede their class. */
export const STATUS_TABLE: readonly StatusRule[] = [
  { from: 410, to: 410, ...row(O.GONE, K.HTTP_410) },
  { from: 429, to: 429, ...row(O.THROTTLED, K.HTTP_429) },
  { from: 503, to: 503, ...row(O.THROTTLED, K.HTTP_503) },
  { from: 200, to: 299, ...row(O.DELIVERED, K.HTTP_2XX) },
  // Redirects are never followed: the target was not validated at registration.
  { from: 300, to: 399, ...row(O.RETRYABLE, K.HTTP_3XX) },
  { from: 400, to: 499, ...row(O.RETRYABLE, K.HTTP_4XX) },
  { from: 500, to: 599, ...row(O.RETRYABLE, K.HTTP_5XX) },
];

/** Each rule's classification, built once and frozen: every attempt's status is classified. */
const RULE_ROWS: readonly Classification[] = STATUS_TABLE.map((r) => Object.freeze(row(r.outcome, r.errorClass)));
const UNEXPECTED_STATUS: Classification = Object.freeze(row(O.RETRYABLE, K.HTTP_STATUS_UNEXPECTED));

/** Classifies a response status: the shared row of the first rule that covers it. */
export function classifyStatus(status: number): Classification {
  for (let i = 0; i < STATUS_TABLE.length; i++) {
    const rule = STATUS_TABLE[i] as StatusRule;
    if (status >= rule.from && status <= rule.to) return RULE_ROWS[i] as Classification;
  }
  return UNEXPECTED_STATUS;
}

const retry = (errorClass: ErrorClass): Classification => row(O.RETRYABLE, errorClass);
const refuse = (errorClass: ErrorClass): Classification => row(O.REFUSED, errorClass);

/** Error `code` (ours, undici's or the operating system's) to outcome. */
export const ERROR_CODE_TABLE: Readonly<Record<string, Classification>> = {
  [HttpDeliveryErrorCode.URL_INVALID]: refuse(K.URL_INVALID),
  [HttpDeliveryErrorCode.URL_SCHEME]: refuse(K.URL_SCHEME),
  [HttpDeliveryErrorCode.URL_CREDENTIALS]: refuse(K.URL_CREDENTIALS),
  [HttpDeliveryErrorCode.URL_HTTPS_REQUIRED]: refuse(K.URL_HTTPS_REQUIRED),
  [HttpDeliveryErrorCode.ADDRESS_REFUSED]: refuse(K.ADDRESS_REFUSED),
  [HttpDeliveryErrorCode.DNS_FAILED]: retry(K.DNS_FAILED),
  [HttpDeliveryErrorCode.CONNECT_TIMEOUT]: retry(K.TIMEOUT_CONNECT),
  [HttpDeliveryErrorCode.SENDER_CLOSED]: retry(K.ABORTED),
  [HttpDeliveryErrorCode.ATTEMPT_DEADLINE]: retry(K.TIMEOUT_TOTAL),
  ENOTFOUND: retry(K.DNS_FAILED),
  EAI_AGAIN: retry(K.DNS_FAILED),
  UND_ERR_CONNECT_TIMEOUT: retry(K.TIMEOUT_CONNECT),
  ETIMEDOUT: retry(K.TIMEOUT_CONNECT),
  UND_ERR_HEADERS_TIMEOUT: retry(K.TIMEOUT_HEADERS),
  UND_ERR_BODY_TIMEOUT: retry(K.TIMEOUT_BODY),
  ECONNREFUSED: retry(K.CONNECTION_REFUSED),
  ECONNRESET: retry(K.CONNECTION_RESET),
  EPIPE: retry(K.CONNECTION_RESET),
  // undici's "other side closed": the peer hung up mid-exchange.
  UND_ERR_SOCKET: retry(K.CONNECTION_RESET),
  EHOSTUNREACH: retry(K.CONNECTION_FAILED),
  ENETUNREACH: retry(K.CONNECTION_FAILED),
  EHOSTDOWN: retry(K.CONNECTION_FAILED),
  ENETDOWN: retry(K.CONNECTION_FAILED),
  EADDRNOTAVAIL: retry(K.CONNECTION_FAILED),
  UND_ERR_HEADERS_OVERFLOW: retry(K.PROTOCOL_ERROR),
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: retry(K.PROTOCOL_ERROR),
  UND_ERR_ABORTED: retry(K.ABORTED),
  UND_ERR_ABORT: retry(K.ABORTED),
  ABORT_ERR: retry(K.ABORTED),
  UND_ERR_DESTROYED: retry(K.ABORTED),
  UND_ERR_CLOSED: retry(K.ABORTED),
};

// Certificate failures carry OpenSSL's names rather than a common prefix.
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

/** Classifies a failed attempt by the first known `code` on the error, its cause, or its parts. */
export function classifyError(error: unknown): Classification & { readonly code: string | undefined } {
  for (const code of codesOf(error, 0)) {
    const known = ERROR_CODE_TABLE[code];
    if (known !== undefined) return { ...known, code };
    if (code.startsWith('HPE_')) return { ...retry(K.PROTOCOL_ERROR), code };
    if (TLS_CODE.test(code)) return { ...retry(K.TLS_FAILED), code };
  }
  return { ...retry(K.UNKNOWN), code: codesOf(error, 0)[0] };
}

function codesOf(error: unknown, depth: number): string[] {
  if (typeof error !== 'object' || error === null || depth > 4) return [];
  const own = (error as { code?: unknown }).code;
  const parts = error instanceof AggregateError ? (error.errors as unknown[]) : [];
  return [
    ...(typeof own === 'string' ? [own] : []),
    ...codesOf((error as { cause?: unknown }).cause, depth + 1),
    ...parts.flatMap((part) => codesOf(part, depth + 1)),
  ];
}
