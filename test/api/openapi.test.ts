import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatOpenApiDocument, generateOpenApiDocument } from '@payhook/api';
import { generateClientTypes } from '../../services/api/scripts/client-types.ts';

const documentUrl = new URL('../../services/api/openapi.json', import.meta.url);

it('the committed openapi.json matches the route schemas (run "npm run generate:openapi")', async () => {
  assert.equal(readFileSync(documentUrl, 'utf8'), formatOpenApiDocument(await generateOpenApiDocument()));
});

it('the committed client types match openapi.json (run "npm run generate:openapi")', async () => {
  const committed = readFileSync(new URL('../../services/api/src/generated/openapi.ts', import.meta.url), 'utf8');
  const document = JSON.parse(readFileSync(documentUrl, 'utf8')) as Record<string, unknown>;
  assert.equal(committed, await generateClientTypes(document));
});

it('openapi.json passes redocly lint (recommended rules) as OpenAPI 3.1', () => {
  const document = JSON.parse(readFileSync(documentUrl, 'utf8')) as { openapi: string };
  assert.equal(document.openapi, '3.1.0');
  const redocly = fileURLToPath(new URL('../../node_modules/@redocly/cli/bin/cli.js', import.meta.url));
  const result = spawnSync(process.execPath, [redocly, 'lint', fileURLToPath(documentUrl), '--format=stylish'], {
    encoding: 'utf8',
    // No telemetry or update check: tests talk to loopback only.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', CI: 'true' },
  });
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.doesNotMatch(`${result.stdout}${result.stderr}`, /warning/i);
});
