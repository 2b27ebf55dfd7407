import type { Endpoint, EventType, PaymentEvent, WebhookDelivery } from '@payhook/contracts';
import { deliveryId, webhookBody } from './webhook-body.ts';

/**
 * The delivery records of one payment event: one per recipient, in the recipients' order,
 * all carrying the same body. The delivery id derives from the event and the endpoint, so
 * building them again (a replay from the events topic) gives the same ids.
 */
export function deliveriesFor(
  event: PaymentEvent,
  type: EventType,
  recipients: readonly Endpoint[],
): WebhookDelivery[] {
  if (recipients.length === 0) return [];
  const body = webhookBody(event, type);
  return recipients.map((endpoint) => ({
    delivery_id: deliveryId(event.event_id, endpoint.endpoint_id),
    event_id: event.event_id,
    event_type: type,
    endpoint_id: endpoint.endpoint_id,
    merchant_id: event.merchant_id,
    payment_id: event.payment_id,
    body,
    created_at: event.occurred_at,
  }));
}
