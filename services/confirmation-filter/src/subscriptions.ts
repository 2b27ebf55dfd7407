import type { Endpoint, EventType } from '@payhook/contracts';

/**
 * Which endpoints receive an event: enabled endpoints of the payment's merchant that
 * subscribe to its type. Indexed by merchant, rebuilt lazily after an endpoint changes.
 */
export class Subscriptions {
  readonly #all: () => Iterable<Endpoint>;
  #byMerchant: Map<string, Endpoint[]> | undefined;

  constructor(all: () => Iterable<Endpoint>) {
    this.#all = all;
  }

  /** Call when any endpoint changed. */
  invalidate(): void {
    this.#byMerchant = undefined;
  }

  /** The endpoints that receive `type` for `merchantId`, ordered by endpoint id. */
  recipients(merchantId: string, type: EventType): Endpoint[] {
    this.#byMerchant ??= this.#index();
    return (this.#byMerchant.get(merchantId) ?? []).filter((e) => e.enabled && e.event_types.includes(type));
  }

  #index(): Map<string, Endpoint[]> {
    const index = new Map<string, Endpoint[]>();
    for (const endpoint of this.#all()) {
      const list = index.get(endpoint.merchant_id) ?? [];
      list.push(endpoint);
      index.set(endpoint.merchant_id, list);
    }
    for (const list of index.values()) list.sort((a, b) => a.endpoint_id.localeCompare(b.endpoint_id));
    return index;
  }
}
