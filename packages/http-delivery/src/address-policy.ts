import {
  AddressCategory,
  type AddressRange,
  IPV4_RANGES,
  IPV6_GLOBAL_UNICAST,
  IPV6_RANGES,
  Ipv4Embedding,
} from './address-ranges.ts';
import { cidrContains, formatIpv4, type ParsedIp, parseIp } from './ip.ts';

/** The verdict on one IP address. */
export interface AddressClassification {
  /** The address as given. */
  readonly address: string;
  readonly family: 4 | 6;
  readonly category: AddressCategory;
  /** `true` only for {@link AddressCategory.PUBLIC}. */
  readonly allowed: boolean;
  /** The table row that decided, e.g. `10.0.0.0/8`; absent for public addresses. */
  readonly range?: string;
  /** Set when the IPv6 address carries an IPv4 address that was classified in its place. */
  readonly embedded?: { readonly via: Ipv4Embedding; readonly address: string };
}

/**
 * Classifies an IP address literal as public (deliverable) or one of the refused
 * categories. Returns `undefined` when `address` is not an IP literal.
 */
export function classifyAddress(address: string): AddressClassification | undefined {
  const ip = parseIp(address);
  if (ip === undefined) return undefined;
  return ip.family === 4 ? classifyV4(address, ip) : classifyV6(address, ip);
}

/** Whether `address` is an IP literal in a category that may receive deliveries. */
export function isPublicAddress(address: string): boolean {
  return classifyAddress(address)?.allowed === true;
}

function classifyV4(address: string, ip: ParsedIp): AddressClassification {
  const row = firstMatch(IPV4_RANGES, ip);
  if (row?.category === undefined) return verdict(address, 4, AddressCategory.PUBLIC);
  return verdict(address, 4, row.category, row.cidr);
}

function classifyV6(address: string, ip: ParsedIp): AddressClassification {
  const row = firstMatch(IPV6_RANGES, ip);
  if (row?.embedded !== undefined) {
    const shift = BigInt(128 - 32 - row.embedded.offset);
    const value = (ip.value >> shift) & 0xffffffffn;
    const v4 = formatIpv4(value);
    const inner = classifyV4(v4, { family: 4, value });
    // Nothing routes IPv4-compatible addresses any more, so even a public one is suspect.
    const category =
      row.embedded.via === Ipv4Embedding.COMPATIBLE && inner.allowed ? AddressCategory.RESERVED : inner.category;
    return {
      ...verdict(address, 6, category, category === AddressCategory.PUBLIC ? undefined : (inner.range ?? row.cidr)),
      embedded: { via: row.embedded.via, address: v4 },
    };
  }
  if (row?.category !== undefined) return verdict(address, 6, row.category, row.cidr);
  if (!cidrContains(IPV6_GLOBAL_UNICAST, ip)) return verdict(address, 6, AddressCategory.RESERVED, 'not 2000::/3');
  return verdict(address, 6, AddressCategory.PUBLIC);
}

function firstMatch(ranges: readonly AddressRange[], ip: ParsedIp): AddressRange | undefined {
  return ranges.find((r) => cidrContains(r.block, ip));
}

function verdict(address: string, family: 4 | 6, category: AddressCategory, range?: string): AddressClassification {
  const allowed = category === AddressCategory.PUBLIC;
  return range === undefined || allowed
    ? { address, family, category, allowed }
    : { address, family, category, allowed, range };
}
