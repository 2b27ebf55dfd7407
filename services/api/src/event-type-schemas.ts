import { webhookBody } from '@payhook/confirmation-filter';
import {
  type AvroSchema,
  DEFAULT_EVENT_TYPES,
  EVENT_TYPE_BY_STATUS,
  EVENT_TYPES,
  type EventType,
  loadSchemas,
  type PaymentEvent,
  type PaymentStatus,
  TEST_EVENT_TYPE,
  type TestEventType,
} from '@payhook/contracts';
import { testEventSchema } from './test-event.ts';

/** A JSON Schema document (2020-12). */
export type JsonSchema = Record<string, unknown>;

/** One event type with the JSON Schema of the body its webhooks carry. */
export interface EventTypeSchema {
  readonly name: EventType | TestEventType;
  readonly description: string;
  readonly defaultSubscription: boolean;
  readonly schema: JsonSchema;
}

/** Body fields that carry an event field under another name. */
const RENAMED: Readonly<Record<string, string>> = { id: 'event_id', created_at: 'occurred_at' };

/**
 * The event types with the JSON Schema of their bodies, generated: the fields are those the
 * dispatcher's body builder (`webhookBody`) writes, each typed and described from the
 * PaymentEvent contract (`schemas/payment-event.avsc`), enums in the lower case the body uses.
 * @throws Error when the body has a field the contract does not describe
 */
export function eventTypeSchemas(schemas: Record<string, AvroSchema> = loadSchemas()): EventTypeSchema[] {
  const contract = schemas.PAYMENT_EVENT as { fields: AvroField[] };
  const field = (name: string): AvroField => {
    const found = contract.fields.find((f) => f.name === name);
    if (found === undefined) throw new Error(`the webhook body's ${name} is not a PaymentEvent field`);
    return found;
  };
  const statusByType = new Map<string, PaymentStatus>();
  for (const [status, type] of Object.entries(EVENT_TYPE_BY_STATUS)) {
    if (type !== null) statusByType.set(type, status as PaymentStatus);
  }
  const payments = EVENT_TYPES.map((name): EventTypeSchema => {
    const status = statusByType.get(name) as PaymentStatus;
    const sample = JSON.parse(webhookBody(sampleEvent(status), name)) as Record<string, unknown> & {
      data: Record<string, unknown>;
    };
    const data: Record<string, JsonSchema> = {};
    for (const key of Object.keys(sample.data)) data[key] = describe(field(key));
    data.status = { ...data.status, const: status.toLowerCase() };
    const top: Record<string, JsonSchema> = {};
    for (const key of Object.keys(sample)) {
      if (key === 'type') top.type = { const: name, description: 'The event type' };
      else if (key === 'data') {
        top.data = {
          type: 'object',
          description: "The payment's full state after the change",
          properties: data,
          required: Object.keys(data),
          additionalProperties: false,
        };
      } else top[key] = describe(field(RENAMED[key] ?? key));
    }
    return {
      name,
      description: `Sent when a payment enters ${status.toLowerCase()}`,
      defaultSubscription: DEFAULT_EVENT_TYPES.includes(name),
      schema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        title: name,
        type: 'object',
        properties: top,
        required: Object.keys(top),
        additionalProperties: false,
      },
    };
  });
  return [
    ...payments,
    {
      name: TEST_EVENT_TYPE,
      description:
        'Sent to one endpoint when its owner asks for a test (POST /v1/endpoints/{endpoint_id}/test); not a subscription',
      defaultSubscription: false,
      schema: testEventSchema(),
    },
  ];
}

interface AvroField {
  readonly name: string;
  readonly doc?: string;
  readonly type: unknown;
}

function describe(f: AvroField): JsonSchema {
  const schema = fromAvro(f.type);
  return f.doc === undefined ? schema : { ...schema, description: f.doc };
}

/** An Avro type as JSON Schema, as the webhook body writes it (enums lower case, timestamps ISO 8601). */
function fromAvro(type: unknown): JsonSchema {
  if (Array.isArray(type)) {
    const branches = type.map(fromAvro);
    return branches.length === 1 ? (branches[0] as JsonSchema) : { anyOf: branches };
  }
  if (typeof type === 'string') {
    switch (type) {
      case 'null':
        return { type: 'null' };
      case 'string':
        return { type: 'string' };
      case 'int':
      case 'long':
        return { type: 'integer' };
      case 'boolean':
        return { type: 'boolean' };
      case 'float':
      case 'double':
        return { type: 'number' };
      default:
        // A named type defined earlier in the contract (the payment status of previous_status).
        return { type: 'string', enum: namedEnums.get(type) ?? [] };
    }
  }
  const t = type as { type: string; logicalType?: string; symbols?: string[]; items?: unknown; name?: string };
  if (t.logicalType === 'timestamp-millis') return { type: 'string', format: 'date-time' };
  if (t.type === 'enum') {
    const symbols = (t.symbols ?? []).map((s) => s.toLowerCase());
    if (t.name !== undefined) {
      namedEnums.set(t.name, symbols);
      namedEnums.set(`io.payhook.${t.name}`, symbols);
    }
    return { type: 'string', enum: symbols };
  }
  if (t.type === 'array') return { type: 'array', items: fromAvro(t.items) };
  if (t.type === 'record') {
    const fields = (type as { fields: AvroField[] }).fields;
    return {
      type: 'object',
      properties: Object.fromEntries(fields.map((f) => [f.name, describe(f)])),
      required: fields.map((f) => f.name),
      additionalProperties: false,
    };
  }
  return fromAvro(t.type);
}

/** Enums by name, met while converting (Avro refers to a named type by its name after its definition). */
const namedEnums = new Map<string, string[]>();

/** An event with every field set, for the body builder to show which fields a body has. */
function sampleEvent(status: PaymentStatus): PaymentEvent {
  return {
    event_id: 'evt_sample',
    payment_id: 'pay_sample',
    merchant_id: 'mer_sample',
    sequence: 1,
    status,
    previous_status: null,
    chain_id: 1,
    address: '0x0000000000000000000000000000000000000000',
    asset: { kind: 'NATIVE', token_address: null, symbol: 'ETH', decimals: 18 },
    amount_expected: '1',
    amount_received: '1',
    tx_hashes: [],
    block_number: null,
    block_hash: null,
    confirmations: 0,
    occurred_at: 0,
    funding: [],
  };
}
