// services/api/src/main.ts as operators run it: configuration refused with status 78 naming the
// variable; ready once its tables caught up; SIGTERM stops it in order with status 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createPipelineFixture, type PipelineFixture } from '@payhook/testkit';

const MAIN = fileURLToPath(new URL('../../services/api/src/main.ts', import.meta.url));

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, stdout: () => stdout, stderr: () => stderr };
}

let pipeline: PipelineFixture;
before(async () => {
  pipeline = await createPipelineFixture({ tiers: '5s', partitions: 1 });
});
after(async () => {
  await pipeline.close();
});

it('refuses bad configuration with status 78, naming each variable', async () => {
  const run = start({
    API_BODY_LIMIT_BYTES: '0',
    API_IDEMPOTENCY_TTL_MS: String(8 * 86_400_000),
    DISPATCHER_DEV_ALLOW_LIST: 'not a host!',
    KAFKA_BROKERS: '127.0.0.1:1',
  });
  const [code] = (await once(run.child, 'exit')) as [number | null];
  assert.equal(code, 78, run.stderr());
  assert.match(run.stderr(), /API_BODY_LIMIT_BYTES: must be > 0/);
  assert.match(run.stderr(), /API_IDEMPOTENCY_TTL_MS: must be at most 604800000/);
  assert.match(run.stderr(), /DISPATCHER_DEV_ALLOW_LIST: /);
});

it('serves once its tables and read model caught up, and stops in order on SIGTERM', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'payhook-api-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const run = start({
    ...pipeline.serviceEnv(),
    LOG_LEVEL: 'info',
    API_READ_MODEL_PATH: join(dataDir, 'read-model.sqlite'),
  });
  const deadline = Date.now() + 30_000;
  let port: number | undefined;
  while (port === undefined && Date.now() < deadline) {
    const match = /"port":(\d+)[^\n]*"msg":"started"/.exec(run.stdout());
    if (match !== null) port = Number(match[1]);
    else await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(port !== undefined, `no start line: ${run.stdout()}${run.stderr()}`);
  // The read model catches up after the port opens (a long rebuild must not fail liveness probes).
  let ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  while (ready.status !== 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  }
  assert.equal(ready.status, 200);
  const refused = await fetch(`http://127.0.0.1:${port}/v1/payments/pay_1`);
  assert.equal(refused.status, 401);
  run.child.kill('SIGTERM');
  const [code] = (await once(run.child, 'exit')) as [number | null];
  assert.equal(code, 0, run.stderr());
  const lines = run
    .stdout()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; code?: number });
  const shutdown = lines.findIndex((l) => l.msg === 'shutting down');
  assert.ok(shutdown >= 0);
  assert.deepEqual(lines.at(-1), { ...lines.at(-1), msg: 'stopped', code: 0 });
});
