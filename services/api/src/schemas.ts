// The request and response shapes of /v1: the single source of the route types, the validation
// and the OpenAPI document. Names after Svix's API (snake_case, `iterator` pagination).
import { type Static, Type } from 'typebox';

const Id = (description: string) =>
  Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$', description, examples: ['mer_01'] });
const Timestamp = (description: string) => Type.String({ format: 'date-time', description });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/** A problem document's reference, with the response's description. */
export const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Type.Ref('Problem') } },
});

/** The problems every authenticated route may answer with. */
export const commonProblems = {
  401: problemResponse('No API key, or one that is malformed, unknown or revoked'),
  429: problemResponse('Too many requests for this API key: wait for Retry-After seconds'),
} as const;

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description:
        'Makes a create safe to retry: the same key with the same body returns the first response (with Idempotent-Replayed: true); with another body, 422. Remembered for 24 h by the API process that answered',
    }),
  ),
});

export const Asset = Type.Object(
  {
    kind: Type.Union([Type.Literal('native'), Type.Literal('erc20')]),
    token_address: Nullable(Type.String({ description: 'The ERC-20 contract; null for the native coin' })),
    symbol: Type.String(),
    decimals: Type.Integer(),
  },
  { additionalProperties: false },
);

export const Payment = Type.Object(
  {
    payment_id: Type.String(),
    merchant_id: Type.String(),
    chain_id: Type.Integer({ description: 'EIP-155 chain id' }),
    deposit_address: Type.String({ description: 'EIP-55 checksummed' }),
    asset: Asset,
    amount_expected: Type.String({ description: 'Integer base units (wei for ETH), as a decimal string' }),
    required_confirmations: Type.Integer(),
    expires_at: Timestamp('When an unfunded payment expires'),
    created_at: Timestamp('When the payment intent was created'),
  },
  { additionalProperties: false, description: 'A payment intent: what the scanner watches a deposit address for' },
);
export type Payment = Static<typeof Payment>;

export const PaymentCreate = Type.Object(
  {
    merchant_id: Type.Optional(Id('Required with an operator key; a merchant key may give only its own merchant')),
    chain_id: Type.Integer({ description: 'EIP-155 id of a known chain, e.g. 1, 8453 or 31337' }),
    deposit_address: Type.String({ description: 'Checksummed or all-lowercase; unique across payments' }),
    amount_expected: Type.String({ description: 'Integer base units, above zero, up to uint256' }),
    token: Type.Optional(
      Type.Object(
        {
          address: Type.String({ description: 'ERC-20 contract address' }),
          decimals: Type.Integer({ description: '0 to 255' }),
          symbol: Type.String({ description: '1 to 32 visible characters' }),
        },
        { additionalProperties: false, description: "An ERC-20 token; the chain's native coin when absent" },
      ),
    ),
    required_confirmations: Type.Optional(Type.Integer({ description: "1 to 10000; default: the chain's" })),
    expires_in: Type.Optional(Type.String({ description: 'A duration from 1s to 365d, e.g. 30m; default 1h' })),
    payment_id: Type.Optional(Id('Default: a random pay_… id; refused when taken')),
  },
  { additionalProperties: false },
);
export type PaymentCreate = Static<typeof PaymentCreate>;

export const Endpoint = Type.Object(
  {
    endpoint_id: Type.String(),
    merchant_id: Type.String(),
    url: Type.String(),
    event_types: Type.Array(Type.String()),
    enabled: Type.Boolean(),
    disabled_reason: Nullable(Type.String()),
    rate_limit_per_second: Nullable(Type.Number({ description: "null: the dispatcher's default" })),
    timeout_ms: Nullable(Type.Integer({ description: "null: the dispatcher's default" })),
    updated_at: Timestamp('When this version of the endpoint was written'),
  },
  {
    additionalProperties: false,
    description: "A merchant's webhook endpoint; its signing secret is never shown again",
  },
);
export type Endpoint = Static<typeof Endpoint>;

export const EndpointCreated = Type.Object(
  {
    ...Endpoint.properties,
    secret: Type.String({ description: 'The signing secret (whsec_…): shown in this response only' }),
  },
  { additionalProperties: false },
);
export type EndpointCreated = Static<typeof EndpointCreated>;

export const EndpointCreate = Type.Object(
  {
    merchant_id: Type.Optional(Id('Required with an operator key; a merchant key may give only its own merchant')),
    url: Type.String({ description: 'https (http only for hosts on the development allow-list)', maxLength: 2048 }),
    event_types: Type.Optional(Type.Array(Type.String(), { description: 'Default: ["payment.confirmed"]' })),
    rate_limit_per_second: Type.Optional(Type.Number({ description: 'Above 0, at most 10000' })),
    timeout_ms: Type.Optional(Type.Integer({ description: '100 to 300000' })),
    endpoint_id: Type.Optional(Id('Default: a random ep_… id; refused when taken')),
  },
  { additionalProperties: false },
);
export type EndpointCreate = Static<typeof EndpointCreate>;

export const EndpointList = Type.Object(
  {
    data: Type.Array(Endpoint),
    iterator: Nullable(Type.String({ description: 'Pass as `iterator` for the next page; null on the last' })),
    done: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const ListQuery = Type.Object(
  {
    // A string: query values are not coerced (bodies must not be either).
    limit: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]*$', description: 'Objects per page, 1 to 250; default 50' }),
    ),
    iterator: Type.Optional(Type.String({ maxLength: 128, description: 'From the previous page' })),
  },
  { additionalProperties: false },
);

export const PaymentParams = Type.Object({ payment_id: Type.String({ minLength: 1, maxLength: 128 }) });
export const EndpointParams = Type.Object({ endpoint_id: Type.String({ minLength: 1, maxLength: 128 }) });
