import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESPONSE_EXCERPT_BYTES, responseExcerpt } from '../src/attempt-records.ts';

describe('the response excerpt of an attempt', () => {
  it('is null without a body, and a short body whole', () => {
    assert.equal(responseExcerpt(undefined), null);
    assert.equal(responseExcerpt(''), null);
    assert.equal(responseExcerpt('{"ok":true}'), '{"ok":true}');
  });

  it('keeps at most 512 bytes of UTF-8, cut between characters', () => {
    assert.equal(responseExcerpt('a'.repeat(4_096)), 'a'.repeat(RESPONSE_EXCERPT_BYTES));
    // Three bytes each: 170 of them fit in 512 bytes.
    const euros = responseExcerpt('€'.repeat(1_000)) ?? '';
    assert.equal(euros, '€'.repeat(170));
    // A four-byte character is two UTF-16 units: never half of one.
    const emoji = responseExcerpt(`${'x'.repeat(510)}😀tail`) ?? '';
    assert.equal(emoji, 'x'.repeat(510));
    const mixed = responseExcerpt(`${'x'.repeat(300)}${'😀'.repeat(100)}`) ?? '';
    assert.ok(Buffer.byteLength(mixed, 'utf8') <= 512);
    assert.equal(mixed, `${'x'.repeat(300)}${'😀'.repeat(53)}`);
    assert.ok(!mixed.includes('\uFFFD'));
  });
});
