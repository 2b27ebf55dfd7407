// `payhook dev up|status|down` on a second, private stack (own folder and ports), so the
// shared stack the other tests use is left alone.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../cli/run-cli.ts';

const home = mkdtempSync(join(tmpdir(), 'payhook-dev-'));
const env = {
  PAYHOOK_DEV_HOME: home,
  PAYHOOK_DEV_KAFKA_PORT: '19092',
  PAYHOOK_DEV_CONTROLLER_PORT: '19093',
  PAYHOOK_DEV_REGISTRY_PORT: '18081',
  PAYHOOK_DEV_KAFKA_HEAP: '384m',
  PAYHOOK_DEV_REGISTRY_HEAP: '256m',
};

describe('the local stack lifecycle', () => {
  after(async () => {
    await runCli(['dev', 'down'], env);
    rmSync(home, { recursive: true, force: true });
  });

  it('status tells the truth before anything runs', async () => {
    const status = await runCli(['dev', 'status', '--json'], env);
    assert.equal(status.code, 1);
    const components = JSON.parse(status.stdout) as { name: string; ready: boolean; pid?: number }[];
    assert.deepEqual(
      components.map((c) => [c.name, c.ready, c.pid ?? null]),
      [
        ['kafka', false, null],
        ['registry', false, null],
      ],
    );
  });

  it('up starts both and prints the client settings; up again is a no-op', async () => {
    const first = await runCli(['dev', 'up'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^KAFKA_BROKERS=127\.0\.0\.1:19092$/m);
    assert.match(first.stdout, /^SCHEMA_REGISTRY_URL=http:\/\/127\.0\.0\.1:18081\/apis\/ccompat\/v7$/m);
    assert.match(first.stderr, /kafka: started/);

    const second = await runCli(['dev', 'up'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /kafka: already running/);
    assert.match(second.stderr, /registry: already running/);

    const status = await runCli(['dev', 'status'], env);
    assert.equal(status.code, 0, status.stdout);
    assert.match(status.stdout, /^kafka\s+ready\s+127\.0\.0\.1:19092 {2}\(pid \d+\)$/m);
    assert.match(status.stdout, /^registry\s+ready\s+http:\/\/127\.0\.0\.1:18081/m);
  });

  it('down stops both and removes their data; status then says stopped', async () => {
    const down = await runCli(['dev', 'down'], env);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /stopped: registry, kafka/);
    assert.equal(existsSync(join(home, 'dev')), false);
    const status = await runCli(['dev', 'status'], env);
    assert.equal(status.code, 1);
    assert.match(status.stdout, /^kafka\s+stopped/m);
    const again = await runCli(['dev', 'down'], env);
    assert.match(again.stdout, /nothing was running/);
  });

  it('refuses a malformed port, naming the variable', async () => {
    const result = await runCli(['dev', 'up'], { ...env, PAYHOOK_DEV_KAFKA_PORT: '90000' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /PAYHOOK_DEV_KAFKA_PORT: must be between 0 and 65535/);
  });
});
