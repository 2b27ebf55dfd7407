import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AvroSchema,
  createContractCodec,
  createRegistryClient,
  loadSchemas,
  valueSubject,
} from '@payhook/contracts';
import { sampleValues, testEnvironment, uniqueName } from '@payhook/testkit';

const registry = createRegistryClient(testEnvironment.schemaRegistryUrl);
const schemas = loadSchemas();

function withField(schema: AvroSchema, field: Record<string, unknown>): AvroSchema {
  return { ...schema, fields: [...(schema.fields as unknown[]), field] };
}

describe('schema evolution is held to BACKWARD compatibility by the registry', () => {
  it('registers a compatible change: a new optional field with a default', async () => {
    const subject = valueSubject(uniqueName('evolve'));
    await registry.setCompatibility(subject);
    const v1 = await registry.register(subject, schemas.WEBHOOK_DELIVERY);
    const v2Schema = withField(schemas.WEBHOOK_DELIVERY, { name: 'trace_id', type: ['null', 'string'], default: null });
    assert.equal(await registry.isCompatible(subject, v2Schema), true);
    const v2 = await registry.register(subject, v2Schema);
    assert.notEqual(v1, v2);
  });

  it('refuses an incompatible change: a new field without a default', async () => {
    const subject = valueSubject(uniqueName('evolve'));
    await registry.setCompatibility(subject);
    await registry.register(subject, schemas.WEBHOOK_DELIVERY);
    const broken = withField(schemas.WEBHOOK_DELIVERY, { name: 'tenant', type: 'string' });
    assert.equal(await registry.isCompatible(subject, broken), false);
    await assert.rejects(registry.register(subject, broken), { code: 'CONTRACT_SCHEMA_INCOMPATIBLE' });
  });

  it('a newer reader decodes records written with the older schema (resolution by schema id)', async () => {
    const topic = uniqueName('evolve');
    const subject = valueSubject(topic);
    await registry.setCompatibility(subject);
    await registry.register(subject, schemas.WEBHOOK_DELIVERY);
    const oldCodec = createContractCodec(registry, schemas);
    const bytes = await oldCodec.encode(topic, 'WEBHOOK_DELIVERY', sampleValues.WEBHOOK_DELIVERY);

    const newer = {
      ...schemas,
      WEBHOOK_DELIVERY: withField(schemas.WEBHOOK_DELIVERY, {
        name: 'trace_id',
        type: ['null', 'string'],
        default: null,
      }),
    };
    await registry.register(subject, newer.WEBHOOK_DELIVERY);
    const decoded = await createContractCodec(registry, newer).decode('WEBHOOK_DELIVERY', bytes);
    assert.deepEqual(structuredClone(decoded), { ...sampleValues.WEBHOOK_DELIVERY, trace_id: null });
  });

  it('registering the same schema twice is idempotent (same id)', async () => {
    const subject = valueSubject(uniqueName('evolve'));
    await registry.setCompatibility(subject);
    const first = await registry.register(subject, schemas.ENDPOINT);
    assert.equal(await registry.register(subject, schemas.ENDPOINT), first);
    assert.equal(await registry.idOf(subject, schemas.ENDPOINT), first);
  });
});
