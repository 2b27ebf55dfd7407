import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createKeyedSlots, type Release } from '../src/keyed-slots.ts';
import { createSemaphore } from '../src/semaphore.ts';

const taken = async (slot: Release | Promise<Release>): Promise<Release> => slot;

describe('keyed slots', () => {
  it('bounds each key on its own', async () => {
    const slots = createKeyedSlots(1);
    const a = slots.take('a');
    assert.equal(typeof a, 'function', 'a free slot is given at once');
    const b = slots.take('b');
    assert.equal(typeof b, 'function', 'another key is not held up');
    let secondA = false;
    const waiting = taken(slots.take('a')).then((release) => {
      secondA = true;
      return release;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(secondA, false);
    (a as Release)();
    (await waiting)();
    assert.equal(secondA, true);
  });

  it('rejects a waiter whose signal aborts, and the key stays usable', async () => {
    const slots = createKeyedSlots(1);
    const held = await taken(slots.take('a'));
    const controller = new AbortController();
    const waiting = taken(slots.take('a', controller.signal));
    controller.abort(new Error('stop'));
    await assert.rejects(waiting, /stop/);
    held();
    assert.equal(typeof slots.take('a'), 'function');
  });

  it('drops idle keys once many are kept', async () => {
    const slots = createKeyedSlots(1);
    const busy = await taken(slots.take('busy'));
    for (let i = 0; i < 5_000; i++) (await taken(slots.take(`idle-${i}`)))();
    assert.ok(slots.keys <= 2_048, `kept ${slots.keys} keys`);
    const waiting = taken(slots.take('busy'));
    busy();
    (await waiting)();
  });
});

describe('semaphore tryAcquire', () => {
  it('takes a free slot at once and nothing when all are held', () => {
    const slots = createSemaphore(1);
    const release = slots.tryAcquire();
    assert.equal(typeof release, 'function');
    assert.equal(slots.tryAcquire(), undefined);
    release?.();
    assert.equal(slots.active, 0);
    assert.equal(typeof slots.tryAcquire(), 'function');
  });
});
