// Signing secrets sealed at rest: the CLI seals what it writes to the endpoints topic, the
// dispatcher opens them to sign, a record altered in the topic is parked rather than sent
// with a wrong signature, and `payhook secrets rotate-key` moves every endpoint to a new key.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Endpoint } from '@payhook/contracts';
import { DeliveryHeader } from '@payhook/dispatcher';
import { SecretsKeyRing } from '@payhook/signing';
import { waitUntil } from '@payhook/testkit';
import type { KafkaMessage } from 'kafkajs';
import { Webhook } from 'standardwebhooks';
import { runCli } from '../cli/run-cli.ts';
import { createDispatcherFixture, type DispatcherFixture, header } from './fixture.ts';
import { type Receiver, startReceiver } from './receiver.ts';

const k1 = `k1:${randomBytes(32).toString('base64')}`;
const k2 = `k2:${randomBytes(32).toString('base64')}`;

let fx: DispatcherFixture;
let receiver: Receiver;

/** Every record the endpoints topic holds now. */
async function endpointRecords(): Promise<KafkaMessage[]> {
  const admin = fx.kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(fx.topics.endpoints);
    return await fx.read(
      fx.topics.endpoints,
      offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0),
    );
  } finally {
    await admin.disconnect();
  }
}

async function latestEndpoint(id: string): Promise<Endpoint> {
  const mine = (await endpointRecords()).filter((m) => m.key?.toString() === id);
  return fx.codec.decode('ENDPOINT', mine.at(-1)?.value ?? null);
}

async function addWithCli(path: string, key: string | undefined): Promise<{ endpoint_id: string; secret: string }> {
  const result = await runCli(
    ['endpoints', 'add', '--merchant', 'mer_sealed', '--url', `${receiver.url}${path}`, '--json'],
    { ...fx.pipeline.serviceEnv(), DISPATCHER_DEV_ALLOW_LIST: '127.0.0.1', PAYHOOK_SECRETS_KEY: key },
  );
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as { endpoint_id: string; secret: string };
}

function verifiedBy(secret: string, path: string): void {
  const [arrival] = receiver.arrivalsAt(path);
  assert.ok(arrival, `a delivery at ${path}`);
  const headers = Object.fromEntries(Object.entries(arrival.headers).map(([k, v]) => [k, String(v)]));
  assert.doesNotThrow(() => new Webhook(secret).verify(arrival.body, headers));
}

