import { classifyAddress } from './address-policy.ts';
import { type DevAllowList, EMPTY_ALLOW_LIST } from './allow-list.ts';
import { type EndpointRefusalCode, EndpointRefusedError, HttpDeliveryErrorCode } from './errors.ts';

/** An endpoint URL that passed {@link parseEndpointUrl}. */
export interface EndpointUrl {
  readonly url: URL;
  /** The host to resolve: a name, or an IP literal without brackets. */
  readonly host: string;
  /** Whether {@link EndpointUrl.host} is an IP literal (no DNS involved). */
  readonly ipLiteral: boolean;
  /** Whether the host is on the development allow-list. */
  readonly allowListed: boolean;
}

const SCHEMES: ReadonlySet<string> = new Set(['https:', 'http:']);

/**
 * Validates an endpoint URL without touching the network: it must parse, use `https:`
 * (or `http:` for an allow-listed host), carry no credentials, and must not name a
 * refused IP literal or a `localhost` name. Host names are checked again once resolved,
 * at connection time. Run at registration and before every send.
 *
 * @throws EndpointRefusedError with one of the `URL_*` codes or `ADDRESS_REFUSED`.
 */
export function parseEndpointUrl(raw: string | URL, allowList: DevAllowList = EMPTY_ALLOW_LIST): EndpointUrl {
  const url = URL.parse(String(raw));
  if (url === null) throw refused(HttpDeliveryErrorCode.URL_INVALID, 'endpoint URL does not parse');
  // Schemes are reported by name only: the rest of an unknown URL may be anything.
  if (!SCHEMES.has(url.protocol)) {
    throw refused(HttpDeliveryErrorCode.URL_SCHEME, `endpoint URL scheme ${url.protocol} is not http: or https:`);
  }
  if (url.username !== '' || url.password !== '') {
    throw refused(HttpDeliveryErrorCode.URL_CREDENTIALS, 'endpoint URL must not contain a user name or password');
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') throw refused(HttpDeliveryErrorCode.URL_INVALID, 'endpoint URL has no host');
  // The URL parser rejects ports above 65535 but keeps 0, which nothing can connect to.
  if (url.port === '0') throw refused(HttpDeliveryErrorCode.URL_INVALID, 'endpoint URL port 0 cannot be connected to');
  const allowListed = allowList.hasHost(host);
  if (url.protocol === 'http:' && !allowListed) {
    throw refused(HttpDeliveryErrorCode.URL_HTTPS_REQUIRED, `endpoint ${host} must use https:`);
  }
  const verdict = classifyAddress(host);
  if (!allowListed && verdict !== undefined && !verdict.allowed) {
    throw new EndpointRefusedError(
      HttpDeliveryErrorCode.ADDRESS_REFUSED,
      `endpoint address ${host} is refused (${verdict.category})`,
      [verdict],
    );
  }
  if (!allowListed && verdict === undefined && isLocalhostName(host)) {
    // RFC 6761: these names are loopback by definition, whatever a resolver says.
    throw refused(HttpDeliveryErrorCode.ADDRESS_REFUSED, `endpoint host ${host} is loopback`);
  }
  return { url, host, ipLiteral: verdict !== undefined, allowListed };
}

function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

function refused(code: EndpointRefusalCode, message: string): EndpointRefusedError {
  return new EndpointRefusedError(code, message);
}
