import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { deliveryId, webhookBody } from '@payhook/confirmation-filter';
import type { Endpoint, PaymentEvent, WebhookDelivery } from '@payhook/contracts';
import { DeadLetterReason, DeliveryHeader } from '@payhook/dispatcher';
import { createPipelineFixture, type PipelineFixture, sampleValues } from '@payhook/testkit';
import type { Admin, IHeaders, KafkaMessage, Producer } from 'kafkajs';
import { runCli } from './run-cli.ts';

const HOUR_MS = 3_600_000;
const REPLAY_ID = 'payhook-replay-id';
/** Headers a replayed record must not carry. */
const RETRY_STATE = [
  DeliveryHeader.ATTEMPTS,
  DeliveryHeader.DUE_AT,
  DeliveryHeader.TIER,
  DeliveryHeader.HOPS,
  DeliveryHeader.DLQ_REASON,
];

let pipe: PipelineFixture;
let admin: Admin;
let producer: Producer;
let cursorTopic: string;

const cli = (args: readonly string[], on: PipelineFixture = pipe) => runCli(args, on.serviceEnv());

/** A delivery of its own: unique ids, so each test selects only what it wrote. */
function delivery(overrides: Partial<WebhookDelivery> = {}): WebhookDelivery {
  const id = randomBytes(6).toString('hex');
  const paymentId = overrides.payment_id ?? `pay_${id}`;
  return {
    delivery_id: `msg_${id}`,
    event_id: `evt_${id}`,
    event_type: 'payment.confirmed',
    endpoint_id: 'ep_default',
    merchant_id: 'mer_replay',
    payment_id: paymentId,
    body: JSON.stringify({ type: 'payment.confirmed', id: `evt_${id}`, data: { payment_id: paymentId } }),
    created_at: Date.now() - HOUR_MS,
    ...overrides,
  };
}

/** Headers the dispatcher writes on a record it parks in the DLQ (see nextHopHeaders). */
function dlqHeaders(d: WebhookDelivery, reason: string = DeadLetterReason.RETRIES_EXHAUSTED): IHeaders {
  const failedAt = Date.now() - 60_000;
  return {
    'x-trace': 'keep-me',
    [DeliveryHeader.ATTEMPTS]: '3',
    [DeliveryHeader.FIRST_FAILURE_AT]: String(failedAt - 10_000),
    [DeliveryHeader.LAST_FAILURE_AT]: String(failedAt),
    [DeliveryHeader.LAST_STATUS]: '503',
    [DeliveryHeader.LAST_ERROR_CLASS]: 'HTTP_5XX',
    [DeliveryHeader.LAST_ERROR]: 'HTTP 503',
    [DeliveryHeader.ORIGINAL_TOPIC]: pipe.topics.dispatch,
    [DeliveryHeader.ORIGINAL_PARTITION]: '1',
    [DeliveryHeader.ORIGINAL_OFFSET]: '42',
    [DeliveryHeader.ORIGINAL_TIMESTAMP]: String(d.created_at),
    [DeliveryHeader.DLQ_REASON]: reason,
  };
}

/** Headers of a record waiting in a retry tier. */
function tierHeaders(d: WebhookDelivery, tier: string): IHeaders {
  const { [DeliveryHeader.DLQ_REASON]: _reason, ...rest } = dlqHeaders(d);
  return { ...rest, [DeliveryHeader.TIER]: tier, [DeliveryHeader.HOPS]: '1', [DeliveryHeader.DUE_AT]: '1' };
}

async function produce(
  topic: string,
  records: readonly { d: WebhookDelivery; headers?: IHeaders; timestampMs?: number }[],
  via: Producer = producer,
): Promise<void> {
  const messages = await Promise.all(
    records.map(async (r) => ({
      key: r.d.endpoint_id,
      value: await pipe.codec.encode(topic, 'WEBHOOK_DELIVERY', r.d),
      ...(r.headers === undefined ? {} : { headers: r.headers }),
      ...(r.timestampMs === undefined ? {} : { timestamp: String(r.timestampMs) }),
    })),
  );
  await via.send({ topic, acks: -1, messages });
}

/** Records ever written to a topic (no compaction or retention runs within a test). */
async function recordCount(topic: string): Promise<number> {
  if (!(await admin.listTopics()).includes(topic)) return 0;
  return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
}

const text = (headers: IHeaders | undefined, name: string): string | undefined => headers?.[name]?.toString();

