import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSemaphore } from '../src/semaphore.ts';

describe('semaphore', () => {
  it('holds at most its limit and hands slots over in arrival order', async () => {
    const slots = createSemaphore(2);
    const first = await slots.acquire();
    await slots.acquire();
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) =>
      slots.acquire().then((release) => {
        order.push(n);
        return release;
      }),
    );
    assert.equal(slots.active, 2);
    assert.equal(slots.waiting, 3);
    first();
    first(); // a second call gives nothing back
    const release1 = await waiting[0];
    assert.deepEqual(order, [1]);
    assert.equal(slots.waiting, 2);
    release1?.();
    await waiting[1];
    assert.deepEqual(order, [1, 2]);
    assert.equal(slots.active, 2);
  });

  it('rejects only the waiters of the signal that aborted, and keeps the others in order', async () => {
    const slots = createSemaphore(1);
    const held = await slots.acquire();
    const a = new AbortController();
    const b = new AbortController();
    const results: string[] = [];
    const track = (name: string, p: Promise<() => void>) =>
      p.then(
        (release) => {
          results.push(`${name} granted`);
          return release;
        },
        () => {
          results.push(`${name} aborted`);
          return undefined;
        },
      );
    const w1 = track('a1', slots.acquire(a.signal));
    const w2 = track('b1', slots.acquire(b.signal));
    const w3 = track('a2', slots.acquire(a.signal));
    const w4 = track('none', slots.acquire());
    a.abort(new Error('stop'));
    await Promise.all([w1, w3]);
    assert.equal(slots.waiting, 2);
    held();
    const releaseB = await w2;
    releaseB?.();
    const releaseNone = await w4;
    releaseNone?.();
    assert.deepEqual(results, ['a1 aborted', 'a2 aborted', 'b1 granted', 'none granted']);
    assert.equal(slots.active, 0);
    await assert.rejects(slots.acquire(a.signal), /stop/);
  });

  it('keeps its queue bounded by the waiters, however many came and went', async () => {
    const slots = createSemaphore(1);
    let release = await slots.acquire();
    for (let i = 0; i < 5_000; i++) {
      const next = slots.acquire();
      release();
      release = await next;
    }
    assert.equal(slots.waiting, 0);
    assert.equal(slots.active, 1);
    release();
    assert.equal(slots.active, 0);
  });
});
