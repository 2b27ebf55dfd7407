import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSecret, NoSecretError, parseSecret, sign, VerifyFailure, verify } from '@payhook/signing';
import { Webhook } from 'standardwebhooks';

const nowMs = 1_700_000_000_123;
const timestamp = Math.floor(nowMs / 1000);
const body = '{"type":"payment.confirmed","sequence":3}';
const secret = generateSecret();
const signed = { ...sign({ id: 'evt_v', timestamp, body, secrets: [secret] }) };

describe('verify', () => {
  it('accepts what sign produced and reports the id and timestamp', () => {
    assert.deepEqual(verify({ headers: signed, body, secrets: [secret], nowMs }), {
      ok: true,
      id: 'evt_v',
      timestamp,
    });
  });

  it('takes the headers sign returned as they are', () => {
    const headers = sign({ id: 'evt_plain', timestamp, body, secrets: [secret] });
    assert.equal(verify({ headers, body, secrets: [secret], nowMs }).ok, true);
  });

  it('accepts what the standardwebhooks library signed', () => {
    const wallNow = Date.now();
    const stamp = Math.floor(wallNow / 1000);
    const signature = new Webhook(secret).sign('evt_lib', new Date(stamp * 1000), body);
    const headers = { 'webhook-id': 'evt_lib', 'webhook-timestamp': String(stamp), 'webhook-signature': signature };
    assert.equal(verify({ headers, body, secrets: [secret], nowMs: wallNow }).ok, true);
  });

  it('finds the header names in any case, as a Node request may carry them', () => {
    const headers = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toUpperCase(), v]));
    assert.equal(verify({ headers, body, secrets: [secret], nowMs }).ok, true);
  });

  it('accepts the body as bytes and hashes exactly those bytes', () => {
    // Not valid UTF-8: decoding and re-encoding would change these bytes and break the signature.
    const raw = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    const headers = { ...sign({ id: 'evt_b', timestamp, body: raw, secrets: [secret] }) };
    assert.equal(verify({ headers, body: raw, secrets: [secret], nowMs }).ok, true);
    const reencoded = Buffer.from(Buffer.from(raw).toString('utf8'), 'utf8');
    assert.notDeepEqual(new Uint8Array(reencoded), raw);
    assert.deepEqual(verify({ headers, body: reencoded, secrets: [secret], nowMs }), {
      ok: false,
      reason: VerifyFailure.NO_MATCHING_SIGNATURE,
    });
  });

  it('accepts either secret during a rotation, from one header or from repeated headers', () => {
    const other = generateSecret();
    const both = { ...sign({ id: 'evt_v', timestamp, body, secrets: [secret, other] }) };
    assert.equal(verify({ headers: both, body, secrets: [other], nowMs }).ok, true);
    assert.equal(verify({ headers: both, body, secrets: [secret], nowMs }).ok, true);
    const split = { ...both, 'webhook-signature': both['webhook-signature'].split(' ') };
    assert.equal(verify({ headers: split, body, secrets: [other], nowMs }).ok, true);
    assert.equal(verify({ headers: signed, body, secrets: [other, parseSecret(secret)], nowMs }).ok, true);
  });

  it('skips signatures of other versions', () => {
    const headers = { ...signed, 'webhook-signature': `v1a,AAAA ${signed['webhook-signature']} v2,zzz` };
    assert.equal(verify({ headers, body, secrets: [secret], nowMs }).ok, true);
  });
});

describe('verify failures', () => {
  const check = (input: Partial<Parameters<typeof verify>[0]>) =>
    verify({ headers: signed, body, secrets: [secret], nowMs, ...input });

  it('fails a tampered body, id or timestamp', () => {
    const noMatch = { ok: false, reason: VerifyFailure.NO_MATCHING_SIGNATURE };
    assert.deepEqual(check({ body: body.replace('3', '4') }), noMatch);
    assert.deepEqual(check({ headers: { ...signed, 'webhook-id': 'evt_w' } }), noMatch);
    assert.deepEqual(check({ headers: { ...signed, 'webhook-timestamp': String(timestamp + 1) } }), noMatch);
  });

  it('fails a signature made with another secret or truncated', () => {
    assert.equal(check({ secrets: [generateSecret()] }).ok, false);
    const cut = { ...signed, 'webhook-signature': signed['webhook-signature'].slice(0, -4) };
    assert.deepEqual(check({ headers: cut }), { ok: false, reason: VerifyFailure.NO_MATCHING_SIGNATURE });
    const bare = { ...signed, 'webhook-signature': signed['webhook-signature'].slice(3) };
    assert.deepEqual(check({ headers: bare }), { ok: false, reason: VerifyFailure.NO_MATCHING_SIGNATURE });
  });

  it('enforces the tolerance window both ways, inclusive at its edge', () => {
    assert.equal(check({ nowMs: nowMs + 300_000 }).ok, true);
    assert.deepEqual(check({ nowMs: nowMs + 301_000 }), { ok: false, reason: VerifyFailure.TIMESTAMP_TOO_OLD });
    assert.equal(check({ nowMs: nowMs - 300_000 }).ok, true);
    assert.deepEqual(check({ nowMs: nowMs - 301_000 }), { ok: false, reason: VerifyFailure.TIMESTAMP_TOO_NEW });
    assert.deepEqual(check({ nowMs: nowMs + 11_000, toleranceSeconds: 10 }), {
      ok: false,
      reason: VerifyFailure.TIMESTAMP_TOO_OLD,
    });
  });

  it('reports missing and malformed headers', () => {
    const { 'webhook-signature': _sig, ...unsigned } = signed;
    assert.deepEqual(check({ headers: unsigned }), { ok: false, reason: VerifyFailure.MISSING_HEADER });
    assert.deepEqual(check({ headers: { ...signed, 'webhook-id': '' } }), {
      ok: false,
      reason: VerifyFailure.MISSING_HEADER,
    });
    for (const stamp of ['12.5', '-1', '0123', 'abc', ` ${timestamp}`]) {
      assert.deepEqual(
        check({ headers: { ...signed, 'webhook-timestamp': stamp } }),
        { ok: false, reason: VerifyFailure.INVALID_HEADER },
        stamp,
      );
    }
    assert.deepEqual(check({ headers: { ...signed, 'webhook-id': ['evt_v', 'evt_x'] } }), {
      ok: false,
      reason: VerifyFailure.INVALID_HEADER,
    });
  });

  it('throws only when the receiver has no usable secret', () => {
    assert.throws(() => check({ secrets: [] }), NoSecretError);
  });
});
