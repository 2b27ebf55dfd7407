// The request and response shapes of the endpoint changes: PATCH, DELETE, rotate-secret, test.
import { TEST_EVENT_TYPE } from '@payhook/contracts';
import { type Static, Type } from 'typebox';

export const EndpointPatch = Type.Object(
  {
    url: Type.Optional(
      Type.String({
        maxLength: 2048,
        description: 'https (http only for hosts on the development allow-list); checked as at creation',
      }),
    ),
    event_types: Type.Optional(Type.Array(Type.String(), { description: 'Replaces the subscribed event types' })),
    rate_limit_per_second: Type.Optional(
      Type.Union([Type.Number(), Type.Null()], {
        description: "Above 0, at most 10000; null: the dispatcher's default",
      }),
    ),
    timeout_ms: Type.Optional(
      Type.Union([Type.Integer(), Type.Null()], { description: "100 to 300000; null: the dispatcher's default" }),
    ),
    description: Type.Optional(
      Type.String({ maxLength: 500, description: 'What the endpoint is for: up to 500 visible characters' }),
    ),
    enabled: Type.Optional(
      Type.Boolean({ description: 'false stops deliveries (they are parked as endpoint_disabled); true resumes them' }),
    ),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'The fields to change; the others keep their values. At least one.',
  },
);
export type EndpointPatch = Static<typeof EndpointPatch>;

export const SecretRotationBody = Type.Object(
  {
    overlap: Type.Optional(
      Type.String({
        maxLength: 32,
        description: 'How long the older secrets keep signing, 0s to 30d, e.g. 1h; default 24h',
        examples: ['24h'],
      }),
    ),
  },
  { additionalProperties: false },
);
export type SecretRotationBody = Static<typeof SecretRotationBody>;

export const SecretRotated = Type.Object(
  {
    endpoint_id: Type.String(),
    secret: Type.String({ description: 'The new signing secret (whsec_…): shown in this response only' }),
    previous_secrets_expire_at: Type.String({
      format: 'date-time',
      description: 'Until then every delivery is signed with the older secrets too',
    }),
  },
  { additionalProperties: false },
);
export type SecretRotated = Static<typeof SecretRotated>;

export const TestSent = Type.Object(
  {
    delivery_id: Type.String({ description: 'Sent as webhook-id; follow it with GET /v1/deliveries/{delivery_id}' }),
    event_id: Type.String({ description: 'The test event (evt_test_…): the body `id`' }),
    event_type: Type.Literal(TEST_EVENT_TYPE),
    endpoint_id: Type.String(),
  },
  { additionalProperties: false },
);
export type TestSent = Static<typeof TestSent>;
