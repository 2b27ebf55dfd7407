import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatSecret,
  generateSecret,
  InvalidSecretError,
  parseSecret,
  SecretProblem,
  SigningErrorCode,
  SigningInputError,
} from '@payhook/signing';

const key24 = new Uint8Array(24).map((_, i) => i + 1);
const key32 = new Uint8Array(32).map((_, i) => 255 - i);

function problemOf(fn: () => unknown): InvalidSecretError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof InvalidSecretError, `expected InvalidSecretError, got ${String(error)}`);
    assert.equal(error.code, SigningErrorCode.SECRET_INVALID);
    assert.equal(error.retryable, false);
    return error;
  }
  assert.fail('expected an error');
}

describe('formatSecret and parseSecret', () => {
  it('round-trip 24 and 32 byte keys through whsec_<base64>', () => {
    for (const key of [key24, key32]) {
      const secret = formatSecret(key);
      assert.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/);
      assert.deepEqual(parseSecret(secret), key);
    }
  });

  it('formats a 24-byte key without padding, as other providers do', () => {
    assert.equal(formatSecret(key24), `whsec_${Buffer.from(key24).toString('base64')}`);
    assert.ok(!formatSecret(key24).endsWith('='));
  });

  it('formats a view into a larger buffer by its own bytes only', () => {
    const backing = new Uint8Array(40).fill(7);
    const view = backing.subarray(8, 32);
    assert.deepEqual(parseSecret(formatSecret(view)), new Uint8Array(24).fill(7));
  });

  it('parses a published Standard Webhooks example secret', () => {
    assert.equal(parseSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').length, 24);
  });
});

describe('parseSecret errors', () => {
  const good = formatSecret(key32);

  it('rejects a missing or misspelt prefix', () => {
    assert.equal(problemOf(() => parseSecret(good.slice('whsec_'.length))).problem, SecretProblem.MISSING_PREFIX);
    assert.equal(problemOf(() => parseSecret(`WHSEC_${good.slice(6)}`)).problem, SecretProblem.MISSING_PREFIX);
    assert.equal(problemOf(() => parseSecret('')).problem, SecretProblem.MISSING_PREFIX);
  });

  it('rejects text that is not canonical padded base64', () => {
    const body = good.slice(6);
    for (const bad of [
      `whsec_${body.replace(/=+$/, '')}`, // padding dropped
      `whsec_${body.slice(0, 10)}-${body.slice(11)}`, // base64url alphabet
      `whsec_${body.slice(0, 10)} ${body.slice(11)}`, // whitespace inside
      `whsec_${body}\n`, // trailing newline from a copied file
      `whsec_${body}==`, // too much padding
    ]) {
      assert.equal(problemOf(() => parseSecret(bad)).problem, SecretProblem.NOT_BASE64, JSON.stringify(bad));
    }
  });

  it('rejects keys that are too short or too long, stating the length', () => {
    const short = problemOf(() => parseSecret(`whsec_${Buffer.alloc(16, 1).toString('base64')}`));
    assert.equal(short.problem, SecretProblem.TOO_SHORT);
    assert.equal(short.keyLength, 16);
    assert.match(short.message, /16 bytes, expected 24 to 64/);
    assert.equal(problemOf(() => parseSecret('whsec_')).problem, SecretProblem.TOO_SHORT);
    const long = problemOf(() => parseSecret(`whsec_${Buffer.alloc(65, 1).toString('base64')}`));
    assert.equal(long.problem, SecretProblem.TOO_LONG);
  });

  it('names the position in a list but never the secret itself', () => {
    const secret = `whsec_${Buffer.from('a-secret-that-must-not-leak').toString('base64')}!`;
    const error = problemOf(() => parseSecret(secret, 1));
    assert.equal(error.index, 1);
    assert.match(error.message, /^signing secret #2 /);
    assert.ok(!error.message.includes(secret.slice(6, 20)));
    assert.ok(!JSON.stringify(error).includes(secret.slice(6, 20)));
  });

  it('rejects a raw key of the wrong length when formatting', () => {
    assert.equal(problemOf(() => formatSecret(new Uint8Array(8))).problem, SecretProblem.TOO_SHORT);
  });
});

describe('generateSecret', () => {
  it('makes a 32-byte secret by default that parses back', () => {
    const secret = generateSecret();
    assert.equal(parseSecret(secret).length, 32);
    assert.notEqual(generateSecret(), secret);
  });

  it('uses the injected random source and size', () => {
    const secret = generateSecret({ bytes: 24, randomBytes: (n) => new Uint8Array(n).fill(9) });
    assert.deepEqual(parseSecret(secret), new Uint8Array(24).fill(9));
  });

  it('refuses sizes outside 24 to 32 bytes and short random sources', () => {
    for (const bytes of [16, 23, 33, 24.5]) {
      assert.throws(() => generateSecret({ bytes }), SigningInputError);
    }
    assert.throws(() => generateSecret({ randomBytes: () => new Uint8Array(4) }), SigningInputError);
  });
});
