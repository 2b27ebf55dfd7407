// Parts submitted together share one run; parts submitted while a run is in flight go
// together in the next; a failed run fails each of its parts and no other.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupCommits } from '../src/group-commit.ts';

describe('groupCommits', () => {
  it('runs the parts of one turn together, and those that arrive meanwhile in the next run', async () => {
    const runs: number[][] = [];
    let release = () => {};
    const submit = groupCommits<number>(async (parts) => {
      runs.push([...parts]);
      if (runs.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = [submit(1), submit(2), submit(3)];
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(runs, [[1, 2, 3]]);
    // The first run is in flight: these wait and go together.
    const second = [submit(4), submit(5)];
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(runs.length, 1);
    release();
    await Promise.all([...first, ...second]);
    assert.deepEqual(runs, [
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it("a failed run fails each of its parts, and the next run's parts succeed", async () => {
    let calls = 0;
    const submit = groupCommits<string>(async (parts) => {
      calls++;
      if (parts.includes('bad')) throw new Error('the transaction was aborted');
    });
    const failed = await Promise.allSettled([submit('a'), submit('bad')]);
    assert.deepEqual(
      failed.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    await submit('c');
    assert.equal(calls, 2);
  });

  it('a run that throws before returning a promise fails its parts too', async () => {
    const submit = groupCommits<number>(() => {
      throw new Error('thrown at once');
    });
    await assert.rejects(submit(1), /thrown at once/);
  });
});
