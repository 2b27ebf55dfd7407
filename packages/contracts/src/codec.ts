import avro from 'avsc';
import type { ContractKey } from './catalog.ts';
import { ContractError, ContractErrorCode } from './errors.ts';
import type { ContractTypes } from './generated/contract-types.ts';
import type { RegistryClient } from './registry.ts';
import type { AvroSchema } from './schema-loader.ts';
import { valueSubject } from './topics.ts';

/** Length of the Confluent wire-format header: magic byte 0 and a 4-byte schema id. */
export const WIRE_HEADER_BYTES = 5;

/** Typed encoding and decoding of the pipeline's records in the Confluent wire format. */
export interface ContractCodec {
  /** Encodes a value for a topic with the schema this build carries (registered under `<topic>-value`). */
  encode<K extends ContractKey>(topic: string, contract: K, value: ContractTypes[K]): Promise<Buffer>;
  /**
   * {@link ContractCodec.encode} without waiting, once the topic's schema id is known (an
   * earlier `encode` for the topic found it): the bytes, or undefined while the id is not
   * known yet (then call `encode`).
   * @throws ContractError `ENCODE_INVALID`, as `encode` rejects.
   */
  encodeKnown<K extends ContractKey>(topic: string, contract: K, value: ContractTypes[K]): Buffer | undefined;
  /**
   * Decodes bytes written with any registered version of the contract, resolved to the
   * version this build carries.
   * @throws ContractError with a `DECODE_*` code for poison records (never retryable), or
   *   `REGISTRY_UNAVAILABLE` (retryable).
   */
  decode<K extends ContractKey>(contract: K, bytes: Buffer | null): Promise<ContractTypes[K]>;
  /**
   * {@link ContractCodec.decode} without waiting, once the writer's schema is known (an earlier
   * `decode` of a record written with it fetched it): the value, or undefined while the schema
   * is not known yet (then call `decode`).
   * @throws ContractError with a `DECODE_*` code, as `decode` rejects, for a poison record.
   */
  decodeKnown<K extends ContractKey>(contract: K, bytes: Buffer | null): ContractTypes[K] | undefined;
}

