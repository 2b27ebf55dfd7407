import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryHeader, readRetryState } from '../src/headers.ts';

describe('readRetryState', () => {
  it('gives a record without delivery headers the fresh state, shared, whatever else it carries', () => {
    const fresh = readRetryState({});
    assert.equal(fresh.attempts, 0);
    assert.equal(fresh.hops, undefined);
    assert.equal(fresh.originalTopic, undefined);
    assert.equal(readRetryState(undefined), fresh);
    assert.equal(readRetryState({ traceparent: Buffer.from('00-abc-def-01') }), fresh);
    assert.ok(Object.isFrozen(fresh));
  });

  it('reads the state of a record that went through a tier', () => {
    const state = readRetryState({
      traceparent: 'kept',
      [DeliveryHeader.ATTEMPTS]: Buffer.from('2'),
      [DeliveryHeader.HOPS]: '1',
      [DeliveryHeader.DUE_AT]: '1700000000000',
      [DeliveryHeader.ORIGINAL_TOPIC]: Buffer.from('webhooks.dispatch'),
      [DeliveryHeader.ORIGINAL_PARTITION]: '3',
      [DeliveryHeader.ORIGINAL_OFFSET]: '42',
    });
    assert.equal(state.attempts, 2);
    assert.equal(state.hops, 1);
    assert.equal(state.dueAtMs, 1_700_000_000_000);
    assert.equal(state.originalTopic, 'webhooks.dispatch');
    assert.equal(state.originalPartition, 3);
    assert.equal(state.originalOffset, '42');
    assert.equal(state.holdUntilMs, undefined);
  });

  it('reads a replay marker alone as a state of its own', () => {
    const state = readRetryState({ [DeliveryHeader.REPLAYED_AT]: '1700000000000' });
    assert.equal(state.attempts, 0);
    assert.equal(state.replayedAtMs, 1_700_000_000_000);
  });
});
