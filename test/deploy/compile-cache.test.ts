// The image fills Node's compile cache with scripts/warm-compile-cache.ts, so that its services
// never load Node's TypeScript stripper (about 16 MiB in every thread that would strip a file).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WARM = join(ROOT, 'scripts/warm-compile-cache.ts');

/** Runs an ES module script with the given environment; its stdout, parsed as JSON. */
function run(script: string, env: NodeJS.ProcessEnv): unknown {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout);
}

/** Loads the dispatcher and, in a worker, a module of its sender thread; which threads loaded the stripper. */
const LOADS_STRIPPER = `
  import { Worker } from 'node:worker_threads';
  const stripper = () => process.moduleLoadList.some((name) => name.includes('amaro'));
  await import('./services/dispatcher/src/app.ts');
  const worker = new Worker(
    "import './packages/http-delivery/src/threaded/protocol.ts';" +
      "import { parentPort } from 'node:worker_threads';" +
      "parentPort.postMessage(process.moduleLoadList.some((name) => name.includes('amaro')));",
    { eval: true },
  );
  const inWorker = await new Promise((resolve) => worker.once('message', resolve));
  await worker.terminate();
  console.log(JSON.stringify({ main: stripper(), worker: inWorker }));
`;

describe('the compile cache of the image (scripts/warm-compile-cache.ts)', () => {
  let cache: string;
  before(() => {
    cache = mkdtempSync(join(tmpdir(), 'payhook-compile-cache-'));
  });
  after(() => rmSync(cache, { recursive: true, force: true }));

  it('compiles every service module without running one, then no thread loads the stripper', () => {
    const warm = spawnSync(process.execPath, [WARM], {
      cwd: ROOT,
      env: { ...process.env, NODE_COMPILE_CACHE: cache },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(warm.status, 0, warm.stderr);
    const [, compiled, total] = /(\d+) of (\d+) modules compiled/.exec(warm.stdout) ?? [];
    assert.ok(Number(total) > 100, warm.stdout);
    assert.equal(compiled, total, warm.stdout);
    assert.ok(readdirSync(cache).length > 0, 'the cache directory was filled');

    assert.deepEqual(run(LOADS_STRIPPER, { NODE_COMPILE_CACHE: cache }), { main: false, worker: false });
    // Without the cache both threads strip their TypeScript: what the cache saves.
    assert.deepEqual(run(LOADS_STRIPPER, { NODE_COMPILE_CACHE: '' }), { main: true, worker: true });
  });

  it('refuses to run without NODE_COMPILE_CACHE, saying what to set', () => {
    const warm = spawnSync(process.execPath, [WARM], {
      cwd: ROOT,
      env: { ...process.env, NODE_COMPILE_CACHE: '' },
      encoding: 'utf8',
    });
    assert.equal(warm.status, 2);
    assert.match(warm.stderr, /NODE_COMPILE_CACHE is not set/);
  });

  it('prints its usage with --help', () => {
    const help = spawnSync(process.execPath, [WARM, '--help'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: NODE_COMPILE_CACHE=DIR node scripts\/warm-compile-cache\.ts/);
  });
});
