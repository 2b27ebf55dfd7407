import { type ChainInfo, chainById, EVENT_TYPES, type EventType, isEventType, KNOWN_CHAINS } from '@payhook/contracts';
import {
  AddressCategory,
  classifyAddress,
  type DevAllowList,
  EndpointRefusedError,
  HttpDeliveryErrorCode,
  parseEndpointUrl,
} from '@payhook/http-delivery';
// The utilities only: viem's root entry also loads its clients and chain list on every CLI start.
import { getAddress, isAddress } from 'viem/utils';
import { InputError } from './errors.ts';

// Every parser here names the field it read (a CLI option such as `--amount`, or an API body
// field such as `amount`) in its error, so a person knows what to fix, and never echoes a
// value that may hold a secret (URLs can carry tokens).

/** Largest value of a uint256: amounts above it cannot exist on an EVM chain. */
export const MAX_UINT256 = 2n ** 256n - 1n;

/** Longest endpoint URL accepted. */
export const MAX_URL_LENGTH = 2_048;

/** Bounds of the per-endpoint request timeout, in milliseconds. */
export const TIMEOUT_MS_RANGE = { min: 100, max: 300_000 } as const;

/** Longest endpoint description accepted. */
export const MAX_DESCRIPTION_LENGTH = 500;

/** Bounds of a payment's required confirmations. */
export const CONFIRMATIONS_RANGE = { min: 1, max: 10_000 } as const;

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const DURATION_UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DAY_MS = 86_400_000;
const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

function bad(option: string, problem: string): InputError {
  return new InputError(option, problem);
}

/**
 * An id of a merchant, endpoint or payment: 1 to 128 letters, digits, `.`, `_`, `:` or `-`,
 * starting with a letter or digit. Ids become record keys, header values and log fields.
 */
export function parseId(option: string, raw: string): string {
  if (!ID.test(raw)) {
    throw bad(option, 'must be 1 to 128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit');
  }
  return raw;
}

/**
 * A duration such as `500ms`, `30s`, `15m`, `24h` or `7d`, in milliseconds, from `minMs` to
 * `maxMs` inclusive.
 */
export function parseDuration(option: string, raw: string, bounds: { minMs: number; maxMs: number }): number {
  const match = DURATION.exec(raw.trim());
  if (match === null) throw bad(option, `"${raw}" is not a duration like 30s, 15m, 24h or 7d`);
  const ms = Number(match[1]) * DURATION_UNIT_MS[match[2] as keyof typeof DURATION_UNIT_MS];
  if (!Number.isSafeInteger(ms) || ms < bounds.minMs || ms > bounds.maxMs) {
    throw bad(option, `must be from ${formatDuration(bounds.minMs)} to ${formatDuration(bounds.maxMs)}`);
  }
  return ms;
}

/** A duration in the largest unit that divides it: `86400000` → `1d`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = DURATION_UNIT_MS[unit];
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Upper bound of a payment's lifetime. */
export const MAX_EXPIRES_IN_MS = 365 * DAY_MS;
/** Upper bound of a secret rotation's overlap. */
export const MAX_OVERLAP_MS = 30 * DAY_MS;

/** An integer from `min` to `max` written in decimal digits only. */
export function parseInteger(option: string, raw: string, bounds: { min: number; max: number }): number {
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < bounds.min || value > bounds.max) {
    throw bad(option, `must be a whole number from ${bounds.min} to ${bounds.max}`);
  }
  return value;
}

/** A rate in deliveries per second: a positive decimal number, at most 10,000. */
export function parseRate(option: string, raw: string): number {
  const value = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isFinite(value) || value <= 0 || value > 10_000) {
    throw bad(option, 'must be a number of deliveries per second above 0 and at most 10000, e.g. 5 or 0.5');
  }
  return value;
}

/** A known chain, by its EIP-155 id. */
export function parseChain(option: string, raw: string): ChainInfo {
  const id = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  const chain = Number.isSafeInteger(id) ? chainById(id) : undefined;
  if (chain === undefined) {
    const known = KNOWN_CHAINS.map((c) => `${c.id} (${c.name})`).join(', ');
    throw bad(option, `"${raw}" is not a known chain id; known: ${known}`);
  }
  return chain;
}