/** Every record on dispatch that the replay `id` wrote. */
async function replayed(id: string): Promise<KafkaMessage[]> {
  const all = await pipe.read(pipe.topics.dispatch, await recordCount(pipe.topics.dispatch));
  return all.filter((m) => text(m.headers, REPLAY_ID) === id);
}

interface Summary {
  id: string;
  resumed: boolean;
  scanned: number;
  matched: number;
  sent: number;
  totals: { scanned: number; matched: number; sent: number };
  records?: {
    delivery_id: string;
    endpoint_id: string;
    payment_id: string;
    event_type: string;
    original_time: string;
    dlq_reason: string | null;
    source: { topic: string; partition: number; offset: string };
  }[];
}

async function replayJson(args: readonly string[], on: PipelineFixture = pipe): Promise<Summary> {
  const result = await cli(['replay', ...args, '--json'], on);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Summary;
}

const ids = (s: Summary) => (s.records ?? []).map((r) => r.delivery_id).sort();
const sorted = (ds: readonly WebhookDelivery[]) => ds.map((d) => d.delivery_id).sort();

before(async () => {
  pipe = await createPipelineFixture({ tiers: '1s,2s', partitions: 3 });
  admin = pipe.kafka.admin();
  await admin.connect();
  producer = pipe.kafka.producer({ idempotent: true });
  await producer.connect();
  cursorTopic = `${pipe.prefix}payhook.replay-cursors`;
});

after(async () => {
  await producer.disconnect();
  await admin.deleteTopics({ topics: [cursorTopic] }).catch(() => undefined);
  await admin.disconnect();
  await pipe.close();
});

