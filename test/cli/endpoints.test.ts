import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Subscriptions } from '@payhook/confirmation-filter';
import { createContractCodec, createRegistryClient, type Endpoint, loadSchemas } from '@payhook/contracts';
import { createTableReader } from '@payhook/kafka';
import { createLogger } from '@payhook/runtime';
import { activeSecrets, generateSecret, sign } from '@payhook/signing';
import { testEnvironment, testKafka, uniqueName } from '@payhook/testkit';
import type { Admin } from 'kafkajs';
import { Webhook } from 'standardwebhooks';
import { runCli } from './run-cli.ts';

const HOUR_MS = 3_600_000;
// One pipeline of its own: topics and subjects under a random prefix, provisioned by the CLI itself.
const prefix = `${uniqueName('cli')}.`;
const topic = `${prefix}endpoints`;
const env = { PAYHOOK_TOPIC_PREFIX: prefix, PAYHOOK_RETRY_TIERS: '5s', PAYHOOK_PARTITIONS: '1' };

const kafka = testKafka();
let admin: Admin;
const codec = createContractCodec(createRegistryClient(testEnvironment.schemaRegistryUrl), loadSchemas());

const cli = (args: readonly string[], extra: Record<string, string> = {}) => runCli(args, { ...env, ...extra });

/** Records ever written to the endpoints topic (compaction never runs within a test: its lag is a minute). */
async function recordCount(): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

/** The endpoints table as the pipeline reads it, secrets included. */
async function readEndpoints(): Promise<Map<string, Endpoint>> {
  const reader = createTableReader<Endpoint>({
    kafka,
    topic,
    logger: createLogger({ name: 'test', level: 'error', destination: process.stderr }),
    decode: (_key, value) => codec.decode('ENDPOINT', value),
  });
  await reader.start();
  await reader.stop();
  return new Map([...reader.values()].map((e) => [e.endpoint_id, e]));
}

async function endpoint(id: string): Promise<Endpoint> {
  const found = (await readEndpoints()).get(id);
  assert.ok(found, `endpoint ${id} is in the table`);
  return found;
}

async function addEndpoint(args: readonly string[]): Promise<{ endpoint_id: string; secret: string }> {
  const result = await cli(['endpoints', 'add', ...args, '--json']);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as { endpoint_id: string; secret: string };
}

