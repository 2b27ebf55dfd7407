import { isIP } from 'node:net';

/** An IP address as a number: 32 bits for IPv4, 128 bits for IPv6. */
export interface ParsedIp {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/** An address block in CIDR notation, parsed. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

/**
 * Parses an IPv4 or IPv6 literal (no brackets; an IPv6 zone such as `%eth0` is ignored,
 * since it names an interface, not a different address). Returns `undefined` for
 * anything `node:net` does not accept as an IP, so hostnames fall through.
 */
export function parseIp(text: string): ParsedIp | undefined {
  const family = isIP(text);
  if (family === 4) return { family: 4, value: parseIpv4(text) };
  if (family === 6) return { family: 6, value: parseIpv6(text.split('%')[0] ?? text) };
  return undefined;
}

/** Parses `a.b.c.d/n` or `v6/n`; a bare address is a /32 or /128. Throws on malformed input. */
export function parseCidr(text: string): Cidr {
  const [address = '', prefixText, ...rest] = text.split('/');
  const ip = parseIp(address);
  if (ip === undefined || rest.length > 0) throw new RangeError(`not an IP address or CIDR block: ${text}`);
  const bits = BITS[ip.family];
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits || !/^\d+$/.test(prefixText ?? `${bits}`)) {
    throw new RangeError(`prefix length out of range: ${text}`);
  }
  return { family: ip.family, base: mask(ip.value, bits, prefix), prefix };
}

/** Whether `ip` falls inside `block` (addresses of the other family never do). */
export function cidrContains(block: Cidr, ip: ParsedIp): boolean {
  if (block.family !== ip.family) return false;
  return mask(ip.value, BITS[ip.family], block.prefix) === block.base;
}

/** Dotted-quad text of a 32-bit value. */
export function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

function mask(value: bigint, bits: number, prefix: number): bigint {
  const hostBits = BigInt(bits - prefix);
  return (value >> hostBits) << hostBits;
}

// isIP has already validated the text, so these parsers only need to convert.
function parseIpv4(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function parseIpv6(text: string): bigint {
  let body = text;
  let tail: bigint[] = [];
  const lastColon = body.lastIndexOf(':');
  const last = body.slice(lastColon + 1);
  if (last.includes('.')) {
    // A trailing dotted quad (`::ffff:1.2.3.4`) stands for the last two 16-bit groups.
    const v4 = parseIpv4(last);
    tail = [v4 >> 16n, v4 & 0xffffn];
    body = body.slice(0, lastColon + 1);
    if (body.endsWith(':') && !body.endsWith('::')) body = body.slice(0, -1);
  }
  const [head = '', rest] = body.split('::');
  const groups = (part: string | undefined): bigint[] =>
    part === undefined || part === '' ? [] : part.split(':').map((g) => BigInt(`0x${g}`));
  const left = groups(head);
  const right = [...groups(rest), ...tail];
  const zeros = rest === undefined ? [] : new Array<bigint>(8 - left.length - right.length).fill(0n);
  return [...left, ...zeros, ...right].reduce((acc, group) => (acc << 16n) | group, 0n);
}
