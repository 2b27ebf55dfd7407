import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PaymentEvent } from '@payhook/contracts';
import type { DeployedToken } from '@payhook/testkit';
import { parseEther } from 'viem';
import { type ScannerFixture, startScannerWithToken } from './scanner-fixture.ts';

let fx: ScannerFixture;
let token: DeployedToken;
const statuses = (events: PaymentEvent[]) => events.map((e) => e.status);
const settle = () => new Promise((r) => setTimeout(r, 800));

describe('scanner against a real chain', () => {
  before(async () => {
    ({ fx, token } = await startScannerWithToken());
  });
  after(() => fx.close());

  it('a native payment: detected, then confirmed after the required blocks, exactly once', async () => {
    const intent = await fx.createIntent({ amount: parseEther('1'), confirmations: 3 });
    await settle();
    const receipt = await fx.chain.sendNative(intent.deposit_address as `0x${string}`, parseEther('1'));
    const detected = await fx.waitForStatuses(intent.payment_id, ['DETECTED']);
    assert.deepEqual(statuses(detected), ['DETECTED']);
    assert.deepEqual(detected[0]?.tx_hashes, [receipt.transactionHash]);
    assert.equal(detected[0]?.block_number, Number(receipt.blockNumber));
    await fx.chain.mine(1);
    await settle();
    assert.deepEqual(statuses(await fx.eventsOf(intent.payment_id)), ['DETECTED'], 'not before the third block');
    await fx.chain.mine(1);
    const events = await fx.waitForStatuses(intent.payment_id, ['DETECTED', 'CONFIRMED']);
    await fx.chain.mine(3);
    await settle();
    assert.deepEqual(statuses(await fx.eventsOf(intent.payment_id)), ['DETECTED', 'CONFIRMED']);
    const confirmed = events[1] as PaymentEvent;
    assert.equal(confirmed.amount_received, parseEther('1').toString());
    assert.equal(confirmed.confirmations, 3);
    assert.match(confirmed.event_id, /^evt_[0-9a-f]{32}$/);
  });

  it('an ERC-20 payment: detected, then confirmed', async () => {
    const intent = await fx.createIntent({
      amount: 25_000_000n,
      confirmations: 2,
      asset: { kind: 'ERC20', token_address: token.address, symbol: 'USDT', decimals: 6 },
    });
    await settle();
    await fx.chain.transferToken(token.address, intent.deposit_address as `0x${string}`, 25_000_000n);
    await fx.waitForStatuses(intent.payment_id, ['DETECTED']);
    await fx.chain.mine(1);
    const events = await fx.waitForStatuses(intent.payment_id, ['DETECTED', 'CONFIRMED']);
    assert.deepEqual(statuses(events), ['DETECTED', 'CONFIRMED']);
    assert.equal(events[1]?.asset.token_address, token.address);
  });

  it('underpaid, then topped up and confirmed; overpaid; expired unpaid', async () => {
    const under = await fx.createIntent({ amount: 1_000n, confirmations: 1 });
    const over = await fx.createIntent({ amount: 1_000n, confirmations: 1 });
    const unpaid = await fx.createIntent({ amount: 1_000n, confirmations: 1, expiresInMs: 1_500 });
    await settle();
    await fx.chain.sendNative(under.deposit_address as `0x${string}`, 400n);
    await fx.chain.sendNative(over.deposit_address as `0x${string}`, 1_500n);
    await fx.waitForStatuses(under.payment_id, ['DETECTED', 'UNDERPAID']);
    await fx.chain.sendNative(under.deposit_address as `0x${string}`, 600n);
    const topped = await fx.waitForStatuses(under.payment_id, ['DETECTED', 'UNDERPAID', 'DETECTED', 'CONFIRMED']);
    assert.deepEqual(statuses(topped), ['DETECTED', 'UNDERPAID', 'DETECTED', 'CONFIRMED']);
    assert.equal(topped[3]?.amount_received, '1000');
    assert.deepEqual(statuses(await fx.eventsOf(over.payment_id)), ['DETECTED', 'OVERPAID']);
    await new Promise((r) => setTimeout(r, 1_600));
    await fx.chain.mine(1);
    const expired = await fx.waitForStatuses(unpaid.payment_id, ['EXPIRED']);
    assert.deepEqual(statuses(expired), ['EXPIRED']);
  });

  it('a reorg before confirmation: reorged, and once re-included, confirmed exactly once', async () => {
    const intent = await fx.createIntent({ amount: 5_000n, confirmations: 3 });
    await settle();
    await fx.chain.sendNative(intent.deposit_address as `0x${string}`, 5_000n);
    await fx.waitForStatuses(intent.payment_id, ['DETECTED']);
    // Replace the last block: the payment's transaction is dropped, then sent again in the new block.
    await fx.chain.reorg(1, [{ to: intent.deposit_address as `0x${string}`, value: 5_000n, block: 0 }]);
    const reorged = await fx.waitForStatuses(intent.payment_id, ['DETECTED', 'REORGED', 'DETECTED']);
    assert.deepEqual(statuses(reorged).slice(0, 3), ['DETECTED', 'REORGED', 'DETECTED']);
    await fx.chain.mine(2);
    const events = await fx.waitForStatuses(intent.payment_id, ['DETECTED', 'REORGED', 'DETECTED', 'CONFIRMED']);
    await fx.chain.mine(2);
    await settle();
    assert.deepEqual(statuses(await fx.eventsOf(intent.payment_id)), ['DETECTED', 'REORGED', 'DETECTED', 'CONFIRMED']);
    assert.notEqual(events[0]?.tx_hashes[0], events[3]?.tx_hashes[0], 'confirmed with the re-included transaction');
  });
});
