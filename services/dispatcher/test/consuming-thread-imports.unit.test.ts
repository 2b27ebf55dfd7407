import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

// Every module a thread loads stays in its heap, which every full collection walks. With
// sender threads, the consuming thread hands every request to them, so it has no use for the
// HTTP client (about 5 MiB of heap); and its contracts are Avro, so the schema registry
// client's JSON Schema and Protobuf support (ajv, protobufjs) is loaded only if ever used.
// Checked in a process of its own, which loads the dispatcher's modules and lists the
// CommonJS packages they pulled in (all three are CommonJS).
const listLoadedPackages = `
import { createRequire } from 'node:module';
await import(${JSON.stringify(new URL('../src/app.ts', import.meta.url).href)});
const loaded = Object.keys(createRequire(import.meta.url).cache);
const packages = new Set(loaded.map((file) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file)?.[1]).filter(Boolean));
process.stdout.write(JSON.stringify([...packages].sort()));
`;

test('the dispatcher’s consuming thread loads neither the HTTP client nor unused schema formats', () => {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', listLoadedPackages], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const packages = JSON.parse(child.stdout) as string[];
  assert.ok(packages.includes('kafkajs'), `listed the packages loaded (${packages.join(', ')})`);
  for (const unused of ['undici', 'ajv', 'protobufjs']) {
    assert.ok(!packages.includes(unused), `${unused} is not loaded (${packages.join(', ')})`);
  }
});
