import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { burstOf, RetryOptionError, TokenBucket } from '@payhook/retry';

const t0 = 1_700_000_000_000;

describe('TokenBucket', () => {
  it('starts full: a burst goes at once, then the next request waits one interval', () => {
    const bucket = new TokenBucket({ ratePerSecond: 5, burst: 3 }, t0);
    assert.deepEqual([bucket.tryTake(t0), bucket.tryTake(t0), bucket.tryTake(t0)], [0, 0, 0]);
    assert.equal(bucket.tryTake(t0), 200);
    assert.equal(bucket.tryTake(t0 + 50), 150);
    assert.equal(bucket.tryTake(t0 + 200), 0);
    assert.equal(bucket.tryTake(t0 + 200), 200);
  });

  it('refills at the rate, in fractions of a token', () => {
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 10 }, t0);
    for (let i = 0; i < 10; i++) assert.equal(bucket.tryTake(t0), 0);
    assert.equal(bucket.tokensAt(t0 + 250), 2.5);
    assert.equal(bucket.tryTake(t0 + 250), 0);
    assert.equal(bucket.tryTake(t0 + 250), 0);
    assert.equal(bucket.tryTake(t0 + 250), 50);
  });

  it('never holds more than the burst however long it was idle', () => {
    const bucket = new TokenBucket({ ratePerSecond: 2, burst: 4 }, t0);
    bucket.tryTake(t0);
    assert.equal(bucket.tokensAt(t0 + 3_600_000), 4);
    const later = t0 + 3_600_000;
    const results = Array.from({ length: 5 }, () => bucket.tryTake(later));
    assert.deepEqual(results, [0, 0, 0, 0, 500]);
  });

  it('sustains exactly the rate when the caller waits as advised', () => {
    const bucket = new TokenBucket({ ratePerSecond: 3, burst: 1 }, t0);
    let now = t0;
    let sent = 0;
    while (now < t0 + 10_500) {
      const wait = bucket.tryTake(now);
      if (wait === 0) sent++;
      now += wait === 0 ? 1 : wait;
    }
    // One from the initial burst, then one every 1000/3 ms: at 333.3 ms, 666.7 ms, … 10_333.3 ms.
    assert.equal(sent, 32);
  });

  it('handles rates below one per second', () => {
    const bucket = new TokenBucket({ ratePerSecond: 0.5 }, t0);
    assert.equal(bucket.limit.burst, 1);
    assert.equal(bucket.tryTake(t0), 0);
    assert.equal(bucket.tryTake(t0), 2_000);
    assert.equal(bucket.tryTake(t0 + 1_999), 1);
    assert.equal(bucket.tryTake(t0 + 2_000), 0);
  });

  it('does not refill when the clock steps backwards', () => {
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1 }, t0);
    assert.equal(bucket.tryTake(t0), 0);
    assert.equal(bucket.tryTake(t0 - 5_000), 1_000);
    assert.equal(bucket.tryTake(t0 + 1_000), 0);
  });

  it('changes the limit from now on, dropping tokens above a smaller burst', () => {
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 10 }, t0);
    bucket.setLimit({ ratePerSecond: 1, burst: 2 }, t0);
    assert.deepEqual(bucket.limit, { ratePerSecond: 1, burst: 2 });
    assert.deepEqual([bucket.tryTake(t0), bucket.tryTake(t0), bucket.tryTake(t0)], [0, 0, 1_000]);
  });

  it('refills at the old rate up to the change and the new rate after it', () => {
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 10 }, t0);
    for (let i = 0; i < 10; i++) bucket.tryTake(t0);
    bucket.setLimit({ ratePerSecond: 4, burst: 10 }, t0 + 1_000);
    assert.equal(bucket.tokensAt(t0 + 1_000), 1);
    assert.equal(bucket.tokensAt(t0 + 1_500), 3);
  });

  it('defaults the burst to the rate rounded up', () => {
    assert.equal(burstOf({ ratePerSecond: 7.2 }), 8);
    assert.equal(burstOf({ ratePerSecond: 0.1 }), 1);
    assert.equal(burstOf({ ratePerSecond: 5, burst: 2 }), 2);
  });

  it('rejects rates and bursts that make no sense', () => {
    for (const limit of [
      { ratePerSecond: 0 },
      { ratePerSecond: -1 },
      { ratePerSecond: Number.POSITIVE_INFINITY },
      { ratePerSecond: Number.NaN },
      { ratePerSecond: 5, burst: 0.5 },
    ]) {
      assert.throws(() => new TokenBucket(limit, t0), RetryOptionError, JSON.stringify(limit));
    }
  });
});
