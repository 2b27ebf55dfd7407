import { randomBytes } from 'node:crypto';
import { type Endpoint, TEST_EVENT_TYPE, type TestEventType, type WebhookDelivery } from '@payhook/contracts';
import type { JsonSchema } from './event-type-schemas.ts';

/** The body a `webhook.test` delivery carries. */
export interface TestWebhookBody {
  readonly type: TestEventType;
  /** The test event's id (`evt_test_…`): a new one per request. */
  readonly id: string;
  readonly created_at: string;
  readonly data: {
    readonly endpoint_id: string;
    readonly merchant_id: string;
    readonly message: string;
  };
}

const MESSAGE = 'A test event sent on request: payhook can reach and sign for this endpoint.';

/**
 * A delivery record of a new test event to `endpoint`: keyed and shaped like the confirmation
 * filter's records, so the dispatcher signs, sends, retries and logs it like any other.
 */
export function testDelivery(endpoint: Endpoint, nowMs: number): WebhookDelivery {
  const eventId = `evt_test_${randomBytes(12).toString('hex')}`;
  const body: TestWebhookBody = {
    type: TEST_EVENT_TYPE,
    id: eventId,
    created_at: new Date(nowMs).toISOString(),
    data: { endpoint_id: endpoint.endpoint_id, merchant_id: endpoint.merchant_id, message: MESSAGE },
  };
  return {
    // The shape of the filter's ids (msg_ and 26 hex digits), random: every test is a new delivery.
    delivery_id: `msg_${randomBytes(13).toString('hex')}`,
    event_id: eventId,
    event_type: TEST_EVENT_TYPE,
    endpoint_id: endpoint.endpoint_id,
    merchant_id: endpoint.merchant_id,
    payment_id: '',
    body: JSON.stringify(body),
    created_at: nowMs,
  };
}

/** The JSON Schema (2020-12) of a `webhook.test` body, for `GET /v1/event-types`. */
export function testEventSchema(): JsonSchema {
  const text = (description: string) => ({ type: 'string', description });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: TEST_EVENT_TYPE,
    type: 'object',
    properties: {
      type: { const: TEST_EVENT_TYPE, description: 'The event type' },
      id: text('The test event id (evt_test_…), new for every test'),
      created_at: { type: 'string', format: 'date-time', description: 'When the test was asked for' },
      data: {
        type: 'object',
        description: 'Which endpoint the test was sent to',
        properties: {
          endpoint_id: text('The endpoint tested'),
          merchant_id: text('Its merchant'),
          message: text('A fixed sentence saying what this is'),
        },
        required: ['endpoint_id', 'merchant_id', 'message'],
        additionalProperties: false,
      },
    },
    required: ['type', 'id', 'created_at', 'data'],
    additionalProperties: false,
  };
}
