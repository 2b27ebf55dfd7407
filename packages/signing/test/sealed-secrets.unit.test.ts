import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  generateSecret,
  isSealed,
  openSecret,
  readSecretsKeyRingFile,
  SealedSecretError,
  SecretsKeyError,
  SecretsKeyRing,
  sealSecrets,
} from '@payhook/signing';

const keyText = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const k1 = keyText('k1');
const k2 = keyText('k2');
const unreadable = (error: unknown) => error instanceof SealedSecretError;

describe('signing secrets sealed at rest', () => {
  it('seals with a fresh nonce each time and opens for the same endpoint only', () => {
    const ring = SecretsKeyRing.parse(k1);
    const secret = generateSecret();
    const a = ring.seal(secret, 'ep_1');
    const b = ring.seal(secret, 'ep_1');
    assert.notEqual(a, b, 'a fresh nonce per value');
    assert.ok(isSealed(a) && a.startsWith('enc:v1:k1:'));
    assert.ok(!a.includes(secret.slice(6)), 'no trace of the secret');
    assert.equal(ring.open(a, 'ep_1'), secret);
    assert.throws(() => ring.open(a, 'ep_2'), unreadable, 'the endpoint id is associated data');
  });

  it('refuses a value altered anywhere, a truncated one, and one under an unknown key', () => {
    const ring = SecretsKeyRing.parse(k1);
    const sealed = ring.seal(generateSecret(), 'ep_1');
    const body = sealed.slice('enc:v1:k1:'.length);
    for (let i = 0; i < body.length; i += 7) {
      const flipped = body[i] === 'A' ? 'B' : 'A';
      const altered = `enc:v1:k1:${body.slice(0, i)}${flipped}${body.slice(i + 1)}`;
      if (altered !== sealed) assert.throws(() => ring.open(altered, 'ep_1'), unreadable, `altered at ${i}`);
    }
    assert.throws(() => ring.open('enc:v1:k1:AAAA', 'ep_1'), unreadable);
    assert.throws(
      () => SecretsKeyRing.parse(k2).open(sealed, 'ep_1'),
      (e: unknown) => unreadable(e) && (e as SealedSecretError).keyId === 'k1' && /not configured/.test(String(e)),
    );
    assert.throws(() => openSecret(sealed, 'ep_1', undefined), /no PAYHOOK_SECRETS_KEY/);
  });

  it('passes plaintext secrets written before sealing through unchanged', () => {
    const secret = generateSecret();
    assert.equal(openSecret(secret, 'ep_1', undefined), secret);
    assert.equal(SecretsKeyRing.parse(k1).open(secret, 'ep_1'), secret);
  });

  it('rotates: the current key seals, an older one still opens, sealSecrets moves all to the current key', () => {
    const old = SecretsKeyRing.parse(k1);
    const plain = generateSecret();
    const underOld = old.seal(generateSecret(), 'ep_1');
    const both = SecretsKeyRing.parse(`${k2},${k1}`);
    const secrets = [
      { secret: plain, active_from: 1, expires_at: 5 },
      { secret: underOld, active_from: 2, expires_at: null },
    ];
    const resealed = sealSecrets(secrets, 'ep_1', both);
    assert.ok(resealed.every((s) => both.isCurrent(s.secret)));
    assert.deepEqual(
      resealed.map((s) => [s.active_from, s.expires_at]),
      [
        [1, 5],
        [2, null],
      ],
    );
    const onlyNew = SecretsKeyRing.parse(k2);
    assert.deepEqual(
      resealed.map((s) => onlyNew.open(s.secret, 'ep_1')),
      [plain, old.open(underOld, 'ep_1')],
    );
    const again = sealSecrets(resealed, 'ep_1', both);
    assert.deepEqual(again, resealed, 'values already under the current key are left as they are');
  });

  it('parses the setting or reads its file, saying what is wrong and never the key', () => {
    assert.equal(SecretsKeyRing.parse(`${k2},${k1}`).current.id, 'k2');
    assert.equal(readSecretsKeyRingFile('/k', () => `${k2}\n`).current.id, 'k2');
    const refuses = (read: () => unknown, message: RegExp) =>
      assert.throws(
        read,
        (e: unknown) => e instanceof SecretsKeyError && message.test(e.message) && !e.message.includes(k1.slice(3)),
      );
    refuses(() => SecretsKeyRing.parse('k1'), /^entry 1 must be <key id>:/);
    refuses(() => SecretsKeyRing.parse(''), /at least one key/);
    refuses(() => SecretsKeyRing.parse(`k1:${randomBytes(16).toString('base64')}`), /must be 32 bytes, got 16/);
    refuses(() => SecretsKeyRing.parse(`${k1},${k1}`), /given twice/);
    refuses(() => SecretsKeyRing.parse('k 1:AAAA'), /key id "k 1"/);
    refuses(
      () =>
        readSecretsKeyRingFile('/nope', () => {
          throw Object.assign(new Error('no'), { code: 'ENOENT' });
        }),
      /cannot read \/nope \(ENOENT\)/,
    );
  });
});
