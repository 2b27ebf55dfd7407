import { AllowListError } from './errors.ts';
import { type Cidr, cidrContains, parseCidr, parseIp } from './ip.ts';

/**
 * Development exceptions to the delivery policy. A host on the list may be reached over
 * plain `http:` and is not subject to the address refusal; an address inside a listed
 * IP or CIDR block passes the address check whatever name led to it.
 */
export interface DevAllowList {
  /** The entries as configured, for logging at start-up. */
  readonly entries: readonly string[];
  /** Whether a URL host (a name, or an IP literal without brackets) is listed. */
  hasHost(host: string): boolean;
  /** Whether a resolved IP address lies inside a listed IP or CIDR block. */
  hasAddress(address: string): boolean;
}

// Letters, digits, hyphens and underscores in dot-separated labels: what a URL parser
// leaves of a host name. Anything else is more likely a typo than a host.
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * Parses allow-list entries: host names (`localhost`), IP addresses (`127.0.0.1`, `::1`)
 * and CIDR blocks (`10.0.0.0/8`, `fd00::/8`). Names compare case-insensitively and
 * without a trailing dot.
 *
 * @throws AllowListError for an entry that is none of these.
 */
export function createDevAllowList(entries: readonly string[]): DevAllowList {
  const names = new Set<string>();
  const blocks: Cidr[] = [];
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    const bare = entry.startsWith('[') && entry.endsWith(']') ? entry.slice(1, -1) : entry;
    if (parseIp(bare.split('/')[0] ?? '') !== undefined) {
      try {
        blocks.push(parseCidr(bare));
      } catch (error) {
        throw new AllowListError(raw, error);
      }
    } else if (HOST_NAME.test(normalizeName(entry))) {
      names.add(normalizeName(entry));
    } else {
      throw new AllowListError(raw);
    }
  }
  const hasAddress = (address: string): boolean => {
    const ip = parseIp(address);
    return ip !== undefined && blocks.some((block) => cidrContains(block, ip));
  };
  return {
    entries: [...entries],
    hasAddress,
    hasHost: (host) => {
      const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
      return parseIp(bare) === undefined ? names.has(normalizeName(bare)) : hasAddress(bare);
    },
  };
}

/** The empty allow-list: production. */
export const EMPTY_ALLOW_LIST: DevAllowList = createDevAllowList([]);

function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