/** Creates a codec over a registry and the schemas this build carries. */
export function createContractCodec(
  registry: RegistryClient,
  schemas: Readonly<Record<ContractKey, AvroSchema>>,
): ContractCodec {
  const ids = new Map<string, Promise<number>>();
  // What the lookups above found, by topic and contract: most calls find their answer here
  // without waiting (and without building a key).
  const knownIds = new Map<string, Map<ContractKey, number>>();
  const knownId = (topic: string, contract: ContractKey): number | undefined => knownIds.get(topic)?.get(contract);
  // Resolvers built, by contract and writer schema id (undefined: the writer is the reader).
  const knownResolvers = new Map<ContractKey, Map<number, avro.Resolver | undefined>>();
  const readers = Object.fromEntries(
    Object.entries(schemas).map(([key, schema]) => [key, avro.Type.forSchema(schema as avro.Schema)]),
  ) as Record<ContractKey, avro.Type>;
  // One resolver per (contract, writer schema id): building them is far too slow per record.
  const resolvers = new Map<string, Promise<avro.Resolver | undefined>>();

  const resolverFor = (contract: ContractKey, schemaId: number): Promise<avro.Resolver | undefined> => {
    const key = `${contract}\u0000${schemaId}`;
    let resolver = resolvers.get(key);
    if (resolver === undefined) {
      resolver = writerType(registry, schemaId).then((writer) => {
        const reader = readers[contract];
        if (reader.equals(writer)) {
          setNested(knownResolvers, contract, schemaId, undefined);
          return undefined;
        }
        try {
          const built = reader.createResolver(writer);
          setNested(knownResolvers, contract, schemaId, built);
          return built;
        } catch (cause) {
          throw new ContractError(
            ContractErrorCode.DECODE_INVALID,
            `schema id ${schemaId} cannot be resolved to ${String(schemas[contract].name)}`,
            { cause },
          );
        }
      });
      resolver.catch((error: unknown) => {
        if (error instanceof ContractError && error.retryable) resolvers.delete(key);
      });
      resolvers.set(key, resolver);
    }
    return resolver;
  };

  const schemaIdFor = (topic: string, contract: ContractKey): Promise<number> => {
    const key = `${topic}\u0000${contract}`;
    let id = ids.get(key);
    if (id === undefined) {
      const subject = valueSubject(topic);
      id = registry.idOf(subject, schemas[contract]).then((found) => {
        if (found === undefined) {
          throw new ContractError(
            ContractErrorCode.SCHEMA_NOT_REGISTERED,
            `${String(schemas[contract].name)} is not registered under ${subject}: run "payhook schemas register"`,
          );
        }
        setNested(knownIds, topic, contract, found);
        return found;
      });
      // A failed lookup must not be cached: the next call asks again.
      id.catch(() => ids.delete(key));
      ids.set(key, id);
    }
    return id;
  };

  /** Reads a record's Avro body, written with schema `schemaId`, as this build's version of the contract. */
  const read = <K extends ContractKey>(
    contract: K,
    bytes: Buffer,
    schemaId: number,
    resolver: avro.Resolver | undefined,
  ): ContractTypes[K] => {
    try {
      return readers[contract].fromBuffer(bytes.subarray(WIRE_HEADER_BYTES), resolver) as ContractTypes[K];
    } catch (cause) {
      throw new ContractError(
        ContractErrorCode.DECODE_INVALID,
        `record with schema id ${schemaId} cannot be read as ${String(schemas[contract].name)}: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    }
  };

  const encodeWith = (id: number, contract: ContractKey, value: unknown): Buffer => {
    try {
      return frame(id, readers[contract], value);
    } catch (cause) {
      throw new ContractError(
        ContractErrorCode.ENCODE_INVALID,
        `value does not match ${String(schemas[contract].name)}: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    }
  };

  return {
    async encode(topic, contract, value) {
      return encodeWith(knownId(topic, contract) ?? (await schemaIdFor(topic, contract)), contract, value);
    },
    encodeKnown(topic, contract, value) {
      const id = knownId(topic, contract);
      return id === undefined ? undefined : encodeWith(id, contract, value);
    },
    async decode(contract, bytes) {
      assertWireFormat(bytes);
      const schemaId = bytes.readInt32BE(1);
      const known = knownResolvers.get(contract);
      const resolver = known?.has(schemaId) ? known.get(schemaId) : await resolverFor(contract, schemaId);
      return read(contract, bytes, schemaId, resolver);
    },
    decodeKnown(contract, bytes) {
      assertWireFormat(bytes);
      const schemaId = bytes.readInt32BE(1);
      const known = knownResolvers.get(contract);
      if (known === undefined || !known.has(schemaId)) return undefined;
      return read(contract, bytes, schemaId, known.get(schemaId));
    },
  };
}

/** Refuses, as a poison record, bytes without the wire-format header (magic byte 0 and a schema id). */
function assertWireFormat(bytes: Buffer | null): asserts bytes is Buffer {
  if (bytes === null || bytes.length < WIRE_HEADER_BYTES) {
    throw new ContractError(
      ContractErrorCode.DECODE_MAGIC_BYTE,
      `record of ${bytes?.length ?? 0} bytes has no wire-format header`,
    );
  }
  if (bytes[0] !== 0) {
    throw new ContractError(
      ContractErrorCode.DECODE_MAGIC_BYTE,
      `record starts with byte ${bytes[0]}, expected magic byte 0`,
    );
  }
}

/** Sets `outer[a][b]`, making the inner map on first use. */
function setNested<A, B, V>(outer: Map<A, Map<B, V>>, a: A, b: B, value: V): void {
  let inner = outer.get(a);
  if (inner === undefined) {
    inner = new Map();
    outer.set(a, inner);
  }
  inner.set(b, value);
}

/** Room for a usual record; a larger one is encoded on its own. */
const scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * The wire format of `value` with schema `id`: magic byte 0, the id, then the Avro body
 * (the values this build writes are of its own schema, whose id the registry gave).
 */
function frame(id: number, type: avro.Type, value: unknown): Buffer {
  const end = type.encode(value, scratch, WIRE_HEADER_BYTES);
  if (end > 0) {
    const bytes = Buffer.allocUnsafe(end);
    bytes[0] = 0;
    bytes.writeInt32BE(id, 1);
    scratch.copy(bytes, WIRE_HEADER_BYTES, WIRE_HEADER_BYTES, end);
    return bytes;
  }
  const body = type.toBuffer(value);
  const bytes = Buffer.allocUnsafe(WIRE_HEADER_BYTES + body.length);
  bytes[0] = 0;
  bytes.writeInt32BE(id, 1);
  body.copy(bytes, WIRE_HEADER_BYTES);
  return bytes;
}

async function writerType(registry: RegistryClient, schemaId: number): Promise<avro.Type> {
  try {
    return (await registry.client.getSchema(schemaId)) as unknown as avro.Type;
  } catch (cause) {
    const status = (cause as { status?: number } | null)?.status;
    if (status === 404 || /not found/i.test(cause instanceof Error ? cause.message : '')) {
      throw new ContractError(
        ContractErrorCode.DECODE_UNKNOWN_SCHEMA,
        `schema id ${schemaId} is unknown to the registry`,
        { cause },
      );
    }
    throw new ContractError(ContractErrorCode.REGISTRY_UNAVAILABLE, `cannot fetch schema id ${schemaId}`, {
      cause,
      retryable: true,
    });
  }
}
