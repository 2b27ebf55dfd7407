import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type EndpointSecret, generateSecret, SealedSecretError, SecretsKeyRing, sealSecrets } from '@payhook/signing';
import { SecretOpener } from '../src/secret-opener.ts';

const KEY = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

describe('SecretOpener.signingSecrets', () => {
  it('follows a rotation: the new secret from its start, both during the overlap, the old one gone at its expiry', () => {
    const opener = new SecretOpener(undefined);
    const [old, next] = [generateSecret(), generateSecret()];
    const secrets: EndpointSecret[] = [
      { secret: old, active_from: 0, expires_at: 2_000 },
      { secret: next, active_from: 1_000, expires_at: null },
    ];
    const at = (now: number) => opener.signingSecrets(secrets, 'ep_1', now);
    assert.deepEqual(at(500), [old]);
    assert.deepEqual(at(999), [old]);
    assert.deepEqual(at(1_000), [old, next]);
    assert.deepEqual(at(1_999), [old, next]);
    assert.deepEqual(at(2_000), [next]);
    assert.deepEqual(at(10_000_000), [next]);
    // A clock that goes back is answered for its own time, not from what was kept.
    assert.deepEqual(at(1_500), [old, next]);
    assert.deepEqual(at(100), [old]);
  });

  it('keeps the answer between changes: the same array while no window opens or closes', () => {
    const opener = new SecretOpener(undefined);
    const secrets: EndpointSecret[] = [{ secret: generateSecret(), active_from: 0, expires_at: 5_000 }];
    const first = opener.signingSecrets(secrets, 'ep_1', 10);
    assert.equal(opener.signingSecrets(secrets, 'ep_1', 4_999), first);
    assert.deepEqual(opener.signingSecrets(secrets, 'ep_1', 5_000), []);
  });

  it('opens sealed secrets for their own endpoint only, and keeps nothing when one cannot be opened', () => {
    const ring = SecretsKeyRing.parse(KEY);
    const opener = new SecretOpener(ring);
    const plain = generateSecret();
    const secrets = sealSecrets([{ secret: plain, active_from: 0, expires_at: null }], 'ep_1', ring);
    const sealed = secrets[0]?.secret ?? '';
    assert.notEqual(sealed, plain);
    assert.deepEqual(opener.signingSecrets(secrets, 'ep_1', 1), [plain]);
    const copied: EndpointSecret[] = [{ secret: sealed, active_from: 0, expires_at: null }];
    assert.throws(() => opener.signingSecrets(copied, 'ep_2', 1), SealedSecretError);
    assert.throws(() => opener.signingSecrets(copied, 'ep_2', 2), SealedSecretError);
  });
});
