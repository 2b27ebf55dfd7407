// `payhook dev up|status|down` on a second, private stack (own folder and ports), so the
// shared stack the other tests use is left alone.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ANVIL_CHAIN_ID, rpcChainId } from '@payhook/devstack';
import { testChain } from '@payhook/testkit';
import { runCli } from '../cli/run-cli.ts';

const home = mkdtempSync(join(tmpdir(), 'payhook-dev-'));
const env = {
  PAYHOOK_DEV_HOME: home,
  PAYHOOK_DEV_KAFKA_PORT: '19092',
  PAYHOOK_DEV_CONTROLLER_PORT: '19093',
  PAYHOOK_DEV_REGISTRY_PORT: '18081',
  PAYHOOK_DEV_ANVIL_PORT: '18545',
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
        ['anvil', false, null],
      ],
    );
  });

  it('up starts all three and prints the client settings; up again is a no-op', async () => {
    const first = await runCli(['dev', 'up'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^KAFKA_BROKERS=127\.0\.0\.1:19092$/m);
    assert.match(first.stdout, /^SCHEMA_REGISTRY_URL=http:\/\/127\.0\.0\.1:18081\/apis\/ccompat\/v7$/m);
    assert.match(first.stdout, /^ANVIL_RPC_URL=http:\/\/127\.0\.0\.1:18545$/m);
    assert.match(first.stderr, /kafka: started/);
    assert.match(first.stderr, /anvil: started/);

    const second = await runCli(['dev', 'up'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /kafka: already running/);
    assert.match(second.stderr, /registry: already running/);
    assert.match(second.stderr, /anvil: already running/);

    const status = await runCli(['dev', 'status'], env);
    assert.equal(status.code, 0, status.stdout);
    assert.match(status.stdout, /^kafka\s+ready\s+127\.0\.0\.1:19092 {2}\(pid \d+\)$/m);
    assert.match(status.stdout, /^registry\s+ready\s+http:\/\/127\.0\.0\.1:18081/m);
    assert.match(status.stdout, /^anvil\s+ready\s+http:\/\/127\.0\.0\.1:18545 {2}\(pid \d+\)$/m);
    assert.equal(await rpcChainId('http://127.0.0.1:18545'), ANVIL_CHAIN_ID);
  });

  it('keeps the chain (same block hashes) across down --keep-data and up', async () => {
    const chain = testChain('http://127.0.0.1:18545');
    await chain.mine(3);
    const head = await chain.publicClient.getBlock();
    assert.equal(head.number, 3n);

    const down = await runCli(['dev', 'down', '--keep-data'], env);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /anvil/);
    assert.equal(await rpcChainId('http://127.0.0.1:18545'), undefined);
    const up = await runCli(['dev', 'up'], env);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /anvil: started/);
    const resumed = await chain.publicClient.getBlock({ blockNumber: 3n });
    assert.equal(resumed.hash, head.hash);
  });

  it('down stops all three and removes their data; status then says stopped', async () => {
    const down = await runCli(['dev', 'down'], env);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /stopped: registry, kafka, anvil/);
    assert.equal(existsSync(join(home, 'dev')), false);
    const status = await runCli(['dev', 'status'], env);
    assert.equal(status.code, 1);
    assert.match(status.stdout, /^kafka\s+stopped/m);
    assert.match(status.stdout, /^anvil\s+stopped/m);
    const again = await runCli(['dev', 'down'], env);
    assert.match(again.stdout, /nothing was running/);
  });

  it('refuses a malformed port, naming the variable', async () => {
    const result = await runCli(['dev', 'up'], { ...env, PAYHOOK_DEV_KAFKA_PORT: '90000' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /PAYHOOK_DEV_KAFKA_PORT: must be between 0 and 65535/);
    const anvil = await runCli(['dev', 'up'], { ...env, PAYHOOK_DEV_ANVIL_PORT: 'eight' });
    assert.equal(anvil.code, 2);
    assert.match(anvil.stderr, /PAYHOOK_DEV_ANVIL_PORT/);
  });
});
