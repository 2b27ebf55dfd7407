// The sender's options and their check, apart from the sender itself: a caller that only
// hands attempts to sender threads checks the options without loading the HTTP client.
import type { Clock } from '@payhook/runtime/clock';
import { createDevAllowList } from './allow-list.ts';
import type { Connector } from './guarded-connector.ts';
import type { Resolve } from './resolver.ts';

/** Options of `createHttpSender` (and of each sender thread). */
export interface HttpSenderOptions {
  /**
   * Host names, IPs and CIDR blocks exempt from the https requirement and the address
   * refusal. For tests and local demos only.
   * @defaultValue `[]`
   */
  readonly devAllowList?: readonly string[];
  /** @defaultValue `systemResolve` */
  readonly resolve?: Resolve;
  /**
   * Opens a socket to an already checked IP.
   * @defaultValue undici's `buildConnector` with the connect timeout and HTTP/1.1 only
   */
  readonly connector?: Connector;
  /**
   * Resolution plus TCP/TLS handshake. A property of the sender, not of a call: the
   * connection it bounds is pooled and then serves many calls.
   * @defaultValue 5_000
   */
  readonly connectTimeoutMs?: number;
  /** Until the response headers are complete. @defaultValue 15_000 */
  readonly headersTimeoutMs?: number;
  /** Longest silence while the response body arrives. @defaultValue 15_000 */
  readonly bodyTimeoutMs?: number;
  /** Deadline for a whole attempt, from the moment it holds a concurrency slot. @defaultValue 30_000 */
  readonly timeoutMs?: number;
  /** Response body bytes kept as `bodySnippet`; the rest is discarded. @defaultValue 4_096 */
  readonly maxBodyBytes?: number;
  /** Attempts in flight across all endpoints; later calls wait. @defaultValue 256 */
  readonly maxConcurrent?: number;
  /** Pooled keep-alive connections per origin, and so attempts in flight per origin; later calls wait. @defaultValue 8 */
  readonly connectionsPerOrigin?: number;
  /** How long an idle pooled connection is kept. @defaultValue 4_000 */
  readonly keepAliveTimeoutMs?: number;
  /** Turns an HTTP-date `Retry-After` into a delay. @defaultValue `systemClock` */
  readonly clock?: Clock;
}

const defaults = {
  devAllowList: [],
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 15_000,
  bodyTimeoutMs: 15_000,
  timeoutMs: 30_000,
  maxBodyBytes: 4_096,
  maxConcurrent: 256,
  connectionsPerOrigin: 8,
  keepAliveTimeoutMs: 4_000,
} as const satisfies Partial<HttpSenderOptions>;

/**
 * The options with their defaults, and the parsed allow-list.
 * @throws RangeError naming an option that is not positive; AllowListError for a bad entry.
 */
export function checkSenderOptions(options: HttpSenderOptions) {
  const config = { ...defaults, ...options };
  for (const key of ['connectTimeoutMs', 'headersTimeoutMs', 'bodyTimeoutMs', 'timeoutMs', 'maxBodyBytes'] as const) {
    if (!(config[key] > 0)) throw new RangeError(`${key} must be > 0`);
  }
  for (const key of ['maxConcurrent', 'connectionsPerOrigin', 'keepAliveTimeoutMs'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) throw new RangeError(`${key} must be an integer ≥ 1`);
  }
  return { config, allowList: createDevAllowList(config.devAllowList) };
}
