import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  activeSecrets,
  formatSecret,
  generateSecret,
  InvalidSecretError,
  NoSecretError,
  parseSecret,
  SigningInputError,
  sign,
  WebhookHeader,
} from '@payhook/signing';
import { Webhook } from 'standardwebhooks';

// The public library checks the timestamp against the wall clock with a five-minute tolerance.
const now = () => Math.floor(Date.now() / 1000);
const body = '{"type":"payment.confirmed","data":{"payment_id":"pay_1","amount":"1000000000000000000"}}';

function headersOf(h: ReturnType<typeof sign>): Record<string, string> {
  return { ...h };
}

describe('sign', () => {
  it('matches the published Standard Webhooks example signature', () => {
    const headers = sign({
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: 1614265330,
      body: '{"test": 2432232314}',
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    });
    assert.deepEqual(headersOf(headers), {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('produces headers the standardwebhooks library verifies', () => {
    const secret = generateSecret();
    const headers = sign({ id: 'evt_1', timestamp: now(), body, secrets: [secret] });
    assert.deepEqual(new Webhook(secret).verify(body, headersOf(headers)), JSON.parse(body));
  });

  it('hashes a byte body exactly as the same text', () => {
    const secret = generateSecret();
    const timestamp = now();
    const fromString = sign({ id: 'evt_2', timestamp, body, secrets: [secret] });
    const fromBytes = sign({ id: 'evt_2', timestamp, body: new TextEncoder().encode(body), secrets: [secret] });
    assert.deepEqual(fromBytes, fromString);
    assert.doesNotThrow(() => new Webhook(secret).verify(Buffer.from(body), headersOf(fromBytes)));
  });

  it('signs non-ASCII bodies as UTF-8', () => {
    const secret = generateSecret();
    const text = '{"memo":"café ☕ 支付"}';
    const headers = sign({ id: 'evt_3', timestamp: now(), body: text, secrets: [secret] });
    assert.doesNotThrow(() => new Webhook(secret).verify(text, headersOf(headers)));
  });

  it('accepts parsed key bytes as well as whsec strings', () => {
    const secret = generateSecret();
    const timestamp = now();
    assert.deepEqual(
      sign({ id: 'evt_4', timestamp, body, secrets: [parseSecret(secret)] }),
      sign({ id: 'evt_4', timestamp, body, secrets: [secret] }),
    );
  });
});

describe('sign during a secret rotation', () => {
  const oldSecret = generateSecret();
  const newSecret = generateSecret();
  const nowMs = Date.now();
  const endpointSecrets = [
    { secret: oldSecret, active_from: nowMs - 86_400_000, expires_at: nowMs + 3_600_000 },
    { secret: newSecret, active_from: nowMs - 60_000, expires_at: null },
  ];

  it('sends one signature per active secret, space-separated', () => {
    const headers = sign({ id: 'evt_r', timestamp: now(), body, secrets: activeSecrets(endpointSecrets, nowMs) });
    const parts = headers[WebhookHeader.SIGNATURE].split(' ');
    assert.equal(parts.length, 2);
    for (const part of parts) assert.match(part, /^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('verifies with each secret alone, and not with an unrelated one', () => {
    const headers = headersOf(
      sign({ id: 'evt_r', timestamp: now(), body, secrets: activeSecrets(endpointSecrets, nowMs) }),
    );
    assert.doesNotThrow(() => new Webhook(oldSecret).verify(body, headers));
    assert.doesNotThrow(() => new Webhook(newSecret).verify(body, headers));
    assert.throws(() => new Webhook(generateSecret()).verify(body, headers), /No matching signature/);
  });

  it('signs once when the same secret is listed twice', () => {
    const headers = sign({ id: 'evt_d', timestamp: now(), body, secrets: [newSecret, parseSecret(newSecret)] });
    assert.equal(headers[WebhookHeader.SIGNATURE].split(' ').length, 1);
  });
});

describe('signatures fail when anything signed changes', () => {
  const secret = generateSecret();
  const timestamp = now();
  const headers = headersOf(sign({ id: 'evt_t', timestamp, body, secrets: [secret] }));
  const webhook = new Webhook(secret);

  it('rejects a tampered body, even by one character or one trailing space', () => {
    assert.throws(() => webhook.verify(body.replace('1000', '9000'), headers), /No matching signature/);
    assert.throws(() => webhook.verify(`${body} `, headers), /No matching signature/);
    assert.throws(() => webhook.verify(JSON.stringify(JSON.parse(body), null, 1), headers), /No matching signature/);
  });

  it('rejects a tampered timestamp or id', () => {
    const stamp = { ...headers, 'webhook-timestamp': String(timestamp - 1) };
    assert.throws(() => webhook.verify(body, stamp), /No matching signature/);
    assert.throws(() => webhook.verify(body, { ...headers, 'webhook-id': 'evt_u' }), /No matching signature/);
  });

  it('rejects a signature whose timestamp is outside the tolerance', () => {
    const stale = headersOf(sign({ id: 'evt_t', timestamp: timestamp - 3_600, body, secrets: [secret] }));
    assert.throws(() => webhook.verify(body, stale), /too old/);
  });
});

describe('sign input errors', () => {
  const secret = generateSecret();

  it('requires at least one secret', () => {
    assert.throws(() => sign({ id: 'evt', timestamp: 1, body, secrets: [] }), NoSecretError);
  });

  it('names the position of a malformed secret', () => {
    assert.throws(
      () => sign({ id: 'evt', timestamp: 1, body, secrets: [secret, 'whsec_not base64'] }),
      (error: unknown) => error instanceof InvalidSecretError && error.index === 1,
    );
    assert.throws(
      () => sign({ id: 'evt', timestamp: 1, body, secrets: [new Uint8Array(3)] }),
      (error: unknown) => error instanceof InvalidSecretError && error.index === 0,
    );
  });

  it('refuses ids that cannot travel in a header', () => {
    for (const id of ['', 'a b', 'a\r\nx-injected: 1', 'ü']) {
      assert.throws(
        () => sign({ id, timestamp: 1, body, secrets: [secret] }),
        (e: unknown) => e instanceof SigningInputError && e.field === 'id',
      );
    }
  });

  it('refuses timestamps that are not whole non-negative seconds', () => {
    for (const timestamp of [-1, 1.5, Number.NaN, Date.now() * 1e6]) {
      assert.throws(
        () => sign({ id: 'evt', timestamp, body, secrets: [secret] }),
        (e: unknown) => e instanceof SigningInputError && e.field === 'timestamp',
      );
    }
  });

  it('keeps a key of the accepted length usable whatever its bytes', () => {
    const zeros = formatSecret(new Uint8Array(24));
    assert.doesNotThrow(() => sign({ id: 'evt', timestamp: 1, body, secrets: [zeros] }));
  });
});
