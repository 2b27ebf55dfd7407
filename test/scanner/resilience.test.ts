import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { PaymentIntent } from '@payhook/contracts';
import { waitUntil } from '@payhook/testkit';
import { createScannerFixture, type ScannerFixture } from './scanner-fixture.ts';

const SCANNER_MAIN = fileURLToPath(new URL('../../services/scanner/src/main.ts', import.meta.url));
let fx: ScannerFixture;
const children: ChildProcess[] = [];

/** A scanner process, with its exit recorded from the start (it may exit before anyone waits). */
function spawnScanner(chain: Record<string, unknown>): ChildProcess & { exited: Promise<number | null> } {
  const child = spawn(process.execPath, [SCANNER_MAIN], {
    env: { ...process.env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn', ...fx.scannerEnv(chain) },
    stdio: ['ignore', process.env.TEST_CHILD_LOGS ? 'inherit' : 'ignore', 'inherit'],
  });
  children.push(child);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return Object.assign(child, { exited });
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)),
  ]);
}

async function payAll(intents: PaymentIntent[]): Promise<void> {
  for (const intent of intents) {
    await fx.chain.sendNative(intent.deposit_address as `0x${string}`, BigInt(intent.amount_expected));
    await fx.chain.mine(1);
  }
}

describe('scanner resilience', () => {
  before(async () => {
    fx = await createScannerFixture();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await fx.close();
  });

  it('kill -9 mid-scan and restart: every payment’s events exactly once, no gap', async () => {
    const start = Number(await fx.chain.blockNumber()) + 1;
    const intents = await Promise.all(
      Array.from({ length: 20 }, () => fx.createIntent({ amount: 1_000n, confirmations: 2 })),
    );
    await payAll(intents);
    await fx.chain.mine(3);
    // One block per step: the scan takes many transactions, so the kill lands mid-way.
    const chain = { startBlock: start, blocksPerStep: 1, pollIntervalMs: 100 };
    const first = spawnScanner(chain);
    await waitUntil(
      async () => (await Promise.all(intents.map((i) => fx.eventsOf(i.payment_id)))).some((e) => e.length > 0),
      {
        what: 'the first events',
        timeoutMs: 30_000,
      },
    );
    first.kill('SIGKILL');
    await first.exited;
    const done = async () =>
      (await Promise.all(intents.map((i) => fx.eventsOf(i.payment_id)))).every((e) => e.length >= 2);
    assert.equal(await done(), false, 'the kill came before the scan finished');

    const second = spawnScanner(chain);
    await waitUntil(done, { what: 'every payment confirmed', timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 1_000));
    for (const intent of intents) {
      const events = await fx.eventsOf(intent.payment_id);
      assert.deepEqual(
        events.map((e) => `${e.sequence}:${e.status}`),
        ['1:DETECTED', '2:CONFIRMED'],
        intent.payment_id,
      );
    }
    second.kill('SIGTERM');
    assert.equal(await within(second.exited, 30_000, 'the scanner stops on SIGTERM'), 0);
  });

  it('a second scanner for the same chain fences the first, which stops', async () => {
    const a = spawnScanner({ pollIntervalMs: 100 });
    const intent = await fx.createIntent({ amount: 7n, confirmations: 1 });
    await new Promise((r) => setTimeout(r, 3_000));
    const b = spawnScanner({ pollIntervalMs: 100 });
    await new Promise((r) => setTimeout(r, 3_000));
    // A new block makes both write: the older one finds it has been fenced.
    await fx.chain.mine(1);
    const code = await within(a.exited, 30_000, 'the fenced scanner exits');
    assert.equal(code, 1, 'the fenced scanner exits with an error');
    await fx.chain.sendNative(intent.deposit_address as `0x${string}`, 7n);
    const events = await fx.waitForStatuses(intent.payment_id, ['DETECTED', 'CONFIRMED'], 30_000);
    assert.deepEqual(
      events.map((e) => e.status),
      ['DETECTED', 'CONFIRMED'],
    );
    assert.equal(b.exitCode, null, 'the newer scanner keeps running');
    b.kill('SIGTERM');
    await within(b.exited, 30_000, 'the scanner stops on SIGTERM');
  });

  it('RPC outage: not ready meanwhile, backs off, catches up when the chain returns', async () => {
    const app = await fx.startScanner({ pollIntervalMs: 100, maxBackoffMs: 500 });
    const chainsReady = async () => (await app.readiness.find((c) => c.name === 'chains')?.check()) === true;
    await waitUntil(chainsReady, { what: 'ready' });
    const intent = await fx.createIntent({ amount: 9n, confirmations: 1 });
    await fx.anvil.stop();
    await waitUntil(async () => !(await chainsReady()), { what: 'not ready during the outage', timeoutMs: 15_000 });
    const errors = async () =>
      Number(
        /payhook_scanner_rpc_errors_total\{[^}]*\} (\d+)/.exec(
          await app.metrics.rpcErrors
            .get()
            .then((m) => `payhook_scanner_rpc_errors_total{} ${m.values[0]?.value ?? 0}`),
        )?.[1] ?? 0,
      );
    await waitUntil(async () => (await errors()) >= 2, { what: 'RPC errors counted' });
    await fx.anvil.start();
    await waitUntil(chainsReady, { what: 'ready again', timeoutMs: 20_000 });
    await fx.chain.sendNative(intent.deposit_address as `0x${string}`, 9n);
    const events = await fx.waitForStatuses(intent.payment_id, ['DETECTED', 'CONFIRMED'], 30_000);
    assert.deepEqual(
      events.map((e) => e.status),
      ['DETECTED', 'CONFIRMED'],
    );
  });
});
