import type { EventType, WebhookDelivery } from '@payhook/contracts';
import { inWindow, type TimeWindow } from './offset-ranges.ts';

/** Which records a replay selects; every filter that is set must match. */
export interface ReplayFilter {
  readonly endpointId?: string | undefined;
  readonly eventTypes?: readonly EventType[] | undefined;
  readonly paymentId?: string | undefined;
  readonly deliveryId?: string | undefined;
  /** By the time records were written to the source topic. */
  readonly window: TimeWindow;
}

/** Whether a delivery written at `timestampMs` passes every filter that is set. */
export function matchesDelivery(filter: ReplayFilter, delivery: WebhookDelivery, timestampMs: number): boolean {
  return (
    (filter.endpointId === undefined || delivery.endpoint_id === filter.endpointId) &&
    (filter.paymentId === undefined || delivery.payment_id === filter.paymentId) &&
    (filter.deliveryId === undefined || delivery.delivery_id === filter.deliveryId) &&
    (filter.eventTypes === undefined || (filter.eventTypes as readonly string[]).includes(delivery.event_type)) &&
    inWindow(filter.window, timestampMs)
  );
}
