import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { generateContractTypes, loadSchemas } from '@payhook/contracts';

it('the committed TypeScript types match schemas/ (run "npm run generate:types" after a schema change)', () => {
  const committed = readFileSync(
    new URL('../../packages/contracts/src/generated/contract-types.ts', import.meta.url),
    'utf8',
  );
  assert.equal(committed, generateContractTypes(loadSchemas()));
});
