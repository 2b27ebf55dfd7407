import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Contract,
  type ContractKey,
  createContractCodec,
  createRegistryClient,
  loadSchemas,
  valueSubject,
} from '@payhook/contracts';
import { createIdempotentProducer } from '@payhook/kafka';
import { readRecords, sampleValues, scratchTopics, testEnvironment, testKafka } from '@payhook/testkit';

const schemas = loadSchemas();
const registry = createRegistryClient(testEnvironment.schemaRegistryUrl);
const codec = createContractCodec(registry, schemas);
const kafka = testKafka();
const admin = kafka.admin();
const contracts = Object.keys(Contract) as ContractKey[];
let topics: Awaited<ReturnType<typeof scratchTopics>>;

describe('every contract round-trips through the registry and the broker', () => {
  before(async () => {
    await admin.connect();
    topics = await scratchTopics(admin, 'roundtrip', contracts.length, 1);
  });
  after(async () => {
    await topics.drop();
    await admin.disconnect();
  });

  for (const [index, contract] of contracts.entries()) {
    it(`${Contract[contract].name}: encode, produce, consume, decode gives the same value`, async () => {
      const topic = topics.names[index] as string;
      const subject = valueSubject(topic);
      await registry.setCompatibility(subject);
      const id = await registry.register(subject, schemas[contract]);

      const value = sampleValues[contract];
      const bytes = await codec.encode(topic, contract, value);
      assert.equal(bytes[0], 0, 'magic byte');
      assert.equal(bytes.readInt32BE(1), id, 'schema id from the registry');

      const producer = createIdempotentProducer(kafka);
      await producer.connect();
      await producer.send({ topic, messages: [{ key: 'k', value: bytes }] });
      await producer.disconnect();

      const [record] = await readRecords(kafka, topic, 1);
      assert.ok(record);
      assert.deepEqual(record.message.value, bytes);
      assert.deepEqual(structuredClone(await codec.decode(contract, record.message.value)), value);
    });
  }

  it('nullable fields round-trip as null', async () => {
    const topic = topics.names[contracts.indexOf('PAYMENT_EVENT')] as string;
    const value = {
      ...sampleValues.PAYMENT_EVENT,
      previous_status: null,
      block_number: null,
      block_hash: null,
      tx_hashes: [],
    };
    const decoded = await codec.decode('PAYMENT_EVENT', await codec.encode(topic, 'PAYMENT_EVENT', value));
    assert.deepEqual(structuredClone(decoded), value);
  });

  it('refuses to encode a value that does not match its schema, naming the problem', async () => {
    const topic = topics.names[contracts.indexOf('PAYMENT_INTENT')] as string;
    const bad = { ...sampleValues.PAYMENT_INTENT, chain_id: 'one' } as unknown as typeof sampleValues.PAYMENT_INTENT;
    await assert.rejects(codec.encode(topic, 'PAYMENT_INTENT', bad), { code: 'CONTRACT_ENCODE_INVALID' });
  });

  it('refuses to encode for a topic whose subject lacks the schema', async () => {
    await assert.rejects(codec.encode('t-never-registered', 'PAYMENT_INTENT', sampleValues.PAYMENT_INTENT), {
      code: 'CONTRACT_SCHEMA_NOT_REGISTERED',
    });
  });

  it('marks poison bytes: wrong magic byte, unknown schema id, garbage body', async () => {
    await assert.rejects(codec.decode('WEBHOOK_DELIVERY', Buffer.from('{"not":"avro"}')), {
      code: 'CONTRACT_DECODE_MAGIC_BYTE',
    });
    await assert.rejects(codec.decode('WEBHOOK_DELIVERY', Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2])), {
      code: 'CONTRACT_DECODE_UNKNOWN_SCHEMA',
    });
    const topic = topics.names[contracts.indexOf('WEBHOOK_DELIVERY')] as string;
    const good = await codec.encode(topic, 'WEBHOOK_DELIVERY', sampleValues.WEBHOOK_DELIVERY);
    const garbage = Buffer.concat([good.subarray(0, 5), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]);
    await assert.rejects(codec.decode('WEBHOOK_DELIVERY', garbage), { code: 'CONTRACT_DECODE_INVALID' });
    await assert.rejects(codec.decode('WEBHOOK_DELIVERY', null), { code: 'CONTRACT_DECODE_MAGIC_BYTE' });
  });

  it('encodes and decodes without waiting once the schema is known, with the bytes and values of the waiting calls', async () => {
    // A codec of its own: nothing is known to it yet.
    const fresh = createContractCodec(registry, schemas);
    const topic = topics.names[contracts.indexOf('DELIVERY_ATTEMPT')] as string;
    const value = sampleValues.DELIVERY_ATTEMPT;
    assert.equal(fresh.encodeKnown(topic, 'DELIVERY_ATTEMPT', value), undefined, 'the schema id is not known yet');
    const bytes = await fresh.encode(topic, 'DELIVERY_ATTEMPT', value);
    assert.deepEqual(fresh.encodeKnown(topic, 'DELIVERY_ATTEMPT', value), bytes);
    assert.equal(fresh.encodeKnown('t-elsewhere', 'DELIVERY_ATTEMPT', value), undefined, 'known per topic');
    const bad = { ...value, attempt: 'two' } as unknown as typeof value;
    assert.throws(() => fresh.encodeKnown(topic, 'DELIVERY_ATTEMPT', bad), { code: 'CONTRACT_ENCODE_INVALID' });

    assert.equal(fresh.decodeKnown('DELIVERY_ATTEMPT', bytes), undefined, 'the writer schema is not known yet');
    const decoded = await fresh.decode('DELIVERY_ATTEMPT', bytes);
    assert.deepEqual(structuredClone(fresh.decodeKnown('DELIVERY_ATTEMPT', bytes)), structuredClone(decoded));
    assert.deepEqual(structuredClone(decoded), value);
    // Poison fails at once, as the waiting decode rejects.
    assert.throws(() => fresh.decodeKnown('DELIVERY_ATTEMPT', Buffer.from('{}')), {
      code: 'CONTRACT_DECODE_MAGIC_BYTE',
    });
    assert.throws(() => fresh.decodeKnown('DELIVERY_ATTEMPT', null), { code: 'CONTRACT_DECODE_MAGIC_BYTE' });
    const garbage = Buffer.concat([bytes.subarray(0, 5), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]);
    assert.throws(() => fresh.decodeKnown('DELIVERY_ATTEMPT', garbage), { code: 'CONTRACT_DECODE_INVALID' });
    const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2]);
    assert.equal(fresh.decodeKnown('DELIVERY_ATTEMPT', unknownId), undefined, 'an unknown writer is left to decode');
  });
});
