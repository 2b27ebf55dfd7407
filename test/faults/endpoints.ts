// The endpoints the fault suites subscribe: two paths on one receiver (`/shop` and `/audit`),
// each with a secret of its own, both for `payment.confirmed`.
import type { Endpoint } from '@payhook/contracts';
import { generateSecret } from '@payhook/signing';

/** What a receiver of the fault suites offers: its address and a path per endpoint. */
interface EndpointHost {
  readonly baseUrl: string;
  /** Registers an endpoint path and the secret its webhooks are signed with. */
  endpoint(path: string, secret: string): void;
}

/** Registers `/shop` and `/audit` on `host` and returns their records (ids `ep_<suite>_shop`…). */
export function faultSuiteEndpoints(host: EndpointHost, suite: string): Endpoint[] {
  return ['/shop', '/audit'].map((path) => {
    const secret = generateSecret();
    host.endpoint(path, secret);
    return {
      endpoint_id: `ep_${suite}${path.replace('/', '_')}`,
      merchant_id: `mer_${suite}`,
      url: `${host.baseUrl}${path}`,
      secrets: [{ secret, active_from: Date.now() - 60_000, expires_at: null }],
      event_types: ['payment.confirmed'],
      rate_limit_per_second: null,
      timeout_ms: 3_000,
      enabled: true,
      disabled_reason: null,
      deleted_at: null,
      description: '',
      updated_at: Date.now(),
    };
  });
}