/**
 * An EVM address, returned EIP-55 checksummed. All-lowercase input has no checksum to check
 * and is accepted; mixed case must match its checksum (a typo in a checksummed address is
 * caught here, before funds go to it). The correct checksum is deliberately not suggested:
 * copying it would turn a mistyped address into an accepted one. The zero address is refused.
 */
export function parseAddress(option: string, raw: string): `0x${string}` {
  const value = raw.trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw bad(option, 'must be 0x followed by 40 hexadecimal digits');
  if (!isAddress(value, { strict: true })) {
    throw bad(
      option,
      `${value} fails its EIP-55 checksum: check the address (or give it in all-lowercase to skip the check)`,
    );
  }
  const checksummed = getAddress(value);
  if (checksummed === ZERO_ADDRESS) throw bad(option, 'the zero address cannot receive payments');
  return checksummed;
}

/**
 * An amount in integer base units (wei for ETH, 10^-6 for a 6-decimal token): decimal digits,
 * above zero, at most uint256. Returned without leading zeros.
 */
export function parseAmount(option: string, raw: string): string {
  const value = raw.trim();
  if (!/^\d+$/.test(value)) {
    const hint = /^\d*\.\d+$/.test(value) ? ' (amounts are integer base units: 1.5 ETH is 1500000000000000000)' : '';
    throw bad(option, `must be a whole number of base units${hint}`);
  }
  const amount = BigInt(value);
  if (amount === 0n) throw bad(option, 'must be above zero');
  if (amount > MAX_UINT256) throw bad(option, 'exceeds the largest uint256');
  return amount.toString();
}

/** Comma-separated event types, known and without repeats (kept in the order given). */
export function parseEventTypes(option: string, raw: string): EventType[] {
  return parseEventTypeList(
    option,
    raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );
}

/** Event types given as a list, known and without repeats (kept in the order given). */
export function parseEventTypeList(option: string, names: readonly string[]): EventType[] {
  if (names.length === 0) throw bad(option, `name at least one of ${EVENT_TYPES.join(', ')}`);
  const unknown = names.filter((n) => !isEventType(n));
  if (unknown.length > 0) {
    throw bad(
      option,
      `unknown event type ${unknown.map((u) => `"${u}"`).join(', ')}; known: ${EVENT_TYPES.join(', ')}`,
    );
  }
  return [...new Set(names as EventType[])];
}

/** A token symbol for display: 1 to 32 visible characters. */
export function parseSymbol(option: string, raw: string): string {
  const value = raw.trim();
  if (!/^[^\s\p{C}]{1,32}$/u.test(value)) throw bad(option, 'must be 1 to 32 visible characters without spaces');
  return value;
}

/**
 * An endpoint URL, checked with the delivery policy (the same check runs again before every
 * send): https, or http for a host on the development allow-list; no user name or password;
 * no loopback, private, link-local or otherwise unsafe literal address or `localhost` name
 * unless allow-listed; a port from 1 to 65535; no fragment (it is never sent). Host names are
 * not resolved: the dispatcher checks the addresses they resolve to before every attempt.
 * Returns the normalised URL.
 */
export function parseUrl(option: string, raw: string, allowList: DevAllowList): string {
  if (raw.length > MAX_URL_LENGTH) throw bad(option, `is longer than ${MAX_URL_LENGTH} characters`);
  const value = raw.trim();
  let parsed: URL;
  try {
    parsed = parseEndpointUrl(value, allowList).url;
  } catch (error) {
    if (error instanceof EndpointRefusedError) throw bad(option, explainRefusal(error, value));
    throw error;
  }
  // WHATWG URLs accept port 0, which no connection can reach.
  if (parsed.port === '0') throw bad(option, `port 0 cannot be connected to; ${PORT_HINT}`);
  if (parsed.hash !== '') throw bad(option, 'must not have a fragment (#…): it is never sent');
  return parsed.href;
}

