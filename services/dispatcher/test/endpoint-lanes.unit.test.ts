import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointLanes } from '../src/endpoint-lanes.ts';

/**
 * A task that runs until its `finish` is called, recording when it started. It waits on its
 * endpoint from the start, unless `onOurSide` (a rate limit, say).
 */
function gate(log: string[], name: string, onOurSide = false) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    task: async (waiting: () => void) => {
      log.push(name);
      if (!onOurSide) waiting();
      await done;
    },
    finish,
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('endpoint lanes', () => {
  it('runs one endpoint in order, one at a time, and other endpoints beside it', async () => {
    const lanes = new EndpointLanes();
    const log: string[] = [];
    const a1 = gate(log, 'a1');
    const a2 = gate(log, 'a2');
    const b1 = gate(log, 'b1');
    lanes.submit('a', a1.task);
    lanes.submit('a', a2.task);
    lanes.submit('b', b1.task);
    await settle();
    assert.deepEqual(log, ['a1', 'b1']);
    assert.equal(lanes.running, 2);
    assert.equal(lanes.queued, 1);
    a1.finish();
    await settle();
    assert.deepEqual(log, ['a1', 'b1', 'a2']);
    a2.finish();
    b1.finish();
    await lanes.idle();
    assert.equal(lanes.endpoints, 0);
  });

  it('caps running tasks overall and lets waiting endpoints take turns', async () => {
    const lanes = new EndpointLanes({ perEndpoint: 2, maxRunning: 2 });
    const log: string[] = [];
    const tasks = new Map<string, ReturnType<typeof gate>>();
    for (const name of ['hot1', 'hot2', 'hot3', 'hot4', 'q1', 'r1']) {
      const g = gate(log, name);
      tasks.set(name, g);
      lanes.submit(name.slice(0, -1), g.task);
    }
    await settle();
    assert.deepEqual(log, ['hot1', 'hot2']);
    assert.equal(lanes.running, 2);
    tasks.get('hot1')?.finish();
    await settle();
    // The quiet endpoints were waiting in line before the hot one's next turn.
    assert.deepEqual(log, ['hot1', 'hot2', 'q1']);
    tasks.get('hot2')?.finish();
    await settle();
    assert.deepEqual(log, ['hot1', 'hot2', 'q1', 'r1']);
    tasks.get('q1')?.finish();
    tasks.get('r1')?.finish();
    await settle();
    assert.deepEqual(log, ['hot1', 'hot2', 'q1', 'r1', 'hot3', 'hot4']);
    assert.equal(lanes.running, 2);
    tasks.get('hot3')?.finish();
    tasks.get('hot4')?.finish();
    await lanes.idle();
    assert.equal(lanes.running, 0);
    assert.equal(lanes.queued, 0);
  });

  it('keeps going when a task rejects', async () => {
    const lanes = new EndpointLanes({ maxRunning: 1 });
    let ran = 0;
    lanes.submit('a', () => Promise.reject(new Error('boom')));
    lanes.submit('a', async () => {
      ran++;
    });
    await lanes.idle();
    assert.equal(ran, 1);
  });

  it('stops counting a task against the overall cap once it is slow, up to maxSlow', async () => {
    const lanes = new EndpointLanes({ maxRunning: 1, slowAfterMs: 40, maxSlow: 1 });
    const log: string[] = [];
    const hang1 = gate(log, 'hang1');
    const hang2 = gate(log, 'hang2');
    const quick = gate(log, 'quick');
    lanes.submit('hanging-1', hang1.task);
    lanes.submit('hanging-2', hang2.task);
    lanes.submit('healthy', quick.task);
    await settle();
    assert.deepEqual(log, ['hang1'], 'one slot, taken by the first');
    await new Promise((resolve) => setTimeout(resolve, 120));
    // hang1 went slow and freed the slot; hang2 took it and went slow too, but maxSlow is 1,
    // so it keeps the slot and the healthy task waits.
    assert.deepEqual(log, ['hang1', 'hang2']);
    assert.deepEqual([lanes.running, lanes.slow], [2, 1]);
    hang1.finish();
    await new Promise((resolve) => setTimeout(resolve, 80));
    // With hang1 gone, hang2 counts as slow, and the healthy task runs.
    assert.deepEqual(log, ['hang1', 'hang2', 'quick']);
    assert.deepEqual([lanes.running, lanes.slow], [2, 1]);
    quick.finish();
    hang2.finish();
    await lanes.idle();
    assert.deepEqual([lanes.running, lanes.slow, lanes.queued], [0, 0, 0]);
  });

  it('moves on the newest waiting tasks of an endpoint whose task is slow, beyond maxQueuedWhileSlow', async () => {
    const lanes = new EndpointLanes({ slowAfterMs: 30, maxQueuedWhileSlow: 2 });
    const log: string[] = [];
    const moved: string[] = [];
    const hang = gate(log, 'hang');
    lanes.submit('a', hang.task, () => moved.push('hang'));
    for (const n of [1, 2, 3, 4]) lanes.submit('a', gate(log, `a${n}`).task, () => moved.push(`a${n}`));
    const other = gate(log, 'b1');
    lanes.submit('b', other.task, () => moved.push('b1'));
    await settle();
    assert.equal(moved.length, 0, 'nothing moves on before the running task is slow');
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.deepEqual(moved, ['a4', 'a3'], 'the newest beyond two waiting');
    assert.equal(lanes.queued, 2);
    lanes.submit('a', gate(log, 'a5').task, () => moved.push('a5'));
    assert.deepEqual(moved, ['a4', 'a3', 'a5'], 'a newcomer behind a slow task moves on at once');
    assert.deepEqual(log, ['hang', 'b1'], 'other endpoints run as usual');
    other.finish();
    hang.finish();
    await settle();
    assert.deepEqual(log, ['hang', 'b1', 'a1'], 'the kept ones run once the slow task ends');
  });

  it('never counts a task held up on our side as slow', async () => {
    const lanes = new EndpointLanes({ maxRunning: 1, slowAfterMs: 30, maxQueuedWhileSlow: 1 });
    const log: string[] = [];
    const moved: string[] = [];
    const limited = gate(log, 'limited', true);
    lanes.submit('a', limited.task, () => moved.push('limited'));
    for (const n of [1, 2, 3]) lanes.submit('a', gate(log, `a${n}`).task, () => moved.push(`a${n}`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual([moved.length, lanes.slow, lanes.queued], [0, 0, 3]);
    limited.finish();
    await settle();
    assert.deepEqual(log, ['limited', 'a1']);
  });

  it('trims the lanes of late tasks even when maxSlow is full', async () => {
    const lanes = new EndpointLanes({ slowAfterMs: 30, maxSlow: 1, maxQueuedWhileSlow: 1 });
    const log: string[] = [];
    const moved: string[] = [];
    const first = gate(log, 'x');
    const second = gate(log, 'y');
    lanes.submit('x', first.task);
    lanes.submit('y', second.task);
    for (const n of [1, 2, 3]) lanes.submit('y', gate(log, `y${n}`).task, () => moved.push(`y${n}`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(lanes.slow, 1, 'only one counted apart');
    assert.deepEqual(moved, ['y3', 'y2'], 'the second late lane is trimmed all the same');
    first.finish();
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(lanes.slow, 1, 'the other late task is counted apart once there is room');
    second.finish();
    await settle();
    assert.deepEqual(log, ['x', 'y', 'y1']);
  });

  it('refuses nonsense limits', () => {
    assert.throws(() => new EndpointLanes({ perEndpoint: 0 }), /perEndpoint/);
    assert.throws(() => new EndpointLanes({ maxRunning: 1.5 }), /maxRunning/);
  });
});
