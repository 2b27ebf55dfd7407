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
        'Makes a create safe to retry: the same key with the same body returns the first response (with Idempotent-Replayed: true); with another body, 422. Remembered for 24 h (API_IDEMPOTENCY_TTL_MS) by every API replica',
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
    description: Type.String({ description: 'What the endpoint is for; empty when none was given' }),
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
    description: Type.Optional(
      Type.String({ maxLength: 500, description: 'What the endpoint is for: up to 500 visible characters' }),
    ),
  },
  { additionalProperties: false },
);
export type EndpointCreate = Static<typeof EndpointCreate>;

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

/** A payment's status, lower case as in the webhook body; `pending` until its first event. */
export const PaymentStatusSchema = Type.Union(
  [
    Type.Literal('pending'),
    Type.Literal('detected'),
    Type.Literal('confirmed'),
    Type.Literal('underpaid'),
    Type.Literal('overpaid'),
    Type.Literal('expired'),
    Type.Literal('reorged'),
  ],
  { description: 'The payment state: pending until its first event, then the state its latest event entered' },
);

export const PaymentHistoryEntry = Type.Object(
  {
    event_id: Type.String({ description: 'The payment event (the webhook body `id`)' }),
    sequence: Type.Integer({ description: "Position in the payment's history, from 1" }),
    status: PaymentStatusSchema,
    previous_status: Nullable(PaymentStatusSchema),
    amount_received: Type.String({ description: 'Integer base units received on the canonical chain then' }),
    tx_hashes: Type.Array(Type.String(), { description: 'Funding transactions on the canonical chain then' }),
    block_number: Nullable(Type.Integer({ description: 'Block of the latest funding transaction' })),
    block_hash: Nullable(Type.String()),
    confirmations: Type.Integer({ description: 'Confirmations of the latest funding transaction then' }),
    occurred_at: Timestamp('When the scanner observed the change'),
  },
  { additionalProperties: false, description: 'One state change, from payments.events' },
);

export const PaymentDetail = Type.Object(
  {
    ...Payment.properties,
    status: PaymentStatusSchema,
    amount_received: Type.String({ description: 'Integer base units received so far ("0" while pending)' }),
    history: Type.Array(PaymentHistoryEntry, { description: 'Every state change, by sequence' }),
  },
  { additionalProperties: false, description: 'A payment intent with its current state and its history' },
);
export type PaymentDetail = Static<typeof PaymentDetail>;

export const PaymentListItem = Type.Object(
  { ...Payment.properties, status: PaymentStatusSchema },
  { additionalProperties: false, description: 'A payment intent with its current state' },
);
export type PaymentListItem = Static<typeof PaymentListItem>;

const Cursor = Type.Optional(
  Type.String({ minLength: 1, maxLength: 256, description: '`next_cursor` of the previous page' }),
);
const Limit = Type.Optional(
  Type.String({ pattern: '^[1-9][0-9]*$', description: 'Objects per page, 1 to 250; default 50' }),
);
const NextCursor = Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last' }));

export const PaymentListQuery = Type.Object(
  {
    status: Type.Optional(PaymentStatusSchema),
    created_after: Type.Optional(Timestamp('Payments created at or after this time')),
    created_before: Type.Optional(Timestamp('Payments created before this time')),
    cursor: Cursor,
    limit: Limit,
  },
  { additionalProperties: false },
);

export const PaymentList = Type.Object(
  { data: Type.Array(PaymentListItem), next_cursor: NextCursor, done: Type.Boolean() },
  { additionalProperties: false },
);

export const DeliveryStatusSchema = Type.Union(
  [Type.Literal('delivered'), Type.Literal('retrying'), Type.Literal('failed')],
  {
    description:
      'delivered: an attempt got a 2xx; failed: in the DLQ (see failure_reason) and not delivered; retrying: otherwise',
  },
);

export const DeliveryListQuery = Type.Object(
  {
    endpoint_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    payment_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    status: Type.Optional(DeliveryStatusSchema),
    since: Type.Optional(Timestamp('Deliveries created at or after this time')),
    until: Type.Optional(Timestamp('Deliveries created before this time')),
    cursor: Cursor,
    limit: Limit,
  },
  { additionalProperties: false },
);

const deliveryFields = {
  delivery_id: Type.String({ description: 'Sent as webhook-id: the same on every attempt, replay and resend' }),
  endpoint_id: Type.String(),
  merchant_id: Type.String(),
  payment_id: Type.String(),
  event_id: Type.String(),
  event_type: Type.String({ examples: ['payment.confirmed'] }),
  status: DeliveryStatusSchema,
  failure_reason: Nullable(Type.String({ description: 'Why it is in the DLQ (e.g. retries_exhausted) while failed' })),
  attempt_count: Type.Integer({ description: 'Attempts logged: requests, and decisions taken without one' }),
  last_attempt_at: Nullable(Timestamp('When the latest attempt started')),
  next_attempt_at: Nullable(Timestamp('When the next attempt is due while retrying; null when none is scheduled')),
  replayed_at: Nullable(Timestamp('When an operator last re-published it (replay, resend, recover)')),
  created_at: Timestamp('When the delivery was created'),
};

