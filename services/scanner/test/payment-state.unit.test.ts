import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Funding, PaymentIntent } from '@payhook/contracts';
import {
  addFunding,
  evaluate,
  eventId,
  mayChange,
  newPaymentState,
  stateFromEvent,
  type Tip,
  undoAbove,
} from '../src/payment-state.ts';
import { intent as chainIntent } from './fake-chain.ts';

const intent: PaymentIntent = { ...chainIntent, required_confirmations: 3, expires_at: 10_000 };
const tip = (number: number, timeMs = 1_000): Tip => ({ number, hash: `0x${number}`, timeMs });
const funding = (tx: string, block: number, amount: string): Funding => ({
  tx_hash: tx,
  log_index: -1,
  block_number: block,
  block_hash: `0x${block}`,
  amount,
});
const statuses = (events: { status: string }[]) => events.map((e) => e.status);

describe('payment state machine', () => {
  it('pending → detected when seen → confirmed at the required depth, exactly once', () => {
    const s = newPaymentState(intent);
    assert.deepEqual(evaluate(s, tip(9)), []);
    addFunding(s, funding('0xa', 10, '1000'));
    const detected = evaluate(s, tip(10));
    assert.deepEqual(statuses(detected), ['DETECTED']);
    assert.equal(detected[0]?.confirmations, 1);
    assert.deepEqual(evaluate(s, tip(11)), []);
    const confirmed = evaluate(s, tip(12));
    assert.deepEqual(statuses(confirmed), ['CONFIRMED']);
    assert.equal(confirmed[0]?.sequence, 2);
    assert.equal(confirmed[0]?.previous_status, 'DETECTED');
    assert.deepEqual(evaluate(s, tip(50)), [], 'final');
  });

  it('detected and confirmed in one step when one confirmation suffices', () => {
    const s = newPaymentState({ ...intent, required_confirmations: 1 });
    addFunding(s, funding('0xa', 10, '1000'));
    assert.deepEqual(statuses(evaluate(s, tip(10))), ['DETECTED', 'CONFIRMED']);
  });

  it('underpaid, then topped up: detected again, then confirmed', () => {
    const s = newPaymentState(intent);
    addFunding(s, funding('0xa', 10, '400'));
    assert.deepEqual(statuses(evaluate(s, tip(12))), ['DETECTED', 'UNDERPAID']);
    assert.deepEqual(evaluate(s, tip(13)), [], 'underpaid is reported once');
    addFunding(s, funding('0xb', 14, '600'));
    assert.deepEqual(statuses(evaluate(s, tip(14))), ['DETECTED']);
    const done = evaluate(s, tip(16));
    assert.deepEqual(statuses(done), ['CONFIRMED']);
    assert.equal(done[0]?.amount_received, '1000');
    assert.deepEqual(done[0]?.tx_hashes, ['0xa', '0xb']);
  });

  it('overpaid is final', () => {
    const s = newPaymentState(intent);
    addFunding(s, funding('0xa', 10, '1500'));
    assert.deepEqual(statuses(evaluate(s, tip(12))), ['DETECTED', 'OVERPAID']);
    addFunding(s, funding('0xb', 13, '1'));
    assert.deepEqual(evaluate(s, tip(20)), []);
  });

  it('expires unpaid by chain time; a paid payment does not expire', () => {
    const s = newPaymentState(intent);
    assert.deepEqual(evaluate(s, tip(5, 9_999)), []);
    assert.deepEqual(statuses(evaluate(s, tip(6, 10_001))), ['EXPIRED']);
    const paid = newPaymentState(intent);
    addFunding(paid, funding('0xa', 5, '1000'));
    assert.deepEqual(statuses(evaluate(paid, tip(5, 20_000))), ['DETECTED']);
  });

  it('may change only when funded, or unfunded and expired, and never once final', () => {
    const cases = [
      { state: newPaymentState(intent), at: tip(5, 9_999), may: false },
      { state: newPaymentState(intent), at: tip(6, 10_001), may: true },
      { state: { ...newPaymentState(intent), status: 'REORGED' as const }, at: tip(6, 10_001), may: true },
      { state: { ...newPaymentState(intent), status: 'UNDERPAID' as const }, at: tip(6, 10_001), may: false },
      { state: { ...newPaymentState(intent), status: 'CONFIRMED' as const }, at: tip(6, 10_001), may: false },
    ];
    const funded = newPaymentState(intent);
    addFunding(funded, funding('0xa', 5, '1000'));
    cases.push({ state: funded, at: tip(5), may: true });
    for (const { state, at, may } of cases) {
      assert.equal(mayChange(state, at), may, `${state.status} at ${at.timeMs}`);
      // It never hides a change evaluate() would make.
      if (!may) assert.deepEqual(evaluate(state, at), []);
    }
  });

  it('a reorg before confirmation: reorged, then confirmed once re-included', () => {
    const s = newPaymentState(intent);
    addFunding(s, funding('0xa', 10, '1000'));
    evaluate(s, tip(10));
    const { event } = undoAbove(s, 9, tip(9));
    assert.equal(event?.status, 'REORGED');
    assert.equal(event?.amount_received, '0');
    assert.equal(addFunding(s, funding('0xa', 11, '1000')), true);
    assert.equal(addFunding(s, funding('0xa', 11, '1000')), false, 'a rescan does not count it twice');
    assert.deepEqual(statuses(evaluate(s, tip(11))), ['DETECTED']);
    assert.deepEqual(statuses(evaluate(s, tip(13))), ['CONFIRMED']);
  });

  it('a reorg under a confirmed payment is reported, not undone', () => {
    const s = newPaymentState({ ...intent, required_confirmations: 1 });
    addFunding(s, funding('0xa', 10, '1000'));
    evaluate(s, tip(10));
    assert.deepEqual(undoAbove(s, 9, tip(9)), { lostFinal: true });
    assert.equal(s.status, 'CONFIRMED');
  });

  it('event ids are deterministic, and state rebuilds from the latest event', () => {
    assert.equal(eventId('pay_1', 2, 'CONFIRMED'), eventId('pay_1', 2, 'CONFIRMED'));
    assert.notEqual(eventId('pay_1', 2, 'CONFIRMED'), eventId('pay_1', 3, 'CONFIRMED'));
    const s = newPaymentState(intent);
    addFunding(s, funding('0xa', 10, '400'));
    const events = evaluate(s, tip(12));
    const rebuilt = stateFromEvent(intent, events.at(-1) as never);
    assert.equal(rebuilt.status, 'UNDERPAID');
    assert.equal(rebuilt.sequence, 2);
    addFunding(rebuilt, funding('0xb', 13, '600'));
    assert.deepEqual(statuses(evaluate(rebuilt, tip(13))), ['DETECTED'], 'a top-up after a restart is seen');
  });
});
