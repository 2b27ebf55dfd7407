import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activeSecrets, type EndpointSecret } from '@payhook/signing';

const old: EndpointSecret = { secret: 'whsec_old', active_from: 1_000, expires_at: 5_000 };
const current: EndpointSecret = { secret: 'whsec_new', active_from: 4_000, expires_at: null };
const future: EndpointSecret = { secret: 'whsec_next', active_from: 9_000, expires_at: null };

describe('activeSecrets', () => {
  it('picks the secrets whose window contains the instant, in input order', () => {
    const secrets = [old, current, future];
    assert.deepEqual(activeSecrets(secrets, 999), []);
    assert.deepEqual(activeSecrets(secrets, 1_000), ['whsec_old']);
    assert.deepEqual(activeSecrets(secrets, 4_000), ['whsec_old', 'whsec_new']);
    assert.deepEqual(activeSecrets(secrets, 4_999), ['whsec_old', 'whsec_new']);
    assert.deepEqual(activeSecrets(secrets, 9_000), ['whsec_new', 'whsec_next']);
  });

  it('treats expires_at as exclusive', () => {
    assert.deepEqual(activeSecrets([old, current], 5_000), ['whsec_new']);
  });

  it('returns nothing when every secret has expired', () => {
    assert.deepEqual(activeSecrets([old], 6_000), []);
    assert.deepEqual(activeSecrets([], 6_000), []);
  });
});
