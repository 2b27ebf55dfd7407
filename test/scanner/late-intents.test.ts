// An intent can reach the scanner after the block that pays it was scanned: the intents topic
// lags (a broker restart, a slow writer), or the scanner went down in between. The scanner
// then reads the blocks since the intent's creation again for its address.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PaymentEvent, PaymentIntent } from '@payhook/contracts';
import type { DeployedToken } from '@payhook/testkit';
import { waitUntil } from '@payhook/testkit';
import { type ScannerFixture, startScannerWithToken } from './scanner-fixture.ts';

let fx: ScannerFixture;
let token: DeployedToken;
const statuses = (events: PaymentEvent[]) => events.map((e) => e.status);

/** Waits until the running scanner has committed block `number`. */
async function scannedTo(number: bigint): Promise<void> {
  await waitUntil(
    async () => {
      const gauge = await fx.scanner?.metrics.lastBlock.get();
      return (gauge?.values[0]?.value ?? -1) >= Number(number);
    },
    { what: `the scanner at block ${number}`, timeoutMs: 20_000, intervalMs: 100 },
  );
}

/** Pays an intent in full (native or the test token) and returns the block it landed in. */
async function pay(intent: PaymentIntent): Promise<bigint> {
  const to = intent.deposit_address as `0x${string}`;
  const receipt =
    intent.asset.kind === 'ERC20'
      ? await fx.chain.transferToken(token.address, to, BigInt(intent.amount_expected))
      : await fx.chain.sendNative(to, BigInt(intent.amount_expected));
  return receipt.blockNumber;
}

describe('scanner: intents that arrive after their payment was scanned', () => {
  before(async () => {
    ({ fx, token } = await startScannerWithToken());
  });
  after(() => fx.close());

  it('native and ERC-20 payments made before the scanner knew their intents are detected and confirmed', async () => {
    const native = fx.newIntent({ amount: 7_000n, confirmations: 2 });
    const erc20 = fx.newIntent({
      amount: 3_000_000n,
      confirmations: 2,
      asset: { kind: 'ERC20', token_address: token.address, symbol: 'USDT', decimals: 6 },
    });
    const nativeBlock = await pay(native);
    const erc20Block = await pay(erc20);
    await fx.chain.mine(3);
    await scannedTo(erc20Block + 3n);

    await fx.publishIntent(native);
    await fx.publishIntent(erc20);
    const nativeEvents = await fx.waitForStatuses(native.payment_id, ['DETECTED', 'CONFIRMED']);
    const erc20Events = await fx.waitForStatuses(erc20.payment_id, ['DETECTED', 'CONFIRMED']);
    assert.deepEqual(statuses(nativeEvents), ['DETECTED', 'CONFIRMED']);
    assert.deepEqual(statuses(erc20Events), ['DETECTED', 'CONFIRMED']);
    assert.equal(nativeEvents[0]?.block_number, Number(nativeBlock));
    assert.equal(erc20Events[0]?.block_number, Number(erc20Block));
    assert.equal(erc20Events[1]?.amount_received, '3000000');

    // Watched from then on like any payment: a later top-up is seen once.
    await fx.chain.sendNative(native.deposit_address as `0x${string}`, 1n);
    await fx.chain.mine(2);
    await new Promise((r) => setTimeout(r, 800));
    assert.deepEqual(statuses(await fx.eventsOf(native.payment_id)), ['DETECTED', 'CONFIRMED'], 'final stays final');
    const counted = await fx.scanner?.metrics.latePayments.get();
    assert.equal(counted?.values[0]?.value, 2, 'both counted as late');
  });

  it('an intent written while the scanner was down, for a payment it had already scanned, is found on restart', async () => {
    const intent = fx.newIntent({ amount: 9_000n, confirmations: 2 });
    const block = await pay(intent);
    await fx.chain.mine(2);
    await scannedTo(block + 2n);
    await fx.scanner?.stop();

    await fx.publishIntent(intent);
    await fx.startScanner({ tokens: [token.address] });
    const events = await fx.waitForStatuses(intent.payment_id, ['DETECTED', 'CONFIRMED']);
    assert.deepEqual(statuses(events), ['DETECTED', 'CONFIRMED']);
    assert.equal(events[0]?.block_number, Number(block));
  });
});
