import { type AddressClassification, classifyAddress } from './address-policy.ts';
import type { DevAllowList } from './allow-list.ts';
import { DnsLookupError, EndpointRefusedError, HttpDeliveryErrorCode } from './errors.ts';
import { parseIp } from './ip.ts';
import type { Resolve, ResolvedAddress } from './resolver.ts';

/** What {@link resolveCheckedAddresses} needs. */
export interface CheckedAddressesOptions {
  readonly resolve: Resolve;
  readonly allowList: DevAllowList;
}

/**
 * Resolves `host` once and checks every address against the policy: if any address is
 * refused the whole answer is, because which one a connection would use is up to the
 * caller (and an attacker controls the order). IP literals are checked without a lookup.
 * The returned addresses are the only ones a connection may then use.
 *
 * @throws DnsLookupError when the name does not resolve.
 * @throws EndpointRefusedError (`ADDRESS_REFUSED`) when an address is refused.
 */
export async function resolveCheckedAddresses(
  host: string,
  options: CheckedAddressesOptions,
): Promise<readonly ResolvedAddress[]> {
  const literal = parseIp(host);
  const addresses =
    literal === undefined ? await lookup(host, options.resolve) : [{ address: host, family: literal.family }];
  if (options.allowList.hasHost(host)) return addresses;
  const refused: AddressClassification[] = [];
  for (const { address } of addresses) {
    if (options.allowList.hasAddress(address)) continue;
    const verdict = classifyAddress(address);
    if (verdict === undefined) throw new DnsLookupError(host, { lookupCode: 'EBADRESP' });
    if (!verdict.allowed) refused.push(verdict);
  }
  if (refused.length > 0) {
    const list = refused.map((v) => `${v.address} (${v.category})`).join(', ');
    throw new EndpointRefusedError(
      HttpDeliveryErrorCode.ADDRESS_REFUSED,
      `${host} resolves to refused ${list}`,
      refused,
    );
  }
  return addresses;
}

async function lookup(host: string, resolve: Resolve): Promise<readonly ResolvedAddress[]> {
  let answers: readonly ResolvedAddress[];
  try {
    answers = await resolve(host);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    throw new DnsLookupError(host, { cause: error, ...(typeof code === 'string' ? { lookupCode: code } : {}) });
  }
  if (answers.length === 0) throw new DnsLookupError(host, { lookupCode: 'ENODATA' });
  return answers;
}
