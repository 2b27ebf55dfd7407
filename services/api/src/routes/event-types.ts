import { Type } from 'typebox';
import type { EventTypeSchema } from '../event-type-schemas.ts';
import { commonProblems, EventTypeList, problemResponse } from '../schemas.ts';
import type { ApiServer } from '../server.ts';

/** `GET /v1/event-types`. */
export function registerEventTypeRoutes(
  app: ApiServer,
  deps: { readonly eventTypes: readonly EventTypeSchema[] },
): void {
  const body = {
    data: deps.eventTypes.map((t) => ({
      name: t.name,
      description: t.description,
      default_subscription: t.defaultSubscription,
      schema: t.schema,
    })),
  };
  app.get(
    '/v1/event-types',
    {
      schema: {
        operationId: 'listEventTypes',
        tags: ['event-types'],
        summary: 'List event types with the JSON Schema of their bodies',
        description:
          'Every type an endpoint can subscribe to, with the JSON Schema (2020-12) of the webhook body, generated from the PaymentEvent contract and the body the dispatcher sends; and webhook.test, which no endpoint subscribes to: POST /v1/endpoints/{endpoint_id}/test sends it.',
        security: [{ bearer: [] }],
        querystring: Type.Object({}, { additionalProperties: false }),
        response: {
          200: { ...EventTypeList, description: 'Every event type' },
          422: problemResponse('A query parameter was given: there are none'),
          ...commonProblems,
        },
      },
    },
    async () => body,
  );
}