describe('payhook replay', () => {
  it('--dry-run lists the matching DLQ records and writes nothing', async () => {
    const ds = [delivery({ endpoint_id: 'ep_dry' }), delivery({ endpoint_id: 'ep_dry' })];
    await produce(pipe.topics.dlq, [
      { d: ds[0] as WebhookDelivery, headers: dlqHeaders(ds[0] as WebhookDelivery, DeadLetterReason.ENDPOINT_GONE) },
      { d: ds[1] as WebhookDelivery, headers: dlqHeaders(ds[1] as WebhookDelivery) },
      { d: delivery({ endpoint_id: 'ep_other' }), headers: dlqHeaders(delivery()) },
    ]);
    const dispatched = await recordCount(pipe.topics.dispatch);

    const summary = await replayJson(['--from', 'dlq', '--endpoint', 'ep_dry', '--dry-run']);
    assert.equal(summary.matched, 2);
    assert.equal(summary.sent, 0);
    assert.deepEqual(ids(summary), sorted(ds));
    const gone = summary.records?.find((r) => r.delivery_id === ds[0]?.delivery_id);
    assert.deepEqual(gone, {
      delivery_id: ds[0]?.delivery_id,
      endpoint_id: 'ep_dry',
      payment_id: ds[0]?.payment_id,
      event_type: 'payment.confirmed',
      original_time: new Date(ds[0]?.created_at ?? 0).toISOString(),
      dlq_reason: 'endpoint_gone',
      source: gone?.source,
    });

    const table = await cli(['replay', '--from', 'dlq', '--endpoint', 'ep_dry', '--dry-run']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /would send 2 of \d+ records scanned/);
    assert.match(table.stdout, /DELIVERY +ENDPOINT +PAYMENT +EVENT TYPE +ORIGINAL TIME +DLQ REASON/);
    assert.match(
      table.stdout,
      new RegExp(`${ds[0]?.delivery_id} +ep_dry +${ds[0]?.payment_id} +payment\\.confirmed .* endpoint_gone`),
    );

    assert.equal(await recordCount(pipe.topics.dispatch), dispatched, 'nothing was sent');
    assert.equal(await recordCount(cursorTopic), 0, 'no cursor was stored');
  });

  it('--dry-run lists undecodable records with topic, partition, offset and reason; a real run skips them', async () => {
    const good = delivery({ endpoint_id: 'ep_poison' });
    await produce(pipe.topics.dlq, [{ d: good, headers: dlqHeaders(good) }]);
    // Garbage, a wire-format header with a schema id the registry never gave, and a tombstone.
    const poison: [Buffer | null, RegExp][] = [
      [
        Buffer.from('not avro at all'),
        /^CONTRACT_DECODE_MAGIC_BYTE: record starts with byte 110, expected magic byte 0$/,
      ],
      [
        Buffer.from([0, 0x7f, 0xff, 0xff, 0xfe, 1, 2, 3]),
        /^CONTRACT_DECODE_UNKNOWN_SCHEMA: schema id 2147483646 is unknown/,
      ],
      [null, /^CONTRACT_DECODE_MAGIC_BYTE: record of 0 bytes has no wire-format header$/],
    ];
    const written: { partition: number; offset: string; reason: RegExp }[] = [];
    for (const [value, reason] of poison) {
      const [meta] = await producer.send({ topic: pipe.topics.dlq, acks: -1, messages: [{ key: 'ep_poison', value }] });
      assert.ok(meta);
      written.push({ partition: meta.partition, offset: meta.baseOffset ?? '', reason });
    }
    const dispatched = await recordCount(pipe.topics.dispatch);

    const dry = await cli(['replay', '--from', 'dlq', '--endpoint', 'ep_poison', '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    const summary = JSON.parse(dry.stdout) as Summary & {
      undecodable: number;
      undecodable_records: { topic: string; partition: number; offset: string; key: string | null; reason: string }[];
    };
    assert.deepEqual(ids(summary), [good.delivery_id], 'the decodable record is listed as before');
    assert.equal(summary.undecodable, summary.undecodable_records.length);
    for (const w of written) {
      const listed = summary.undecodable_records.find((r) => r.partition === w.partition && r.offset === w.offset);
      assert.ok(listed, `the poison record at ${w.partition}:${w.offset} is listed`);
      assert.equal(listed.topic, pipe.topics.dlq);
      assert.equal(listed.key, 'ep_poison');
      assert.match(listed.reason, w.reason);
    }

    const table = await cli(['replay', '--from', 'dlq', '--endpoint', 'ep_poison', '--dry-run']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /would send 1 of \d+ records scanned on .*, \d+ undecodable skipped/);
    assert.match(table.stdout, /^undecodable records \(a run skips them; they are never re-published\):$/m);
    assert.match(table.stdout, /^TOPIC +PARTITION +OFFSET +KEY +WRITTEN +REASON$/m);
    const [first] = written;
    assert.match(
      table.stdout,
      new RegExp(
        `^${pipe.topics.dlq.replaceAll('.', '\\.')} +${first?.partition} +${first?.offset} +ep_poison +\\S+ +CONTRACT_DECODE_MAGIC_BYTE: `,
        'm',
      ),
    );
    assert.equal(await recordCount(pipe.topics.dispatch), dispatched, 'a dry run sends nothing');

    // The real run is as it was: the decodable record goes out, the poison ones are counted and skipped.
    const run = await cli(['replay', '--from', 'dlq', '--endpoint', 'ep_poison', '--reason', 'poison test', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const sent = JSON.parse(run.stdout) as Summary & { undecodable: number; undecodable_records?: unknown };
    assert.equal(sent.sent, 1);
    assert.equal(sent.undecodable, summary.undecodable);
    assert.equal(sent.undecodable_records, undefined);
    const out = await replayed(sent.id);
    assert.equal(out.length, 1);
    assert.equal((await pipe.codec.decode('WEBHOOK_DELIVERY', out[0]?.value ?? null)).delivery_id, good.delivery_id);
  });

  it('re-publishes DLQ records to dispatch: same key, value and webhook-id, retry state dropped, replay headers set', async () => {
    const ds = [delivery({ endpoint_id: 'ep_headers' }), delivery({ endpoint_id: 'ep_headers' })];
    await produce(
      pipe.topics.dlq,
      ds.map((d) => ({ d, headers: dlqHeaders(d) })),
    );
    const started = Date.now();
    const summary = await replayJson(['--from', 'dlq', '--endpoint', 'ep_headers', '--reason', 'merchant fixed TLS']);
    assert.equal(summary.sent, 2);
    assert.match(summary.id, /^rp_[0-9a-f]{16}$/);

    const out = await replayed(summary.id);
    assert.equal(out.length, 2);
    for (const m of out) {
      const decoded = await pipe.codec.decode('WEBHOOK_DELIVERY', m.value);
      const original = ds.find((d) => d.delivery_id === decoded.delivery_id);
      assert.ok(original, 'the original webhook-id (delivery id) is kept');
      assert.equal(m.key?.toString(), 'ep_headers');
      assert.deepEqual(
        m.value,
        await pipe.codec.encode(pipe.topics.dlq, 'WEBHOOK_DELIVERY', original),
        'value bytes unchanged',
      );
      for (const name of RETRY_STATE) assert.equal(m.headers?.[name], undefined, `${name} dropped`);
      assert.equal(text(m.headers, DeliveryHeader.ORIGINAL_TOPIC), pipe.topics.dispatch);
      assert.equal(text(m.headers, DeliveryHeader.ORIGINAL_OFFSET), '42');
      assert.equal(text(m.headers, DeliveryHeader.ORIGINAL_TIMESTAMP), String(original.created_at));
      assert.equal(text(m.headers, DeliveryHeader.LAST_ERROR_CLASS), 'HTTP_5XX');
      assert.equal(text(m.headers, 'x-trace'), 'keep-me');
      assert.equal(text(m.headers, DeliveryHeader.REPLAY_REASON), 'merchant fixed TLS');
      const at = Number(text(m.headers, DeliveryHeader.REPLAYED_AT));
      assert.ok(at >= started && at <= Date.now(), 'payhook-replayed-at is the time of the replay');
    }
  });

  it('each filter selects exactly its records, and filters combine', async () => {
    const a = delivery({ endpoint_id: 'ep_f1', event_type: 'payment.confirmed', payment_id: 'pay_f1' });
    const b = delivery({ endpoint_id: 'ep_f1', event_type: 'payment.expired', payment_id: 'pay_f1' });
    const c = delivery({ endpoint_id: 'ep_f2', event_type: 'payment.expired', payment_id: 'pay_f2' });
    await produce(
      pipe.topics.dlq,
      [a, b, c].map((d) => ({ d, headers: dlqHeaders(d) })),
    );
    const dry = (...args: string[]) => replayJson(['--from', 'dlq', '--dry-run', ...args]);
    assert.deepEqual(ids(await dry('--endpoint', 'ep_f1')), sorted([a, b]));
    assert.deepEqual(ids(await dry('--payment', 'pay_f2')), sorted([c]));
    assert.deepEqual(ids(await dry('--delivery', b.delivery_id)), sorted([b]));
    assert.deepEqual(ids(await dry('--payment', 'pay_f1', '--event-type', 'payment.expired')), sorted([b]));
    assert.deepEqual(ids(await dry('--endpoint', 'ep_f2', '--event-type', 'payment.expired,payment.confirmed')), [
      c.delivery_id,
    ]);
    assert.deepEqual(ids(await dry('--endpoint', 'ep_f1', '--payment', 'pay_f2')), []);

    // A real run with the same combination sends just that one record.
    const summary = await replayJson([
      '--from',
      'dlq',
      '--payment',
      'pay_f1',
      '--event-type',
      'payment.expired',
      '--reason',
      'combined filters',
    ]);
    assert.equal(summary.sent, 1);
    const out = await replayed(summary.id);
    assert.deepEqual(
      await Promise.all(out.map(async (m) => (await pipe.codec.decode('WEBHOOK_DELIVERY', m.value)).delivery_id)),
      [b.delivery_id],
    );
  });

  it('--since and --until select by the time records were written, using the timestamp index', async () => {
    // A pipeline of its own: the timestamp index finds the first record at or after a time,
    // which needs timestamps that grow within a partition, as they do when records are written
    // as they happen (the other tests write records of now, these are backdated). Its own
    // clients too: a kafkajs client keeps asking for the topics it wrote to, even deleted ones.
    const own = await createPipelineFixture({ tiers: '1s,2s', partitions: 3 });
    const ownProducer = own.kafka.producer({ idempotent: true });
    const ownAdmin = own.kafka.admin();
    await Promise.all([ownProducer.connect(), ownAdmin.connect()]);
    try {
      const base = Date.now() - 5 * HOUR_MS;
      const early = delivery({ endpoint_id: 'ep_time' });
      const middle = [delivery({ endpoint_id: 'ep_time' }), delivery({ endpoint_id: 'ep_time' })];
      const late = delivery({ endpoint_id: 'ep_time' });
      await produce(
        own.topics.dlq,
        [
          { d: early, headers: dlqHeaders(early), timestampMs: base },
          ...middle.map((d, i) => ({ d, headers: dlqHeaders(d), timestampMs: base + HOUR_MS + i * 1_000 })),
          { d: late, headers: dlqHeaders(late), timestampMs: base + 2 * HOUR_MS },
        ],
        ownProducer,
      );
      const iso = (ms: number) => new Date(ms).toISOString();
      const dry = (...args: string[]) => replayJson(['--from', 'dlq', '--dry-run', ...args], own);
      const window = ['--since', iso(base + HOUR_MS / 2), '--until', iso(base + 2 * HOUR_MS)];
      assert.deepEqual(ids(await dry(...window)), sorted(middle));
      // --since is inclusive, --until exclusive.
      assert.deepEqual(ids(await dry('--since', iso(base), '--until', iso(base + HOUR_MS))), [early.delivery_id]);
      assert.deepEqual(ids(await dry('--since', iso(base + 2 * HOUR_MS))), [late.delivery_id]);
      assert.deepEqual(
        ids(await dry('--until', iso(base + HOUR_MS + 1))),
        sorted([early, middle[0] as WebhookDelivery]),
      );
      const before = await dry('--until', iso(base));
      assert.equal(before.scanned, 0, 'the offsets of the window bound the scan');

      const summary = await replayJson(['--from', 'dlq', ...window, '--reason', 'outage window'], own);
      assert.equal(summary.sent, 2);
      assert.equal(summary.scanned, 2, 'only the window was read');
      const out = await own.read(own.topics.dispatch, 2);
      const sent = await Promise.all(
        out.map(async (m) => (await own.codec.decode('WEBHOOK_DELIVERY', m.value)).delivery_id),
      );
      assert.deepEqual(sent.sort(), sorted(middle));
    } finally {
      await ownProducer.disconnect();
      await ownAdmin.deleteTopics({ topics: [`${own.prefix}payhook.replay-cursors`] }).catch(() => undefined);
      await ownAdmin.disconnect();
      await own.close();
    }
  });

  it('resumes from its cursor: a second run sends only records added since, a third sends nothing', async () => {
    const first = Array.from({ length: 4 }, () => delivery({ endpoint_id: 'ep_resume' }));
    await produce(
      pipe.topics.dlq,
      first.map((d) => ({ d, headers: dlqHeaders(d) })),
    );
    const args = ['--from', 'dlq', '--endpoint', 'ep_resume', '--reason', 'resume test'];

    const run1 = await replayJson(args);
    assert.equal(run1.sent, 4);
    assert.equal(run1.resumed, false);
    assert.ok((await recordCount(cursorTopic)) >= 1, 'the cursor is stored');

    const more = Array.from({ length: 3 }, () => delivery({ endpoint_id: 'ep_resume' }));
    await produce(
      pipe.topics.dlq,
      more.map((d) => ({ d, headers: dlqHeaders(d) })),
    );
    const run2 = await replayJson(args);
    assert.equal(run2.id, run1.id, 'the same filters give the same replay id');
    assert.equal(run2.resumed, true);
    assert.equal(run2.sent, 3);
    assert.equal(run2.totals.sent, 7);

    const run3 = await replayJson(args);
    assert.equal(run3.sent, 0);
    assert.equal(run3.scanned, 0, 'nothing new to scan');

    const out = await replayed(run1.id);
    const sent = await Promise.all(
      out.map(async (m) => (await pipe.codec.decode('WEBHOOK_DELIVERY', m.value)).delivery_id),
    );
    assert.deepEqual(sent.sort(), sorted([...first, ...more]), 'each record re-published exactly once');

    // A dry run honours the cursor; --restart ignores it.
    assert.equal((await replayJson(['--from', 'dlq', '--endpoint', 'ep_resume', '--dry-run'])).matched, 0);
    assert.equal((await replayJson(['--from', 'dlq', '--endpoint', 'ep_resume', '--dry-run', '--restart'])).matched, 7);
  });

  it('an explicit --id keeps its cursor across runs and refuses other filters', async () => {
    const d = delivery({ endpoint_id: 'ep_named' });
    await produce(pipe.topics.dlq, [{ d, headers: dlqHeaders(d) }]);
    const named = await replayJson([
      '--from',
      'dlq',
      '--endpoint',
      'ep_named',
      '--id',
      'incident-42',
      '--reason',
      'incident 42',
    ]);
    assert.equal(named.id, 'incident-42');
    assert.equal(named.sent, 1);
    const dispatched = await recordCount(pipe.topics.dispatch);
    const cursors = await recordCount(cursorTopic);
    const other = await cli([
      'replay',
      '--from',
      'dlq',
      '--endpoint',
      'ep_other',
      '--id',
      'incident-42',
      '--reason',
      'x',
    ]);
    assert.equal(other.code, 2, other.stderr);
    assert.match(other.stderr, /--id: replay "incident-42" was started with other filters/);
    assert.equal(await recordCount(pipe.topics.dispatch), dispatched);
    assert.equal(await recordCount(cursorTopic), cursors);
  });

  it('from a retry tier: the tier headers are dropped', async () => {
    const d = delivery({ endpoint_id: 'ep_tier' });
    await produce(pipe.topics.retry[1]?.topic as string, [{ d, headers: tierHeaders(d, '2s') }]);
    const summary = await replayJson(['--from', 'retry:2s', '--endpoint', 'ep_tier', '--reason', 'stuck tier']);
    assert.equal(summary.sent, 1);
    const [m] = await replayed(summary.id);
    assert.ok(m);
    for (const name of RETRY_STATE) assert.equal(m.headers?.[name], undefined, `${name} dropped`);
    assert.equal(text(m.headers, DeliveryHeader.ORIGINAL_TOPIC), pipe.topics.dispatch);
    // The topic name works as well as the tier's name.
    const byTopic = await replayJson([
      '--from',
      pipe.topics.retry[1]?.topic as string,
      '--endpoint',
      'ep_tier',
      '--dry-run',
      '--restart',
    ]);
    assert.equal(byTopic.matched, 1);
  });

  it('from dispatch: running it again never re-sends its own output', async () => {
    const d = delivery({ endpoint_id: 'ep_dispatch' });
    await produce(pipe.topics.dispatch, [{ d }]);
    const args = ['--from', 'dispatch', '--endpoint', 'ep_dispatch', '--reason', 'receiver lost data'];
    const run1 = await replayJson(args);
    assert.equal(run1.sent, 1);
    const run2 = await replayJson(args);
    assert.equal(run2.scanned, 1, 'its own output is scanned');
    assert.equal(run2.sent, 0, 'and skipped');
    assert.equal((await replayed(run1.id)).length, 1);
  });

  it('from events: rebuilds the deliveries for the endpoints subscribed now, with their original webhook-ids', async () => {
    const endpoint = (id: string, over: Partial<Endpoint> = {}): Endpoint => ({
      ...sampleValues.ENDPOINT,
      endpoint_id: id,
      merchant_id: 'mer_events',
      event_types: ['payment.confirmed'],
      ...over,
    });
    await pipe.produce(pipe.topics.endpoints, 'ENDPOINT', [
      { key: 'ep_ev_a', value: endpoint('ep_ev_a') },
      { key: 'ep_ev_b', value: endpoint('ep_ev_b', { event_types: ['payment.confirmed', 'payment.detected'] }) },
      { key: 'ep_ev_off', value: endpoint('ep_ev_off', { enabled: false, disabled_reason: 'operator' }) },
      { key: 'ep_ev_other', value: endpoint('ep_ev_other', { merchant_id: 'mer_someone_else' }) },
    ]);
    const event = (status: PaymentEvent['status'], sequence: number): PaymentEvent => ({
      ...sampleValues.PAYMENT_EVENT,
      event_id: `evt_ev_${status}`,
      payment_id: 'pay_events',
      merchant_id: 'mer_events',
      status,
      sequence,
    });
    const detected = event('DETECTED', 2);
    const confirmed = event('CONFIRMED', 3);
    await pipe.produce(pipe.topics.events, 'PAYMENT_EVENT', [
      { key: 'pay_events', value: event('PENDING', 1) },
      { key: 'pay_events', value: detected },
      { key: 'pay_events', value: confirmed },
    ]);

    const dry = await replayJson(['--from', 'events', '--payment', 'pay_events', '--dry-run']);
    const expected = [
      deliveryId(detected.event_id, 'ep_ev_b'),
      deliveryId(confirmed.event_id, 'ep_ev_a'),
      deliveryId(confirmed.event_id, 'ep_ev_b'),
    ].sort();
    assert.deepEqual(ids(dry), expected);
    assert.equal(dry.scanned, 3);

    const summary = await replayJson([
      '--from',
      'events',
      '--payment',
      'pay_events',
      '--event-type',
      'payment.confirmed',
      '--reason',
      'merchant asked',
    ]);
    assert.equal(summary.sent, 2);
    const out = await replayed(summary.id);
    const rebuilt = await Promise.all(out.map((m) => pipe.codec.decode('WEBHOOK_DELIVERY', m.value)));
    assert.deepEqual(
      rebuilt.map((d) => d.delivery_id).sort(),
      [deliveryId(confirmed.event_id, 'ep_ev_a'), deliveryId(confirmed.event_id, 'ep_ev_b')].sort(),
    );
    for (const [i, d] of rebuilt.entries()) {
      assert.equal(out[i]?.key?.toString(), d.endpoint_id);
      assert.equal(d.body, webhookBody(confirmed, 'payment.confirmed'));
      assert.equal(d.event_type, 'payment.confirmed');
      assert.equal(d.created_at, confirmed.occurred_at);
      assert.equal(text(out[i]?.headers, DeliveryHeader.REPLAY_REASON), 'merchant asked');
    }
  });

  it('--rate paces the sends and --progress reports the counts on stderr', async () => {
    const ds = Array.from({ length: 5 }, () => delivery({ endpoint_id: 'ep_rate' }));
    await produce(
      pipe.topics.dlq,
      ds.map((d) => ({ d, headers: dlqHeaders(d) })),
    );
    const result = await cli([
      'replay',
      '--from',
      'dlq',
      '--endpoint',
      'ep_rate',
      '--rate',
      '20',
      '--progress',
      '--reason',
      'paced',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /sent 5 of \d+ records scanned/);
    assert.match(result.stderr, /scanned \d+ {2}matched 5 {2}sent 5/);
    assert.match(result.stderr, /^replay rp_[0-9a-f]{16}: from .*webhooks\.dlq, endpoint ep_rate/m);
  });
});

describe('payhook resend', () => {
  it('--delivery re-publishes the DLQ record of one delivery', async () => {
    const d = delivery({ endpoint_id: 'ep_resend' });
    await produce(pipe.topics.dispatch, [{ d }]);
    await produce(pipe.topics.dlq, [{ d, headers: dlqHeaders(d, DeadLetterReason.CIRCUIT_OPEN) }]);
    const result = await cli(['resend', '--delivery', d.delivery_id, '--reason', 'one more try', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { id: string; sent: number; records: { dlq_reason: string }[] };
    assert.equal(summary.sent, 1);
    assert.equal(summary.records[0]?.dlq_reason, 'circuit_open', 'taken from the DLQ');
    const out = await replayed(summary.id);
    assert.equal(out.length, 1);
    const decoded = await pipe.codec.decode('WEBHOOK_DELIVERY', out[0]?.value ?? null);
    assert.equal(decoded.delivery_id, d.delivery_id);
    for (const name of RETRY_STATE) assert.equal(out[0]?.headers?.[name], undefined, `${name} dropped`);
    assert.equal(text(out[0]?.headers, DeliveryHeader.REPLAY_REASON), 'one more try');
  });

  it('--payment re-publishes the latest record of every delivery of the payment', async () => {
    const inDlq = delivery({ endpoint_id: 'ep_rp1', payment_id: 'pay_resend' });
    const inTier = delivery({ endpoint_id: 'ep_rp2', payment_id: 'pay_resend' });
    const delivered = delivery({ endpoint_id: 'ep_rp3', payment_id: 'pay_resend' });
    await produce(pipe.topics.dispatch, [{ d: inDlq }, { d: inTier }, { d: delivered }]);
    await produce(pipe.topics.retry[0]?.topic as string, [{ d: inTier, headers: tierHeaders(inTier, '1s') }]);
    await produce(pipe.topics.dlq, [{ d: inDlq, headers: dlqHeaders(inDlq) }]);

    const dry = await cli(['resend', '--payment', 'pay_resend', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /would send 3 to webhooks\.dispatch/);
    const result = await cli([
      'resend',
      '--payment',
      'pay_resend',
      '--reason',
      'merchant rebuilt its database',
      '--json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { id: string; sent: number };
    assert.equal(summary.sent, 3);
    const out = await replayed(summary.id);
    const byId = new Map<string, KafkaMessage>();
    for (const m of out) byId.set((await pipe.codec.decode('WEBHOOK_DELIVERY', m.value)).delivery_id, m);
    assert.deepEqual([...byId.keys()].sort(), sorted([inDlq, inTier, delivered]));
    // From the DLQ and the tier, provenance came along; the dispatch record had none.
    assert.equal(text(byId.get(inDlq.delivery_id)?.headers, DeliveryHeader.ORIGINAL_OFFSET), '42');
    assert.equal(text(byId.get(inTier.delivery_id)?.headers, DeliveryHeader.ORIGINAL_OFFSET), '42');
    assert.equal(byId.get(delivered.delivery_id)?.headers?.[DeliveryHeader.ORIGINAL_OFFSET], undefined);
  });
});

describe('refused input exits 2, names the option and writes nothing', () => {
  let dispatched: number;
  let cursors: number;
  before(async () => {
    dispatched = await recordCount(pipe.topics.dispatch);
    cursors = await recordCount(cursorTopic);
  });

  const replay = (...args: string[]) => ['replay', '--reason', 'test', ...args];
  const cases: [string, string[], RegExp][] = [
    ['an unknown source', replay('--from', 'payments.intents'), /--from: cannot replay from "payments\.intents"/],
    ['an unknown tier', replay('--from', 'retry:7s'), /--from: "retry:7s" is not a retry tier .* the tiers are 1s, 2s/],
    ['no source', ['replay', '--reason', 'x'], /required option '--from <source>'/],
    [
      'a reversed time range',
      replay('--from', 'dlq', '--since', '2026-01-02T00:00:00Z', '--until', '2026-01-01T00:00:00Z'),
      /--until: must be later than --since/,
    ],
    [
      'an empty time range',
      replay('--from', 'dlq', '--since', '2026-01-02', '--until', '2026-01-02'),
      /--until: must be later/,
    ],
    [
      'a malformed time',
      replay('--from', 'dlq', '--since', 'yesterday'),
      /--since: "yesterday" is not an ISO 8601 time/,
    ],
    ['a time without a zone', replay('--from', 'dlq', '--until', '2026-01-02T10:00:00'), /--until: .* needs a zone/],
    [
      'an impossible date',
      replay('--from', 'dlq', '--since', '2026-02-31'),
      /--since: "2026-02-31" is not a real date/,
    ],
    ['a malformed endpoint', replay('--from', 'dlq', '--endpoint', 'ep 1'), /--endpoint: must be 1 to 128/],
    ['a malformed payment', replay('--from', 'dlq', '--payment', '../x'), /--payment: must be 1 to 128/],
    ['a malformed delivery', replay('--from', 'dlq', '--delivery', 'msg 1'), /--delivery: must be 1 to 128/],
    [
      'an unknown event type',
      replay('--from', 'dlq', '--event-type', 'payment.paid'),
      /--event-type: unknown event type "payment\.paid"/,
    ],
    ['a zero rate', replay('--from', 'dlq', '--rate', '0'), /--rate: must be a number .* above 0/],
    ['a negative rate', replay('--from', 'dlq', '--rate', '-5'), /--rate: must be a number/],
    ['a malformed id', replay('--from', 'dlq', '--id', 'my replay'), /--id: must be 1 to 128/],
    ['no reason', ['replay', '--from', 'dlq'], /--reason: required \(unless --dry-run\)/],
    ['an empty reason', ['replay', '--from', 'dlq', '--reason', '  '], /--reason: must say why/],
    ['resend without an id', ['resend', '--reason', 'x'], /--delivery or --payment: name the delivery/],
    [
      'resend with a malformed delivery',
      ['resend', '--delivery', 'msg 1', '--reason', 'x'],
      /--delivery: must be 1 to 128/,
    ],
    ['resend without a reason', ['resend', '--delivery', 'msg_1'], /--reason: required/],
    [
      'resend of a delivery nobody knows',
      ['resend', '--delivery', 'msg_unknown', '--reason', 'x'],
      /--delivery: no record of delivery "msg_unknown"/,
    ],
    [
      'resend of a payment nobody knows',
      ['resend', '--payment', 'pay_unknown', '--reason', 'x'],
      /--payment: no record of payment "pay_unknown"/,
    ],
  ];
  for (const [title, args, message] of cases) {
    it(title, async () => {
      const result = await cli(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    });
  }

  it('and nothing reached dispatch or the cursors', async () => {
    assert.equal(await recordCount(pipe.topics.dispatch), dispatched);
    assert.equal(await recordCount(cursorTopic), cursors);
  });
});

describe('replay and resend help', () => {
  it('documents the environment they read and their exit statuses', async () => {
    for (const command of ['replay', 'resend']) {
      const result = await cli([command, '--help']);
      assert.equal(result.code, 0, result.stderr);
      for (const word of [
        'KAFKA_BROKERS',
        'SCHEMA_REGISTRY_URL',
        'PAYHOOK_TOPIC_PREFIX',
        'PAYHOOK_RETRY_TIERS',
        'Exit status',
      ]) {
        assert.ok(result.stdout.includes(word), `${command} --help names ${word}`);
      }
    }
    assert.match((await cli(['replay', '--help'])).stdout, /confirmation filter skips events it has handled/);
  });

  it('a pipeline without topics fails with status 1 and says what to run', async () => {
    const result = await runCli(['replay', '--from', 'dlq', '--dry-run'], {
      ...pipe.serviceEnv(),
      PAYHOOK_TOPIC_PREFIX: 'nowhere.',
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /webhooks\.dlq.* does not exist: run "payhook topics create"/);
  });
});