async function listJson(args: readonly string[] = []): Promise<Record<string, unknown>[]> {
  const result = await cli(['endpoints', 'list', '--json', ...args]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, unknown>[];
}

before(async () => {
  admin = kafka.admin();
  await admin.connect();
  for (const command of [
    ['topics', 'create'],
    ['schemas', 'register'],
  ]) {
    const result = await cli(command);
    assert.equal(result.code, 0, `${command.join(' ')}: ${result.stderr}`);
  }
});

after(async () => {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

describe('payhook endpoints', () => {
  it('add prints the id and a secret; list shows the endpoint without it', async () => {
    const first = await addEndpoint([
      '--merchant',
      'mer_a',
      '--url',
      'https://hooks.example.com/payhook?tenant=a',
      '--events',
      'payment.confirmed,payment.expired,payment.confirmed',
      '--rate',
      '2.5',
      '--timeout-ms',
      '5000',
      '--id',
      'ep_a1',
    ]);
    assert.equal(first.endpoint_id, 'ep_a1');
    assert.match(first.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);

    const text = await cli(['endpoints', 'add', '--merchant', 'mer_b', '--url', 'https://b.example/hook']);
    assert.equal(text.code, 0, text.stderr);
    const second = /^endpoint_id: (ep_[0-9a-f]{20})$/m.exec(text.stdout)?.[1];
    assert.ok(second, text.stdout);
    assert.match(text.stdout, /^secret: whsec_\S+$/m);
    assert.match(text.stdout, /^events: payment\.confirmed$/m);
    assert.match(text.stderr, /shown only now/);

    const stored = await endpoint('ep_a1');
    assert.equal(stored.merchant_id, 'mer_a');
    assert.equal(stored.url, 'https://hooks.example.com/payhook?tenant=a');
    assert.deepEqual(stored.event_types, ['payment.confirmed', 'payment.expired']);
    assert.equal(stored.rate_limit_per_second, 2.5);
    assert.equal(stored.timeout_ms, 5000);
    assert.equal(stored.enabled, true);
    assert.equal(stored.disabled_reason, null);
    assert.equal(stored.secrets.length, 1);
    assert.equal(stored.secrets[0]?.secret, first.secret);
    assert.equal(stored.secrets[0]?.expires_at, null);

    const all = await listJson();
    assert.deepEqual(
      all.map((e) => e.endpoint_id),
      ['ep_a1', second],
    );
    const onlyB = await listJson(['--merchant', 'mer_b']);
    assert.deepEqual(
      onlyB.map((e) => e.endpoint_id),
      [second],
    );
    assert.deepEqual(all[0]?.secrets, [
      { active_from: stored.secrets[0]?.active_from, expires_at: null, state: 'current' },
    ]);
    assert.deepEqual(all[1]?.event_types, ['payment.confirmed']);
    assert.equal(all[1]?.rate_limit_per_second, null);

    const listed = await cli(['endpoints', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout.trim().split('\n').length, 2);
    assert.match(
      listed.stdout,
      /^ep_a1 {2}merchant=mer_a {2}enabled {2}events=payment\.confirmed,payment\.expired {2}rate=2\.5 {2}timeout_ms=5000 {2}secrets=1 \(1 current\) {2}url=https:\/\/hooks\.example\.com\/payhook\?tenant=a$/m,
    );
    for (const output of [listed.stdout, JSON.stringify(all)]) assert.doesNotMatch(output, /whsec_/);
  });

  it('rotate-secret keeps the old secret signing for the overlap: both signatures verify', async () => {
    const added = await addEndpoint(['--merchant', 'mer_rot', '--url', 'https://rot.example/hook']);
    const before = Date.now();
    const result = await cli(['endpoints', 'rotate-secret', added.endpoint_id, '--overlap', '2h', '--json']);
    const afterRotation = Date.now();
    assert.equal(result.code, 0, result.stderr);
    const rotated = JSON.parse(result.stdout) as { secret: string; previous_secrets_expire_at: number };
    assert.notEqual(rotated.secret, added.secret);

    const stored = await endpoint(added.endpoint_id);
    assert.deepEqual(
      stored.secrets.map((s) => s.secret),
      [added.secret, rotated.secret],
    );
    const [old, current] = stored.secrets;
    assert.equal(old?.expires_at, rotated.previous_secrets_expire_at);
    assert.ok((old?.expires_at ?? 0) >= before + 2 * HOUR_MS && (old?.expires_at ?? 0) <= afterRotation + 2 * HOUR_MS);
    assert.equal(current?.expires_at, null);

    // What the dispatcher does at send time: every active secret signs.
    const now = Date.now();
    const signing = activeSecrets(stored.secrets, now);
    assert.deepEqual(signing, [added.secret, rotated.secret]);
    const body = '{"type":"payment.confirmed","data":{"payment_id":"pay_1","amount":"1000000000000000000"}}';
    const headers = sign({ id: 'msg_rotation', timestamp: Math.floor(now / 1000), body, secrets: signing });
    assert.equal(headers['webhook-signature'].split(' ').length, 2);
    // A receiver holding either secret verifies with the public library; a stranger's fails.
    for (const secret of [added.secret, rotated.secret]) {
      assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
    }
    assert.throws(() => new Webhook(generateSecret()).verify(body, headers));
    // After the overlap only the new secret signs.
    assert.deepEqual(activeSecrets(stored.secrets, (old?.expires_at ?? 0) + 1), [rotated.secret]);

    const listed = await listJson(['--merchant', 'mer_rot']);
    assert.deepEqual(
      ((listed[0]?.secrets ?? []) as { state: string }[]).map((s) => s.state),
      ['expiring', 'current'],
    );
    const text = await cli(['endpoints', 'list', '--merchant', 'mer_rot']);
    assert.match(text.stdout, /secrets=2 \(1 current, 1 signing until \d{4}-\d\d-\d\dT[\d:.]+Z\)/);
    assert.doesNotMatch(text.stdout, /whsec_/);

    // A rotation without overlap ends every older secret at once; ended secrets are dropped.
    const again = await cli(['endpoints', 'rotate-secret', added.endpoint_id, '--overlap', '0s', '--json']);
    assert.equal(again.code, 0, again.stderr);
    const third = (JSON.parse(again.stdout) as { secret: string }).secret;
    const final = await endpoint(added.endpoint_id);
    assert.deepEqual(
      final.secrets.map((s) => [s.secret, s.expires_at]),
      [[third, null]],
    );
  });

  it('disable records the reason, enable clears it; repeating either writes nothing', async () => {
    const { endpoint_id: id } = await addEndpoint(['--merchant', 'mer_dis', '--url', 'https://dis.example/hook']);
    const disabled = await cli(['endpoints', 'disable', id, '--reason', 'merchant asked to pause']);
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.match(disabled.stdout, new RegExp(`^disabled ${id}$`, 'm'));
    let stored = await endpoint(id);
    assert.equal(stored.enabled, false);
    assert.equal(stored.disabled_reason, 'merchant asked to pause');

    const count = await recordCount();
    const repeated = await cli(['endpoints', 'disable', id, '--reason', 'merchant asked to pause']);
    assert.equal(repeated.code, 0, repeated.stderr);
    assert.match(repeated.stdout, /already disabled/);
    assert.equal(await recordCount(), count);

    const listed = await cli(['endpoints', 'list', '--merchant', 'mer_dis']);
    assert.match(listed.stdout, /disabled \(merchant asked to pause\)/);

    const enabled = await cli(['endpoints', 'enable', id]);
    assert.equal(enabled.code, 0, enabled.stderr);
    stored = await endpoint(id);
    assert.equal(stored.enabled, true);
    assert.equal(stored.disabled_reason, null);
    assert.equal(stored.secrets.length, 1);
    const enabledAgain = await cli(['endpoints', 'enable', id]);
    assert.match(enabledAgain.stdout, /already enabled/);
    assert.equal(await recordCount(), count + 1);

    const byDefault = await cli(['endpoints', 'disable', id]);
    assert.equal(byDefault.code, 0, byDefault.stderr);
    assert.equal((await endpoint(id)).disabled_reason, 'disabled by an operator');
  });

  it('http to a host on DISPATCHER_DEV_ALLOW_LIST is accepted', async () => {
    const allow = { DISPATCHER_DEV_ALLOW_LIST: 'localhost, 127.0.0.1' };
    for (const url of ['http://localhost:8080/hook', 'http://127.0.0.1:9999/hook']) {
      const result = await cli(['endpoints', 'add', '--merchant', 'mer_dev', '--url', url, '--json'], allow);
      assert.equal(result.code, 0, `${url}: ${result.stderr}`);
    }
    assert.equal((await listJson(['--merchant', 'mer_dev'])).length, 2);
  });

  it('add and update take --description, as the API does; list --json shows it', async () => {
    const added = await addEndpoint([
      '--merchant',
      'mer_desc',
      '--url',
      'https://desc.example/h',
      '--description',
      'Shop',
    ]);
    assert.equal((await endpoint(added.endpoint_id)).description, 'Shop');
    const updated = await cli(['endpoints', 'update', added.endpoint_id, '--description', ' Shop, v2 ']);
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, new RegExp(`^updated ${added.endpoint_id}: --description$`, 'm'));
    const listed = (await listJson(['--merchant', 'mer_desc'])).find((e) => e.endpoint_id === added.endpoint_id);
    assert.equal(listed?.description, 'Shop, v2');
    const refused = await cli(['endpoints', 'update', added.endpoint_id, '--description', 'bell \u0007']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--description: must be up to 500 visible characters/);
  });

  it('update changes URL, events, rate and timeout in a new version; id, merchant, secrets and state stay', async () => {
    const added = await addEndpoint([
      '--merchant',
      'mer_upd',
      '--url',
      'https://old.example/hook',
      '--rate',
      '2',
      '--timeout-ms',
      '5000',
      '--id',
      'ep_upd',
    ]);
    await cli(['endpoints', 'rotate-secret', 'ep_upd', '--overlap', '1h']);
    assert.equal((await cli(['endpoints', 'disable', 'ep_upd', '--reason', 'moving'])).code, 0);
    const before = await endpoint('ep_upd');
    const count = await recordCount();

    const result = await cli([
      'endpoints',
      'update',
      'ep_upd',
      '--url',
      'https://new.example/payhook?v=2',
      '--events',
      'payment.confirmed,payment.expired',
      '--rate',
      '7.5',
      '--timeout-ms',
      '9000',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^updated ep_upd: --url, --events, --rate, --timeout-ms$/m);
    assert.equal(await recordCount(), count + 1, 'one new version of the endpoint');

    const after = await endpoint('ep_upd');
    assert.deepEqual(
      { ...after },
      {
        ...before,
        url: 'https://new.example/payhook?v=2',
        event_types: ['payment.confirmed', 'payment.expired'],
        rate_limit_per_second: 7.5,
        timeout_ms: 9000,
        updated_at: after.updated_at,
      },
    );
    assert.ok(after.updated_at > before.updated_at, 'updated_at moves on');
    // The same id and secrets: deliveries keep their webhook-ids (event + endpoint id) and still verify.
    assert.equal(after.endpoint_id, 'ep_upd');
    assert.equal(after.secrets.length, 2);
    assert.equal(after.secrets[0]?.secret, added.secret);
    assert.equal(after.enabled, false);
    assert.equal(after.disabled_reason, 'moving');
    assert.equal([...(await readEndpoints()).keys()].filter((id) => id === 'ep_upd').length, 1);

    // Back to the dispatcher's defaults; then values equal to the stored ones write nothing.
    const reset = await cli([
      'endpoints',
      'update',
      'ep_upd',
      '--rate',
      'default',
      '--timeout-ms',
      'default',
      '--json',
    ]);
    assert.equal(reset.code, 0, reset.stderr);
    const shown = JSON.parse(reset.stdout) as Record<string, unknown>;
    assert.equal(shown.rate_limit_per_second, null);
    assert.equal(shown.timeout_ms, null);
    assert.doesNotMatch(reset.stdout, /whsec_/);
    assert.equal((await endpoint('ep_upd')).timeout_ms, null);
    const counted = await recordCount();
    const same = await cli([
      'endpoints',
      'update',
      'ep_upd',
      '--events',
      'payment.expired,payment.confirmed,payment.expired',
    ]);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /^updated ep_upd: --events$/m, 'the order of event types is kept as given');
    const again = await cli(['endpoints', 'update', 'ep_upd', '--url', 'https://new.example/payhook?v=2']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^unchanged ep_upd$/m);
    assert.equal(await recordCount(), counted + 1);

    // An allow-listed http URL is accepted, exactly as by add.
    const dev = await cli(['endpoints', 'update', 'ep_upd', '--url', 'http://127.0.0.1:9999/hook'], {
      DISPATCHER_DEV_ALLOW_LIST: '127.0.0.1',
    });
    assert.equal(dev.code, 0, dev.stderr);
    assert.equal((await endpoint('ep_upd')).url, 'http://127.0.0.1:9999/hook');
  });

  it('delete disables the endpoint for good: hidden from list, its secrets dropped, no more fan-out', async () => {
    await addEndpoint(['--merchant', 'mer_del', '--url', 'https://gone.example/hook', '--id', 'ep_gone']);
    await addEndpoint(['--merchant', 'mer_del', '--url', 'https://stays.example/hook', '--id', 'ep_stays']);
    const count = await recordCount();
    const started = Date.now();
    const result = await cli(['endpoints', 'delete', 'ep_gone']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^deleted ep_gone$/m);
    assert.equal(await recordCount(), count + 1);

    const stored = await endpoint('ep_gone');
    assert.equal(stored.enabled, false);
    assert.equal(stored.disabled_reason, 'deleted');
    assert.ok(stored.deleted_at !== null && stored.deleted_at >= started && stored.deleted_at <= Date.now());
    assert.equal(stored.updated_at, stored.deleted_at);
    assert.deepEqual(stored.secrets, []);
    assert.equal(stored.url, 'https://gone.example/hook');

    // The confirmation filter's own recipient selection no longer picks it.
    const table = await readEndpoints();
    const subscriptions = new Subscriptions(() => table.values());
    assert.deepEqual(
      subscriptions.recipients('mer_del', 'payment.confirmed').map((e) => e.endpoint_id),
      ['ep_stays'],
    );

    assert.deepEqual(
      (await listJson(['--merchant', 'mer_del'])).map((e) => e.endpoint_id),
      ['ep_stays'],
    );
    const withDeleted = await listJson(['--merchant', 'mer_del', '--include-deleted']);
    assert.deepEqual(
      withDeleted.map((e) => [e.endpoint_id, e.deleted_at]),
      [
        ['ep_gone', stored.deleted_at],
        ['ep_stays', null],
      ],
    );
    const text = await cli(['endpoints', 'list', '--merchant', 'mer_del', '--include-deleted']);
    assert.match(text.stdout, /^ep_gone {2}merchant=mer_del {2}deleted \(\d{4}-\d\d-\d\dT[\d:.]+Z\) {2}/m);
    assert.doesNotMatch((await cli(['endpoints', 'list'])).stdout, /ep_gone/);

    const repeated = await cli(['endpoints', 'delete', 'ep_gone']);
    assert.equal(repeated.code, 0, repeated.stderr);
    assert.match(repeated.stdout, /^already deleted ep_gone$/m);
    assert.equal(await recordCount(), count + 1);
  });

  describe('refused input exits 2, names what was wrong and writes nothing', () => {
    let count: number;
    let endpointsBefore: number;
    before(async () => {
      count = await recordCount();
      endpointsBefore = (await readEndpoints()).size;
    });

    const add = (...args: string[]) => ['endpoints', 'add', '--merchant', 'mer_x', ...args];
    const url = 'https://ok.example/hook';
    const cases: [string, string[], RegExp, Record<string, string>?][] = [
      ['a URL that does not parse', add('--url', 'not a url'), /--url: endpoint URL does not parse/],
      ['plain http', add('--url', 'http://hooks.example.com/x'), /--url: endpoint hooks\.example\.com must use https/],
      ['credentials in the URL', add('--url', 'https://user:pw@hooks.example.com/x'), /--url: .*user name or password/],
      [
        'a loopback literal',
        add('--url', 'https://127.0.0.1/x'),
        /--url: endpoint address 127\.0\.0\.1 is a loopback address/,
      ],
      [
        'a private literal',
        add('--url', 'https://10.1.2.3/x'),
        /--url: endpoint address 10\.1\.2\.3 is a private address/,
      ],
      [
        'cloud metadata',
        add('--url', 'https://169.254.169.254/latest'),
        /--url: endpoint address 169\.254\.169\.254 is a link-local address/,
      ],
      [
        'IPv4-mapped IPv6',
        add('--url', 'https://[::ffff:127.0.0.1]/x'),
        /--url: endpoint address ::ffff:7f00:1 is a loopback address \(ipv4-mapped 127\.0\.0\.1/,
      ],
      ['localhost', add('--url', 'https://localhost/x'), /--url: endpoint host localhost is a loopback name/],
      ['another scheme', add('--url', 'ftp://files.example/x'), /--url: .*scheme ftp:/],
      ['a fragment', add('--url', 'https://ok.example/hook#x'), /--url: must not have a fragment/],
      [
        'an unknown event type',
        add('--url', url, '--events', 'payment.confirmed,payment.refunded'),
        /--events: unknown event type "payment\.refunded"/,
      ],
      ['no event type', add('--url', url, '--events', ','), /--events: name at least one/],
      ['a zero rate', add('--url', url, '--rate', '0'), /--rate: must be a number/],
      ['a rate that is not a number', add('--url', url, '--rate', 'fast'), /--rate: must be a number/],
      ['a fractional timeout', add('--url', url, '--timeout-ms', '1.5'), /--timeout-ms: must be a whole number/],
      [
        'a huge timeout',
        add('--url', url, '--timeout-ms', '99999999999'),
        /--timeout-ms: must be a whole number from 100 to 300000/,
      ],
      ['a malformed id', add('--url', url, '--id', 'has space'), /--id: must be 1 to 128/],
      ['a malformed merchant', ['endpoints', 'add', '--merchant', '-', '--url', url], /--merchant: must be 1 to 128/],
      ['no --merchant', ['endpoints', 'add', '--url', url], /required option '--merchant <id>'/],
      ['no --url', ['endpoints', 'add', '--merchant', 'mer_x'], /required option '--url <url>'/],
      [
        'a bad allow-list entry',
        add('--url', url),
        /DISPATCHER_DEV_ALLOW_LIST: invalid development allow-list entry/,
        { DISPATCHER_DEV_ALLOW_LIST: 'not a host!' },
      ],
      ['a taken id', add('--url', url, '--id', 'ep_a1'), /--id: endpoint "ep_a1" already exists/],
      [
        'rotating an unknown endpoint',
        ['endpoints', 'rotate-secret', 'ep_missing'],
        /endpoint "ep_missing" does not exist/,
      ],
      [
        'a malformed overlap',
        ['endpoints', 'rotate-secret', 'ep_a1', '--overlap', '1 day'],
        /--overlap: "1 day" is not a duration/,
      ],
      [
        'an overlap above 30 days',
        ['endpoints', 'rotate-secret', 'ep_a1', '--overlap', '31d'],
        /--overlap: must be from 0s to 30d/,
      ],
      ['disabling an unknown endpoint', ['endpoints', 'disable', 'ep_missing'], /endpoint "ep_missing" does not exist/],
      ['an empty reason', ['endpoints', 'disable', 'ep_a1', '--reason', ' '], /--reason: must be 1 to 500/],
      ['enabling an unknown endpoint', ['endpoints', 'enable', 'ep_missing'], /endpoint "ep_missing" does not exist/],
      ['a malformed merchant filter', ['endpoints', 'list', '--merchant', 'a b'], /--merchant: must be 1 to 128/],
      ['port 0', add('--url', 'https://example.com:0/hook'), /--url: port 0 cannot be connected to/],
      ['a port above 65535', add('--url', 'https://example.com:70000/hook'), /--url: port 70000 is out of range/],
      [
        'http to a loopback literal names the address, not only https',
        add('--url', 'http://127.0.0.1:8080/x'),
        /--url: endpoint address 127\.0\.0\.1 is a loopback address \(127\.0\.0\.0\/8\): refused unless DISPATCHER_DEV_ALLOW_LIST lists it/,
      ],
      [
        'http to a private literal names the address, not only https',
        add('--url', 'http://10.0.0.1/x'),
        /--url: endpoint address 10\.0\.0\.1 is a private address \(10\.0\.0\.0\/8\): refused unless DISPATCHER_DEV_ALLOW_LIST/,
      ],
      [
        'http to localhost names it as loopback',
        add('--url', 'http://localhost:3000/x'),
        /--url: endpoint host localhost is a loopback name .*DISPATCHER_DEV_ALLOW_LIST/,
      ],
      [
        'an allow-list that does not hold the private address',
        add('--url', 'http://10.0.0.1/x'),
        /--url: endpoint address 10\.0\.0\.1 is a private address/,
        { DISPATCHER_DEV_ALLOW_LIST: '127.0.0.1' },
      ],
      [
        'updating an unknown endpoint',
        ['endpoints', 'update', 'ep_missing', '--url', url],
        /endpoint "ep_missing" does not exist/,
      ],
      [
        'an update without options',
        ['endpoints', 'update', 'ep_a1'],
        /name at least one of --url, --events, --rate, --timeout-ms/,
      ],
      [
        'an update to an unsafe URL',
        ['endpoints', 'update', 'ep_a1', '--url', 'https://169.254.169.254/latest'],
        /--url: endpoint address 169\.254\.169\.254 is a link-local address/,
      ],
      ['an update to port 0', ['endpoints', 'update', 'ep_a1', '--url', 'https://example.com:0/'], /--url: port 0/],
      ['an update with a bad rate', ['endpoints', 'update', 'ep_a1', '--rate', '-1'], /--rate: must be a number/],
      [
        'an update with an unknown event',
        ['endpoints', 'update', 'ep_a1', '--events', 'x'],
        /--events: unknown event type/,
      ],
      ['deleting an unknown endpoint', ['endpoints', 'delete', 'ep_missing'], /endpoint "ep_missing" does not exist/],
      [
        'enabling a deleted endpoint',
        ['endpoints', 'enable', 'ep_gone'],
        /endpoint "ep_gone" was deleted at \S+Z and cannot be enabled/,
      ],
      [
        'updating a deleted endpoint',
        ['endpoints', 'update', 'ep_gone', '--url', url],
        /"ep_gone" was deleted at .* cannot be updated/,
      ],
      [
        'rotating a deleted endpoint',
        ['endpoints', 'rotate-secret', 'ep_gone'],
        /"ep_gone" was deleted at .* cannot be given a new secret/,
      ],
      [
        'disabling a deleted endpoint',
        ['endpoints', 'disable', 'ep_gone'],
        /"ep_gone" was deleted at .* cannot be disabled again/,
      ],
      [
        'reusing a deleted id',
        add('--url', url, '--id', 'ep_gone'),
        /--id: endpoint "ep_gone" already exists \(deleted\): ids of deleted endpoints are not reused/,
      ],
    ];
    for (const [title, args, message, extra] of cases) {
      it(title, async () => {
        const result = await cli(args, extra);
        assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, message);
        assert.doesNotMatch(result.stdout, /whsec_/);
      });
    }

    it('and nothing reached the topic', async () => {
      assert.equal(await recordCount(), count);
      assert.equal((await readEndpoints()).size, endpointsBefore);
    });
  });

  it('a pipeline without topics fails with status 1 and says what to run', async () => {
    const result = await cli(['endpoints', 'list'], { PAYHOOK_TOPIC_PREFIX: `${uniqueName('none')}.` });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /endpoints does not exist: run "payhook topics create"/);
  });

  it('every endpoints command documents the environment it reads and its exit statuses', async () => {
    for (const command of ['add', 'list', 'update', 'rotate-secret', 'disable', 'enable', 'delete']) {
      const result = await cli(['endpoints', command, '--help']);
      assert.equal(result.code, 0, result.stderr);
      for (const variable of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'PAYHOOK_TOPIC_PREFIX', 'Exit status']) {
        assert.ok(result.stdout.includes(variable), `${command} --help names ${variable}`);
      }
    }
    assert.match((await cli(['endpoints', 'add', '--help'])).stdout, /DISPATCHER_DEV_ALLOW_LIST/);
    const update = (await cli(['endpoints', 'update', '--help'])).stdout;
    for (const option of [
      '--url <url>',
      '--events <types>',
      '--rate <per-second>',
      '--timeout-ms <n>',
      '--description <text>',
    ]) {
      assert.ok(update.includes(option), `update --help names ${option}`);
    }
    assert.match(update, /keeps its id\s+\(so its\s+webhook-ids\) and its secrets/);
    assert.match(update, /same id, same\s+secrets/);
    assert.match(update, /DISPATCHER_DEV_ALLOW_LIST/);
    assert.match((await cli(['endpoints', 'delete', '--help'])).stdout, /deleted_at now/);
    assert.match((await cli(['endpoints', 'list', '--help'])).stdout, /--include-deleted/);
    const group = (await cli(['endpoints', '--help'])).stdout;
    assert.match(group, /^ {2}update /m);
    assert.match(group, /^ {2}delete /m);
  });
});
