import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RetryOptionError, TokenBucketRegistry } from '@payhook/retry';
import { manualClock } from './manual-clock.ts';

describe('TokenBucketRegistry', () => {
  it('uses the default limit for endpoints without their own', () => {
    const registry = new TokenBucketRegistry({ clock: manualClock(), defaultLimit: { ratePerSecond: 2, burst: 2 } });
    assert.deepEqual([registry.tryTake('a'), registry.tryTake('a', null), registry.tryTake('a')], [0, 0, 500]);
  });

  it('defaults to 10 per second with a burst of 10', () => {
    const registry = new TokenBucketRegistry({ clock: manualClock() });
    const results = Array.from({ length: 11 }, () => registry.tryTake('a'));
    assert.deepEqual(results, [...Array(10).fill(0), 100]);
  });

  it('keeps endpoints independent', () => {
    const registry = new TokenBucketRegistry({ clock: manualClock() });
    const slow = { ratePerSecond: 1, burst: 1 };
    assert.equal(registry.tryTake('slow', slow), 0);
    assert.equal(registry.tryTake('slow', slow), 1_000);
    assert.equal(registry.tryTake('other', slow), 0);
  });

  it('applies a changed endpoint limit at the next request', () => {
    const clock = manualClock();
    const registry = new TokenBucketRegistry({ clock });
    assert.equal(registry.tryTake('ep', { ratePerSecond: 1, burst: 1 }), 0);
    assert.equal(registry.tryTake('ep', { ratePerSecond: 1, burst: 1 }), 1_000);
    // The merchant raised the rate: the wait shrinks at once, with no new burst granted.
    assert.equal(registry.tryTake('ep', { ratePerSecond: 4, burst: 4 }), 250);
    clock.advance(250);
    assert.equal(registry.tryTake('ep', { ratePerSecond: 4, burst: 4 }), 0);
    assert.deepEqual(registry.peek('ep')?.limit, { ratePerSecond: 4, burst: 4 });
  });

  it('drops buckets that have refilled, since a new one is the same', () => {
    const clock = manualClock();
    const registry = new TokenBucketRegistry({ clock, defaultLimit: { ratePerSecond: 1, burst: 2 } });
    for (let i = 0; i < 50; i++) registry.tryTake(`ep_${i}`);
    assert.equal(registry.size, 50);
    clock.advance(999);
    assert.equal(registry.sweep(), 0);
    clock.advance(1);
    assert.equal(registry.sweep(), 50);
    assert.equal(registry.size, 0);
  });

  it('sweeps by itself on use, at most once a second', () => {
    const clock = manualClock();
    const registry = new TokenBucketRegistry({ clock, defaultLimit: { ratePerSecond: 10, burst: 1 } });
    for (let i = 0; i < 20; i++) registry.tryTake(`ep_${i}`);
    clock.advance(100);
    registry.tryTake('new');
    assert.equal(registry.size, 21, 'the first use swept; the next sweep waits');
    clock.advance(900);
    registry.tryTake('newer');
    assert.equal(registry.size, 1);
  });

  it('keeps a drained bucket, so a busy endpoint cannot escape its limit', () => {
    const clock = manualClock();
    const registry = new TokenBucketRegistry({ clock, defaultLimit: { ratePerSecond: 1, burst: 1 } });
    registry.tryTake('busy');
    clock.advance(500);
    registry.sweep();
    assert.equal(registry.tryTake('busy'), 500);
  });

  it('stays within maxBuckets, dropping the least recently used', () => {
    const registry = new TokenBucketRegistry({
      clock: manualClock(),
      maxBuckets: 2,
      defaultLimit: { ratePerSecond: 1 },
    });
    registry.tryTake('a');
    registry.tryTake('b');
    registry.tryTake('a');
    registry.tryTake('c');
    assert.equal(registry.size, 2);
    assert.equal(registry.peek('b'), undefined);
    assert.notEqual(registry.peek('a'), undefined);
  });

  it('rejects bad options and bad endpoint limits', () => {
    assert.throws(() => new TokenBucketRegistry({ maxBuckets: 0 }), RetryOptionError);
    assert.throws(() => new TokenBucketRegistry({ defaultLimit: { ratePerSecond: 0 } }), RetryOptionError);
    const registry = new TokenBucketRegistry({ clock: manualClock() });
    assert.throws(() => registry.tryTake('ep', { ratePerSecond: -2 }), RetryOptionError);
  });
});
