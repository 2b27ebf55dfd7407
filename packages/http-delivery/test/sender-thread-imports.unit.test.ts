import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

// A sender thread is a second V8 isolate: every module it loads is loaded (and its
// TypeScript stripped) a second time, in memory the dispatcher's pod pays for. So the
// thread's module graph reaches other payhook packages only through their leaf entry
// points, and no logger, metrics, configuration, Kafka or Avro library.
const ALLOWED_PACKAGES = new Set([
  'undici',
  '@payhook/runtime/errors',
  '@payhook/runtime/clock',
  '@payhook/retry/retry-after',
  '@payhook/signing/sign',
]);
const IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

/** Every module a file loads at run time (type-only imports excluded), followed to the end. */
function graph(entry: URL): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const require = createRequire(entry);
  const visit = (file: URL) => {
    const path = fileURLToPath(file);
    if (files.has(path)) return;
    files.add(path);
    for (const [, specifier] of readFileSync(path, 'utf8').matchAll(IMPORT)) {
      if (specifier === undefined || specifier.startsWith('node:')) continue;
      if (specifier.startsWith('.')) visit(new URL(specifier, file));
      else if (specifier.startsWith('@payhook/')) {
        packages.add(specifier);
        visit(pathToFileURL(require.resolve(specifier)));
      } else packages.add(specifier);
    }
  };
  visit(entry);
  return { files, packages };
}

test('the sender thread loads only the sender, undici and leaf modules of other packages', () => {
  const { files, packages } = graph(new URL('../src/threaded/sender-thread.ts', import.meta.url));
  assert.ok(files.size > 10, `followed the graph (${files.size} files)`);
  assert.deepEqual([...packages].filter((name) => !ALLOWED_PACKAGES.has(name)).sort(), []);
  assert.ok(
    [...files].every((file) => !file.endsWith('index.ts')),
    'no package index (each re-exports far more than the thread needs)',
  );
});
