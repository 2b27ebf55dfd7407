// Writes services/api/openapi.json from the route schemas, and the typed client's types from it.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatOpenApiDocument, generateOpenApiDocument } from '../src/openapi.ts';
import { generateClientTypes } from './client-types.ts';

const documentPath = fileURLToPath(new URL('../openapi.json', import.meta.url));
const typesPath = fileURLToPath(new URL('../src/generated/openapi.ts', import.meta.url));
const document = await generateOpenApiDocument();
writeFileSync(documentPath, formatOpenApiDocument(document));
writeFileSync(typesPath, await generateClientTypes(document));
process.stdout.write('wrote services/api/openapi.json and services/api/src/generated/openapi.ts\n');
