import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CircuitBreaker,
  type CircuitBreakerOptions,
  CircuitState,
  type CircuitStateChange,
  RetryOptionError,
} from '@payhook/retry';
import { manualClock } from './manual-clock.ts';

function setup(options: CircuitBreakerOptions = {}) {
  const clock = manualClock();
  const changes: CircuitStateChange[] = [];
  const breaker = new CircuitBreaker('ep_1', {
    failureThreshold: 3,
    coolDownMs: 10_000,
    probeTimeoutMs: 5_000,
    clock,
    onStateChange: (c) => changes.push(c),
    ...options,
  });
  const fail = (n: number) => {
    for (let i = 0; i < n; i++) {
      assert.equal(breaker.tryAcquire(), true);
      breaker.onFailure();
    }
  };
  return { clock, changes, breaker, fail };
}

describe('CircuitBreaker closed', () => {
  it('starts closed and lets every request through', () => {
    const { breaker, changes } = setup();
    assert.equal(breaker.state, CircuitState.CLOSED);
    for (let i = 0; i < 100; i++) assert.equal(breaker.tryAcquire(), true);
    assert.deepEqual(changes, []);
  });

  it('opens after the threshold of consecutive failures', () => {
    const { breaker, fail, changes, clock } = setup();
    fail(2);
    assert.equal(breaker.state, CircuitState.CLOSED);
    assert.equal(breaker.snapshot().consecutiveFailures, 2);
    fail(1);
    assert.equal(breaker.state, CircuitState.OPEN);
    assert.deepEqual(changes, [{ key: 'ep_1', from: 'closed', to: 'open', atMs: clock.now(), consecutiveFailures: 3 }]);
  });

  it('restarts the count after a success', () => {
    const { breaker, fail } = setup();
    fail(2);
    breaker.onSuccess();
    fail(2);
    assert.equal(breaker.state, CircuitState.CLOSED);
    assert.equal(breaker.snapshot().consecutiveFailures, 2);
  });

  it('uses a default threshold of 5', () => {
    const breaker = new CircuitBreaker('ep', { clock: manualClock() });
    for (let i = 0; i < 4; i++) breaker.onFailure();
    assert.equal(breaker.state, CircuitState.CLOSED);
    breaker.onFailure();
    assert.equal(breaker.state, CircuitState.OPEN);
  });
});

describe('CircuitBreaker open and half-open', () => {
  it('refuses requests for the cool-down and says until when', () => {
    const { breaker, fail, clock } = setup();
    fail(3);
    const openedAt = clock.now();
    assert.equal(breaker.tryAcquire(), false);
    assert.deepEqual(breaker.snapshot(), { state: 'open', consecutiveFailures: 3, nextAllowedAtMs: openedAt + 10_000 });
    clock.advance(9_999);
    assert.equal(breaker.tryAcquire(), false);
  });

  it('ignores outcomes of requests that were in flight when it opened', () => {
    const { breaker, fail, clock, changes } = setup();
    fail(3);
    breaker.onSuccess();
    breaker.onFailure();
    assert.equal(breaker.state, CircuitState.OPEN);
    assert.equal(changes.length, 1);
    clock.advance(10_000);
    assert.equal(breaker.tryAcquire(), true, 'a late failure did not extend the cool-down');
  });

  it('reads as half-open once the cool-down ends, without reporting until used', () => {
    const { breaker, fail, clock, changes } = setup();
    fail(3);
    clock.advance(10_000);
    assert.equal(breaker.state, CircuitState.HALF_OPEN);
    assert.equal(changes.length, 1);
    assert.equal(breaker.tryAcquire(), true);
    assert.deepEqual(
      changes.map((c) => `${c.from}>${c.to}`),
      ['closed>open', 'open>half-open'],
    );
  });

  it('lets exactly one probe through in half-open', () => {
    const { breaker, fail, clock } = setup();
    fail(3);
    clock.advance(10_000);
    const allowed = Array.from({ length: 10 }, () => breaker.tryAcquire());
    assert.deepEqual(allowed, [true, false, false, false, false, false, false, false, false, false]);
    assert.equal(breaker.snapshot().nextAllowedAtMs, clock.now() + 5_000);
  });

  it('closes when the probe succeeds', () => {
    const { breaker, fail, clock, changes } = setup();
    fail(3);
    clock.advance(10_000);
    assert.equal(breaker.tryAcquire(), true);
    breaker.onSuccess();
    assert.equal(breaker.state, CircuitState.CLOSED);
    assert.deepEqual(breaker.snapshot(), { state: 'closed', consecutiveFailures: 0, nextAllowedAtMs: null });
    assert.deepEqual(changes.at(-1), {
      key: 'ep_1',
      from: 'half-open',
      to: 'closed',
      atMs: clock.now(),
      consecutiveFailures: 0,
    });
    for (let i = 0; i < 5; i++) assert.equal(breaker.tryAcquire(), true);
  });

  it('re-opens for a fresh cool-down when the probe fails', () => {
    const { breaker, fail, clock, changes } = setup();
    fail(3);
    clock.advance(12_000);
    assert.equal(breaker.tryAcquire(), true);
    breaker.onFailure();
    assert.equal(breaker.state, CircuitState.OPEN);
    assert.equal(breaker.snapshot().nextAllowedAtMs, clock.now() + 10_000);
    clock.advance(9_999);
    assert.equal(breaker.tryAcquire(), false);
    clock.advance(1);
    assert.equal(breaker.tryAcquire(), true);
    assert.deepEqual(
      changes.map((c) => `${c.from}>${c.to}`),
      ['closed>open', 'open>half-open', 'half-open>open', 'open>half-open'],
    );
  });

  it('allows another probe when the first one never reports back', () => {
    const { breaker, fail, clock } = setup();
    fail(3);
    clock.advance(10_000);
    assert.equal(breaker.tryAcquire(), true);
    clock.advance(4_999);
    assert.equal(breaker.tryAcquire(), false);
    clock.advance(1);
    assert.equal(breaker.tryAcquire(), true);
    assert.equal(breaker.tryAcquire(), false);
  });

  it('keeps its state consistent when the callback throws', () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker('ep', {
      failureThreshold: 1,
      clock,
      onStateChange: () => {
        throw new Error('metrics broke');
      },
    });
    assert.throws(() => breaker.onFailure(), /metrics broke/);
    assert.equal(breaker.state, CircuitState.OPEN);
  });
});

describe('CircuitBreaker options', () => {
  it('rejects out-of-range options', () => {
    for (const options of [
      { failureThreshold: 0 },
      { failureThreshold: 2.5 },
      { coolDownMs: -1 },
      { probeTimeoutMs: 0 },
    ]) {
      assert.throws(() => new CircuitBreaker('ep', options), RetryOptionError, JSON.stringify(options));
    }
  });
});
