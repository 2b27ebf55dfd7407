import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRetryAfter, RetryOptionError } from '@payhook/retry';

// Tue, 14 Nov 2023 22:13:20 GMT
const nowMs = 1_700_000_000_000;
const DAY_MS = 86_400_000;

describe('parseRetryAfter delta-seconds', () => {
  it('turns seconds into milliseconds', () => {
    assert.equal(parseRetryAfter('120', nowMs), 120_000);
    assert.equal(parseRetryAfter('0', nowMs), 0);
    assert.equal(parseRetryAfter(' 7 ', nowMs), 7_000);
  });

  it('caps long delays at 24 hours, or at the given maximum', () => {
    assert.equal(parseRetryAfter('86401', nowMs), DAY_MS);
    assert.equal(parseRetryAfter('9'.repeat(400), nowMs), DAY_MS);
    assert.equal(parseRetryAfter('3600', nowMs, { maxMs: 60_000 }), 60_000);
  });
});

describe('parseRetryAfter HTTP-date', () => {
  it('reads the preferred IMF-fixdate form as a delay from now', () => {
    assert.equal(parseRetryAfter('Tue, 14 Nov 2023 22:15:20 GMT', nowMs), 120_000);
  });

  it('reads the obsolete RFC 850 and asctime forms', () => {
    assert.equal(parseRetryAfter('Tuesday, 14-Nov-23 22:15:20 GMT', nowMs), 120_000);
    assert.equal(parseRetryAfter('Tue Nov 14 22:15:20 2023', nowMs), 120_000);
    const early = Date.UTC(2023, 10, 1, 0, 0, 0);
    assert.equal(parseRetryAfter('Wed Nov  1 00:01:00 2023', early), 60_000);
  });

  it('reads a two-digit year more than 50 years ahead as the past century', () => {
    assert.equal(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', nowMs), 0);
    assert.equal(parseRetryAfter('Friday, 15-Nov-24 00:00:00 GMT', nowMs), DAY_MS);
  });

  it('treats a date in the past as no delay and caps a far date', () => {
    assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', nowMs), 0);
    assert.equal(parseRetryAfter('Fri, 01 Jan 2100 00:00:00 GMT', nowMs), DAY_MS);
    assert.equal(parseRetryAfter('Wed, 15 Nov 2023 22:13:20 GMT', nowMs, { maxMs: 3_600_000 }), 3_600_000);
  });

  it('accepts any letter case in day and month names', () => {
    assert.equal(parseRetryAfter('tue, 14 NOV 2023 22:15:20 GMT', nowMs), 120_000);
  });

  it('counts a leap second as the second before it', () => {
    assert.equal(parseRetryAfter('Tue, 14 Nov 2023 22:15:60 GMT', nowMs), 159_000);
  });
});

describe('parseRetryAfter garbage', () => {
  it('returns null for anything that is neither form', () => {
    for (const value of [
      null,
      undefined,
      '',
      '   ',
      '-5',
      '1.5',
      '1e3',
      '0x10',
      '120s',
      'soon',
      '2023-11-14T22:15:20Z',
      'Tue, 14 Nov 2023 22:15:20 UTC',
      'Tue, 14 Nov 2023 22:15:20',
      'Tue, 31 Feb 2023 10:00:00 GMT',
      'Tue, 00 Nov 2023 10:00:00 GMT',
      'Tue, 14 Nov 2023 24:00:00 GMT',
      'Tue, 14 Nov 2023 22:60:00 GMT',
      'Tue, 14 Foo 2023 22:15:20 GMT',
      'Tue,14 Nov 2023 22:15:20 GMT',
    ]) {
      assert.equal(parseRetryAfter(value, nowMs), null, JSON.stringify(value));
    }
  });

  it('rejects a negative cap', () => {
    assert.throws(() => parseRetryAfter('1', nowMs, { maxMs: -1 }), RetryOptionError);
  });
});
