import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UNCONSUMED_WINDOW, UnconsumedWindow, type WindowRecord } from '@payhook/consumer-lag';

const t0 = 1_700_000_000_000;

const record = (offset: number, timestampMs = t0, dueAtMs?: number, bytes = 100): WindowRecord => ({
  offset: BigInt(offset),
  timestampMs,
  dueAtMs,
  bytes,
});

/** A window fed the given records, as a scan of the partition would. */
function fed(window: UnconsumedWindow, records: readonly WindowRecord[]): UnconsumedWindow {
  for (const r of records) window.add(r);
  return window;
}

describe('UnconsumedWindow: records to read', () => {
  it('is 0 when no data record follows the position (only markers up to the end)', () => {
    const window = new UnconsumedWindow(5n, null);
    assert.equal(window.lagOffsets(6n), 0);
    assert.equal(window.head, undefined);
    assert.equal(window.lagMs(t0), 0);
    assert.equal(window.ageMs(t0), 0);
  });

  it('counts data records, not the offsets of markers and aborted records between them', () => {
    // Offsets 1, 2 and 7, 8 are data; 3, 6 and 9 markers; 4, 5 aborted.
    const window = fed(
      new UnconsumedWindow(1n, null),
      [1, 2, 7, 8].map((o) => record(o)),
    );
    assert.equal(window.full, false);
    assert.equal(window.lagOffsets(10n), 4);
    assert.equal(window.head?.offset, 1n);
  });

  it('ignores records before its position and records it has seen', () => {
    const window = fed(
      new UnconsumedWindow(3n, null),
      [0, 1, 2, 3, 4, 4, 3, 5].map((o) => record(o)),
    );
    assert.equal(window.lagOffsets(6n), 3);
    assert.equal(window.head?.offset, 3n);
  });

  it('stops at its record limit and counts the offsets beyond as they are', () => {
    const window = fed(
      new UnconsumedWindow(0n, null, { records: 3, bytes: 1_000_000 }),
      [0, 1, 2, 4, 5].map((o) => record(o)),
    );
    assert.equal(window.full, true);
    // 0, 1, 2 counted; 3 to 999 as offsets.
    assert.equal(window.lagOffsets(1_000n), 3 + 997);
  });

  it('stops at its byte limit', () => {
    const window = fed(
      new UnconsumedWindow(0n, null, { records: 500, bytes: 250 }),
      [0, 1, 2, 3].map((o) => record(o, t0, undefined, 100)),
    );
    assert.equal(window.full, true);
    assert.equal(window.lagOffsets(4n), 4, '0, 1, 2 counted, 3 as an offset');
  });

  it('defaults to 500 records or 1 MiB', () => {
    assert.deepEqual(UNCONSUMED_WINDOW, { records: 500, bytes: 1_048_576 });
    const window = new UnconsumedWindow(0n, null);
    for (let o = 0; o < 499; o++) window.add(record(o));
    assert.equal(window.full, false);
    window.add(record(499));
    assert.equal(window.full, true);
  });
});

describe('UnconsumedWindow: seconds', () => {
  it('off a retry tier, is the age of the oldest unconsumed record', () => {
    const window = fed(new UnconsumedWindow(0n, null), [record(0, t0), record(1, t0 - 60_000)]);
    assert.equal(window.ageMs(t0 + 5_000), 5_000);
    assert.equal(window.lagMs(t0 + 5_000), 5_000);
    assert.equal(window.lagMs(t0 - 1_000), 0, 'never negative');
  });

  it('on a tier, is the longest any record has waited past its due time, not only the head', () => {
    const window = fed(new UnconsumedWindow(0n, 60_000), [
      record(0, t0, t0 + 60_000), // the head, due in a minute
      record(1, t0 - 50_000, t0 - 20_000),
      record(2, t0 - 40_000, t0 - 5_000),
    ]);
    assert.equal(window.lagMs(t0), 20_000);
    assert.equal(window.lagMs(t0 + 1_000), 21_000, 'grows while they wait');
    assert.equal(window.ageMs(t0 + 1_000), 1_000, 'the age stays the head’s');
  });

  it('on a tier, takes the timestamp plus the delay without a due header, and is 0 while nothing is due', () => {
    const window = fed(new UnconsumedWindow(0n, 10_000), [record(0, t0), record(1, t0 + 1_000)]);
    assert.equal(window.lagMs(t0 + 9_000), 0);
    assert.equal(window.lagMs(t0 + 12_500), 2_500);
  });

  it('on a tier, only looks at the records in the window', () => {
    const window = fed(new UnconsumedWindow(0n, 10_000, { records: 1, bytes: 1_000_000 }), [
      record(0, t0, t0 + 60_000),
      record(1, t0, t0 - 30_000),
    ]);
    assert.equal(window.lagMs(t0), 0);
  });
});
