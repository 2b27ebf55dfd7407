import { type Cidr, parseCidr } from './ip.ts';

/** Why an address is or is not a place webhooks may be delivered to. */
export const AddressCategory = {
  PUBLIC: 'public',
  UNSPECIFIED: 'unspecified',
  LOOPBACK: 'loopback',
  PRIVATE: 'private',
  LINK_LOCAL: 'link-local',
  CGNAT: 'cgnat',
  UNIQUE_LOCAL: 'unique-local',
  MULTICAST: 'multicast',
  BROADCAST: 'broadcast',
  DOCUMENTATION: 'documentation',
  BENCHMARK: 'benchmark',
  RESERVED: 'reserved',
} as const;
export type AddressCategory = (typeof AddressCategory)[keyof typeof AddressCategory];

/**
 * How an IPv6 block carries an IPv4 address: the embedded address is classified in
 * its place, because a packet to it reaches (or is translated to) that IPv4 host.
 */
export const Ipv4Embedding = {
  /** `::ffff:a.b.c.d` (RFC 4291): the kernel connects over IPv4. */
  MAPPED: 'ipv4-mapped',
  /** `::a.b.c.d` (deprecated by RFC 4291, still parsed by stacks). */
  COMPATIBLE: 'ipv4-compatible',
  /** `64:ff9b::a.b.c.d` (RFC 6052): a NAT64 gateway forwards to the IPv4 host. */
  NAT64: 'nat64',
  /** `2002:AABB:CCDD::/48` (RFC 3056): a 6to4 relay reaches the IPv4 host. */
  SIX_TO_FOUR: '6to4',
} as const;
export type Ipv4Embedding = (typeof Ipv4Embedding)[keyof typeof Ipv4Embedding];

/** One row of a range table: a block and either a category or an IPv4 embedding. */
export interface AddressRange {
  readonly block: Cidr;
  readonly cidr: string;
  readonly category?: AddressCategory;
  /** Bit offset (from the most significant bit) of the embedded 32-bit IPv4 address. */
  readonly embedded?: { readonly via: Ipv4Embedding; readonly offset: number };
}

type Row =
  | readonly [cidr: string, category: AddressCategory]
  | readonly [cidr: string, via: Ipv4Embedding, offset: number];

function table(rows: readonly Row[]): readonly AddressRange[] {
  return rows.map((row) =>
    row.length === 2
      ? { cidr: row[0], block: parseCidr(row[0]), category: row[1] }
      : { cidr: row[0], block: parseCidr(row[0]), embedded: { via: row[1], offset: row[2] } },
  );
}

const C = AddressCategory;
const E = Ipv4Embedding;

/**
 * IPv4 blocks that are refused, from the IANA special-purpose registry (RFC 6890 and
 * successors). First match wins, so narrower blocks precede the blocks that contain them.
 * Blocks the registry marks globally reachable (AS112, AMT) are left public on purpose.
 */
export const IPV4_RANGES: readonly AddressRange[] = table([
  ['255.255.255.255/32', C.BROADCAST],
  ['0.0.0.0/8', C.UNSPECIFIED],
  ['10.0.0.0/8', C.PRIVATE],
  ['100.64.0.0/10', C.CGNAT],
  ['127.0.0.0/8', C.LOOPBACK],
  // Includes 169.254.169.254, the metadata service of most clouds.
  ['169.254.0.0/16', C.LINK_LOCAL],
  ['172.16.0.0/12', C.PRIVATE],
  ['192.0.0.0/24', C.RESERVED],
  ['192.0.2.0/24', C.DOCUMENTATION],
  ['192.88.99.0/24', C.RESERVED],
  ['192.168.0.0/16', C.PRIVATE],
  ['198.18.0.0/15', C.BENCHMARK],
  ['198.51.100.0/24', C.DOCUMENTATION],
  ['203.0.113.0/24', C.DOCUMENTATION],
  ['224.0.0.0/4', C.MULTICAST],
  ['240.0.0.0/4', C.RESERVED],
]);

/**
 * IPv6 blocks, first match wins. Anything that matches no row and lies outside global
 * unicast (2000::/3) is reserved too, so unassigned space is refused by default.
 */
export const IPV6_RANGES: readonly AddressRange[] = table([
  ['::/128', C.UNSPECIFIED],
  ['::1/128', C.LOOPBACK],
  ['::ffff:0:0/96', E.MAPPED, 96],
  ['::/96', E.COMPATIBLE, 96],
  ['64:ff9b::/96', E.NAT64, 96],
  // Local-use NAT64 (RFC 8215) translates into the operator's own network.
  ['64:ff9b:1::/48', C.RESERVED],
  ['100::/64', C.RESERVED],
  ['2001:db8::/32', C.DOCUMENTATION],
  ['2001:2::/48', C.BENCHMARK],
  // IETF protocol assignments, Teredo (which can embed any IPv4 peer) among them.
  ['2001::/23', C.RESERVED],
  ['2002::/16', E.SIX_TO_FOUR, 16],
  ['3fff::/20', C.DOCUMENTATION],
  ['fc00::/7', C.UNIQUE_LOCAL],
  ['fe80::/10', C.LINK_LOCAL],
  ['fec0::/10', C.RESERVED],
  ['ff00::/8', C.MULTICAST],
]);

/** IPv6 global unicast: the only IPv6 space that may be public. */
export const IPV6_GLOBAL_UNICAST: Cidr = parseCidr('2000::/3');
