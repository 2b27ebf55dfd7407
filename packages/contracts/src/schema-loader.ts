import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Contract, type ContractKey } from './catalog.ts';
import { ContractError, ContractErrorCode } from './errors.ts';

/** An Avro schema as parsed JSON. */
export type AvroSchema = Record<string, unknown>;

/** `schemas/` at the repository root, unless `PAYHOOK_SCHEMAS_DIR` says otherwise. */
export function defaultSchemasDir(): string {
  return process.env.PAYHOOK_SCHEMAS_DIR ?? fileURLToPath(new URL('../../../schemas/', import.meta.url));
}

function readJson(path: string): AvroSchema {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as AvroSchema;
  } catch (cause) {
    throw new ContractError(ContractErrorCode.SCHEMA_UNREADABLE, `cannot read schema ${path}`, { cause });
  }
}

function fullName(schema: AvroSchema): string {
  return `${String(schema.namespace)}.${String(schema.name)}`;
}

/**
 * Replaces the first reference to each shared named type (files in `schemas/shared/`)
 * with its definition, so every registered schema stands alone: the registry then needs
 * no schema references, and each subject evolves on its own.
 */
function inlineShared(node: unknown, shared: ReadonlyMap<string, AvroSchema>, defined: Set<string>): unknown {
  if (typeof node === 'string') {
    const definition = shared.get(node);
    if (definition === undefined || defined.has(node)) return node;
    defined.add(node);
    return inlineShared(definition, shared, defined);
  }
  if (Array.isArray(node)) return node.map((n) => inlineShared(n, shared, defined));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      // Only type positions can hold references; names, docs and defaults are kept as they are.
      out[key] =
        key === 'type' || key === 'items' || key === 'values' || key === 'fields'
          ? inlineShared(value, shared, defined)
          : value;
    }
    return out;
  }
  return node;
}

/** Loads every contract's schema, self-contained (shared types inlined). */
export function loadSchemas(dir: string = defaultSchemasDir()): Record<ContractKey, AvroSchema> {
  const sharedDir = join(dir, 'shared');
  const shared = new Map<string, AvroSchema>();
  for (const file of readdirSync(sharedDir).filter((f) => f.endsWith('.avsc'))) {
    const schema = readJson(join(sharedDir, file));
    shared.set(fullName(schema), schema);
  }
  const result = {} as Record<ContractKey, AvroSchema>;
  for (const [key, spec] of Object.entries(Contract) as [ContractKey, (typeof Contract)[ContractKey]][]) {
    const raw = readJson(join(dir, spec.file));
    const expanded = inlineShared(raw, shared, new Set([fullName(raw)])) as AvroSchema;
    if (expanded.name !== spec.name) {
      throw new ContractError(
        ContractErrorCode.SCHEMA_UNREADABLE,
        `schema ${spec.file} defines ${String(expanded.name)}, expected ${spec.name}`,
      );
    }
    result[key] = expanded;
  }
  return result;
}
