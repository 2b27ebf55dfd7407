// Writes packages/contracts/src/generated/contract-types.ts from the Avro schemas.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateContractTypes, loadSchemas } from '@payhook/contracts';

const target = fileURLToPath(new URL('../packages/contracts/src/generated/contract-types.ts', import.meta.url));
writeFileSync(target, generateContractTypes(loadSchemas()));
process.stdout.write(`wrote ${target.slice(target.indexOf('packages/'))}\n`);
