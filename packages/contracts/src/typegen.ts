import { Contract, type ContractKey } from './catalog.ts';
import type { AvroSchema } from './schema-loader.ts';

const PRIMITIVES: Readonly<Record<string, string>> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  bytes: 'Buffer',
  string: 'string',
};

interface Emitter {
  readonly declared: Set<string>;
  readonly out: string[];
}

function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

function doc(text: unknown, indent: string): string {
  return typeof text === 'string' ? `${indent}/** ${text} */\n` : '';
}

function typeOf(node: unknown, emitter: Emitter): string {
  if (typeof node === 'string') return PRIMITIVES[node] ?? shortName(node);
  if (Array.isArray(node)) return node.map((n) => typeOf(n, emitter)).join(' | ');
  const schema = node as AvroSchema;
  switch (schema.type) {
    case 'record':
      declareRecord(schema, emitter);
      return shortName(String(schema.name));
    case 'enum': {
      const name = shortName(String(schema.name));
      if (!emitter.declared.has(name)) {
        emitter.declared.add(name);
        const symbols = (schema.symbols as string[]).map((s) => `'${s}'`).join(' | ');
        emitter.out.push(`${doc(schema.doc, '')}export type ${name} = ${symbols};\n`);
      }
      return name;
    }
    case 'array':
      return `Array<${typeOf(schema.items, emitter)}>`;
    case 'map':
      return `Record<string, ${typeOf(schema.values, emitter)}>`;
    case 'fixed':
      return 'Buffer';
    default:
      return typeOf(schema.type, emitter);
  }
}

function declareRecord(schema: AvroSchema, emitter: Emitter): void {
  const name = shortName(String(schema.name));
  if (emitter.declared.has(name)) return;
  emitter.declared.add(name);
  const fields = (schema.fields as AvroSchema[]).map((field) => {
    const logical = (field.type as AvroSchema | undefined)?.logicalType;
    const note = logical === 'timestamp-millis' ? ' Milliseconds since the epoch.' : '';
    const text = typeof field.doc === 'string' ? `${field.doc}${note}` : undefined;
    return `${doc(text, '  ')}  ${String(field.name)}: ${typeOf(field.type, emitter)};\n`;
  });
  emitter.out.push(`${doc(schema.doc, '')}export interface ${name} {\n${fields.join('')}}\n`);
}

/**
 * TypeScript declarations for every contract, generated from the Avro schemas. The
 * committed file is checked against this output, so the types cannot drift from `schemas/`.
 */
export function generateContractTypes(schemas: Readonly<Record<ContractKey, AvroSchema>>): string {
  const emitter: Emitter = { declared: new Set(), out: [] };
  for (const key of Object.keys(Contract) as ContractKey[]) typeOf(schemas[key], emitter);
  const map = (Object.entries(Contract) as [ContractKey, (typeof Contract)[ContractKey]][])
    .map(([key, spec]) => `  ${key}: ${spec.name};\n`)
    .join('');
  return [
    '// Generated from schemas/ by `npm run generate:types`. Do not edit by hand.\n',
    ...emitter.out,
    `/** The value type of each contract. */\nexport interface ContractTypes {\n${map}}\n`,
  ].join('\n');
}