describe('signing secrets sealed at rest', () => {
  before(async () => {
    receiver = await startReceiver();
    fx = await createDispatcherFixture({ tiers: '1s' });
    // The dispatcher holds the new key and, during the change, the old one.
    await fx.startDispatcher({ PAYHOOK_SECRETS_KEY: `${k2},${k1}` });
  });
  after(async () => {
    await fx.close();
    await receiver.close();
  });

  it('the topic holds no secret; the dispatcher opens it and the receiver verifies', async () => {
    const { endpoint_id: id, secret } = await addWithCli('/sealed', k1);
    const raw = (await endpointRecords()).map((m) => m.value?.toString('latin1') ?? '').join('\n');
    assert.ok(!raw.includes(secret), 'the printed secret is nowhere in the topic');
    assert.ok(!raw.includes(secret.slice('whsec_'.length)), 'nor its key bytes');
    const stored = await latestEndpoint(id);
    assert.match(stored.secrets[0]?.secret ?? '', /^enc:v1:k1:/);

    await sleepUntilKnown(id);
    await fx.dispatch(stored);
    await waitUntil(() => receiver.arrivalsAt('/sealed').length === 1, { what: 'the delivery' });
    verifiedBy(secret, '/sealed');
  });

  it('a sealed secret altered in the topic is parked as secret_unreadable, never sent', async () => {
    const { endpoint_id: id } = await addWithCli('/tampered', k1);
    const stored = await latestEndpoint(id);
    const value = stored.secrets[0]?.secret ?? '';
    const last = value.at(-2) === 'A' ? 'B' : 'A';
    const tampered: Endpoint = {
      ...stored,
      secrets: stored.secrets.map((s) => ({ ...s, secret: `${value.slice(0, -2)}${last}${value.at(-1)}` })),
      updated_at: Date.now(),
    };
    await fx.pipeline.produce(fx.topics.endpoints, 'ENDPOINT', [{ key: id, value: tampered }]);
    await sleepUntilKnown(id, tampered.updated_at);
    const delivery = await fx.dispatch(tampered);
    const dead = await fx.read(fx.topics.dlq, 1, 20_000);
    const parked = dead.find((m) => m.key?.toString() === id);
    assert.ok(parked);
    assert.equal(header(parked, DeliveryHeader.DLQ_REASON), 'secret_unreadable');
    assert.match(header(parked, DeliveryHeader.LAST_ERROR) ?? '', /does not authenticate/);
    assert.equal(receiver.arrivalsAt('/tampered').length, 0);
    assert.equal((await fx.codec.decode('WEBHOOK_DELIVERY', parked.value)).delivery_id, delivery.delivery_id);
  });

  it('rotate-key seals every endpoint under the new key, plaintext ones from before sealing too', async () => {
    const sealedOld = await addWithCli('/rotated-a', k1);
    const plaintext = await addWithCli('/rotated-b', undefined);
    assert.equal((await latestEndpoint(plaintext.endpoint_id)).secrets[0]?.secret, plaintext.secret);

    const env = { ...fx.pipeline.serviceEnv(), PAYHOOK_SECRETS_KEY: `${k2},${k1}` };
    const dry = await runCli(['secrets', 'rotate-key', '--dry-run'], env);
    assert.equal(dry.code, 1, 'the endpoint altered in the topic (above) cannot be opened');
    assert.match(dry.stdout, /^would seal \d+ of \d+ endpoints under key "k2"$/m);
    const run = await runCli(['secrets', 'rotate-key'], env);
    // The endpoint altered in the topic (above) cannot be opened: reported, left as it is, status 1.
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /the secrets of 1 endpoints cannot be opened .* does not authenticate/);
    assert.match(run.stdout, /^sealed \d+ of \d+ endpoints under key "k2"$/m);
    const again = await runCli(['secrets', 'rotate-key', '--dry-run'], env);
    assert.match(again.stdout, /^would seal 0 of \d+ endpoints/m, 'nothing left under an older key but that one');

    const onlyNew = SecretsKeyRing.parse(k2);
    for (const { endpoint_id: id, secret } of [sealedOld, plaintext]) {
      const stored = await latestEndpoint(id);
      assert.match(stored.secrets[0]?.secret ?? '', /^enc:v1:k2:/);
      assert.equal(onlyNew.open(stored.secrets[0]?.secret ?? '', id), secret, 'the same secret, sealed again');
    }
  });

  it('refuses rotate-key without a key, and a malformed key, naming the variable', async () => {
    const none = await runCli(['secrets', 'rotate-key'], fx.pipeline.serviceEnv());
    assert.equal(none.code, 2);
    assert.match(none.stderr, /PAYHOOK_SECRETS_KEY: set the key to seal with/);
    const bad = await runCli(['secrets', 'rotate-key'], {
      ...fx.pipeline.serviceEnv(),
      PAYHOOK_SECRETS_KEY: 'k1:AAAA',
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /PAYHOOK_SECRETS_KEY: key "k1" must be 32 bytes, got 3/);
    assert.ok(!bad.stderr.includes('AAAA'));
  });
});

/** Waits until the dispatcher's table has the endpoint (at least at `updatedAt`). */
async function sleepUntilKnown(id: string, updatedAt = 0): Promise<void> {
  const latest = await latestEndpoint(id);
  assert.ok(latest.updated_at >= updatedAt);
  // The table follows the topic within a fetch; a short wait keeps the test from racing it.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}