/** A description: trimmed, up to {@link MAX_DESCRIPTION_LENGTH} characters, none of them a control character. */
export function parseDescription(option: string, raw: string): string {
  const value = raw.trim();
  if (value.length > MAX_DESCRIPTION_LENGTH || /\p{C}/u.test(value)) {
    throw bad(option, `must be up to ${MAX_DESCRIPTION_LENGTH} visible characters`);
  }
  return value;
}

const PORT_HINT = 'give a port from 1 to 65535, or none for the scheme’s default';
/** The port of a URL's authority as written, found even when the URL does not parse. */
const WRITTEN_PORT = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/?#@]*@)?(?:\[[^\]]*\]|[^/?#:[\]]*):(\d+)(?:[/?#]|$)/i;
const ALLOW_LIST_HINT = 'refused unless DISPATCHER_DEV_ALLOW_LIST lists it (development only)';

/**
 * The delivery policy's refusal in the words a person at the terminal needs: which problem
 * the host has (an unsafe address is named as such even when the URL also uses http, since
 * https alone would not make it acceptable), and what would lift it.
 */
function explainRefusal(error: EndpointRefusedError, value: string): string {
  if (error.code === HttpDeliveryErrorCode.URL_INVALID) {
    const port = WRITTEN_PORT.exec(value)?.[1];
    if (port !== undefined && Number(port) > 65_535) return `port ${port} is out of range; ${PORT_HINT}`;
    // The delivery policy refuses port 0 too; said here as for a URL it lets through.
    if (port !== undefined && Number(port) === 0) return `port 0 cannot be connected to; ${PORT_HINT}`;
    return error.message;
  }
  if (error.code !== HttpDeliveryErrorCode.URL_HTTPS_REQUIRED && error.code !== HttpDeliveryErrorCode.ADDRESS_REFUSED) {
    return error.message;
  }
  const url = URL.parse(value);
  const host = url === null ? '' : url.hostname.replace(/^\[(.*)\]$/, '$1');
  const verdict = classifyAddress(host);
  if (verdict !== undefined && !verdict.allowed) {
    const via = verdict.embedded === undefined ? '' : `${verdict.embedded.via} ${verdict.embedded.address}, `;
    const range = verdict.range === undefined ? '' : ` (${via}${verdict.range})`;
    return `endpoint address ${host} is ${REFUSED_CATEGORY[verdict.category]}${range}: ${ALLOW_LIST_HINT}`;
  }
  if (verdict === undefined && isLocalhostName(host)) {
    return `endpoint host ${host} is a loopback name (it resolves to this machine): ${ALLOW_LIST_HINT}`;
  }
  if (error.code === HttpDeliveryErrorCode.URL_HTTPS_REQUIRED) {
    return `endpoint ${host} must use https: (http only for hosts on DISPATCHER_DEV_ALLOW_LIST, development only)`;
  }
  return error.message;
}

/** Each refused category in words. */
const REFUSED_CATEGORY: Record<AddressCategory, string> = {
  [AddressCategory.PUBLIC]: 'a public address',
  [AddressCategory.UNSPECIFIED]: 'the unspecified address',
  [AddressCategory.LOOPBACK]: 'a loopback address',
  [AddressCategory.PRIVATE]: 'a private address',
  [AddressCategory.LINK_LOCAL]: 'a link-local address',
  [AddressCategory.CGNAT]: 'a carrier-grade NAT (CGNAT) address',
  [AddressCategory.UNIQUE_LOCAL]: 'a unique-local address',
  [AddressCategory.MULTICAST]: 'a multicast address',
  [AddressCategory.BROADCAST]: 'the broadcast address',
  [AddressCategory.DOCUMENTATION]: 'a documentation address',
  [AddressCategory.BENCHMARK]: 'a benchmarking address',
  [AddressCategory.RESERVED]: 'a reserved address',
};

/** RFC 6761: `localhost` and names under it are loopback, whatever a resolver says. */
function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}