export const Delivery = Type.Object(deliveryFields, {
  additionalProperties: false,
  description: 'One event to one endpoint',
});
export type Delivery = Static<typeof Delivery>;

export const DeliveryList = Type.Object(
  { data: Type.Array(Delivery), next_cursor: NextCursor, done: Type.Boolean() },
  { additionalProperties: false },
);

/** What an attempt came to, lower-case (the attempts log's outcome). */
export const AttemptOutcome = Type.Union(
  [
    Type.Literal('delivered'),
    Type.Literal('retry_scheduled'),
    Type.Literal('dead_lettered'),
    Type.Literal('endpoint_disabled'),
    Type.Literal('held'),
    Type.Literal('parked'),
  ],
  {
    description:
      'held: moved to a retry tier without a request; parked: sent to the DLQ without a request (reason says why)',
  },
);

export const DeliveryAttempt = Type.Object(
  {
    attempt: Type.Integer({
      description: 'The request number, from 1; for a decision taken without a request, the requests made before it',
    }),
    attempted_at: Timestamp('When the attempt started (or the decision was taken)'),
    tier: Type.String({ description: 'Where the record was read: dispatch, or a retry tier label' }),
    outcome: AttemptOutcome,
    status_code: Nullable(
      Type.Integer({ description: 'HTTP status; null when no response arrived or no request was made' }),
    ),
    duration_ms: Type.Integer(),
    error_class: Nullable(Type.String({ description: 'Stable error code, e.g. TIMEOUT or HTTP_5XX; null on success' })),
    error_message: Nullable(Type.String()),
    reason: Nullable(
      Type.String({ description: 'Why a held or parked decision was taken (e.g. circuit_open, retry_after)' }),
    ),
    replayed: Type.Boolean({ description: 'Whether the attempt belongs to a replayed delivery' }),
    replayed_at: Nullable(Timestamp('When the delivery was replayed')),
    next_attempt_at: Nullable(Timestamp('When the next attempt was due after this one')),
    response_excerpt: Nullable(
      Type.String({
        description:
          'The start of the response body (at most 512 bytes), as the endpoint answered; null when no body arrived or no request was made',
      }),
    ),
  },
  { additionalProperties: false },
);

export const DeliveryDetail = Type.Object(
  {
    ...deliveryFields,
    body: Type.String({ description: 'The exact JSON body that is signed and sent, as a string' }),
    attempts: Type.Array(DeliveryAttempt, { description: 'In the order they were made' }),
  },
  { additionalProperties: false, description: 'A delivery with its body and every attempt' },
);
export type DeliveryDetail = Static<typeof DeliveryDetail>;

export const DeliveryParams = Type.Object({ delivery_id: Type.String({ minLength: 1, maxLength: 128 }) });

export const ResendResult = Type.Object(
  {
    resend_id: Type.String({ description: 'rs_…: sent as the payhook-replay-id header' }),
    delivery_id: Type.String(),
    sent: Type.Integer({ description: 'Records re-published to webhooks.dispatch' }),
  },
  { additionalProperties: false },
);

export const EventTypeItem = Type.Object(
  {
    name: Type.String({ examples: ['payment.confirmed'] }),
    description: Type.String(),
    default_subscription: Type.Boolean({ description: 'Whether an endpoint that names no event types receives it' }),
    schema: Type.Object({}, { additionalProperties: true, description: 'The JSON Schema (2020-12) of the body' }),
  },
  { additionalProperties: false },
);

export const EventTypeList = Type.Object({ data: Type.Array(EventTypeItem) }, { additionalProperties: false });

export const RecoverBody = Type.Object(
  {
    since: Timestamp('Dead-lettered at or after this time'),
    until: Type.Optional(Timestamp('Dead-lettered before this time; default: now')),
    dry_run: Type.Optional(Type.Boolean({ description: 'Count what would be sent; write nothing. Default false' })),
  },
  { additionalProperties: false },
);
export type RecoverBody = Static<typeof RecoverBody>;

export const Job = Type.Object(
  {
    job_id: Type.String({ description: 'job_…: also the payhook-replay-id header of what it sends' }),
    kind: Type.Literal('recover'),
    endpoint_id: Type.String(),
    status: Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')]),
    dry_run: Type.Boolean(),
    since: Timestamp('Start of the window'),
    until: Nullable(Timestamp('End of the window; null: when the job started')),
    progress: Nullable(
      Type.Number({ minimum: 0, maximum: 1, description: 'Share of the DLQ window scanned; null before the scan' }),
    ),
    scanned: Type.Integer({ description: 'DLQ records read' }),
    matched: Type.Integer({ description: "The endpoint's deliveries in the window" }),
    sent: Type.Integer({ description: 'Re-published to webhooks.dispatch (0 on a dry run)' }),
    undecodable: Type.Integer({ description: 'Records that do not decode, skipped' }),
    error: Nullable(Type.String({ description: 'The kind of failure of a failed job' })),
    created_at: Timestamp('When the job was started'),
    finished_at: Nullable(Timestamp('When it ended')),
  },
  { additionalProperties: false, description: 'A background job of the API, shown by every replica' },
);
export type Job = Static<typeof Job>;

export const JobParams = Type.Object({ job_id: Type.String({ minLength: 1, maxLength: 128 }) });
