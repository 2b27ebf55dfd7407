import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeliveryHeader } from '@payhook/dispatcher';
import { createPipelineFixture, type PipelineFixture, sampleValues, uniqueName, waitUntil } from '@payhook/testkit';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { runCli } from './run-cli.ts';

const HOUR_MS = 3_600_000;

interface PartitionJson {
  topic: string;
  partition: number;
  end_offset: string;
  committed_offset: string | null;
  lag_offsets: number;
  oldest_unconsumed_at: number | null;
  age_seconds: number;
  lag_seconds: number;
  tier_delay_ms: number | null;
}
interface GroupJson {
  group: string;
  state: string;
  members: number;
  partitions: PartitionJson[];
}

let pipe: PipelineFixture;
let admin: Admin;
let producer: Producer;
const consumers: Consumer[] = [];

const cli = (args: readonly string[], env: Record<string, string> = {}) =>
  runCli(args, { ...pipe.serviceEnv(), ...env });

async function lagJson(args: readonly string[] = [], env: Record<string, string> = {}): Promise<GroupJson[]> {
  const result = await cli(['lag', ...args, '--json'], env);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as GroupJson[];
}

function row(groups: readonly GroupJson[], group: string, topic: string, partition: number): PartitionJson {
  const found = groups
    .find((g) => g.group === group)
    ?.partitions.find((p) => p.topic === topic && p.partition === partition);
  assert.ok(found, `${group} ${topic}[${partition}] is reported`);
  return found;
}

/** Writes delivery records to one partition, each with the timestamp and headers given. */
async function write(
  topic: string,
  partition: number,
  records: readonly { timestampMs: number; headers?: Record<string, string> }[],
): Promise<void> {
  const value = await pipe.codec.encode(topic, 'WEBHOOK_DELIVERY', sampleValues.WEBHOOK_DELIVERY);
  await producer.send({
    topic,
    acks: -1,
    messages: records.map((r) => ({
      key: 'ep_lag',
      value,
      partition,
      timestamp: String(r.timestampMs),
      ...(r.headers === undefined ? {} : { headers: r.headers }),
    })),
  });
}

/** Seconds since a time, as the test sees them (the CLI measures a little later). */
const since = (ms: number) => (Date.now() - ms) / 1000;

before(async () => {
  pipe = await createPipelineFixture({ tiers: '1s,2s', partitions: 2 });
  admin = pipe.kafka.admin();
  await admin.connect();
  producer = pipe.kafka.producer({ idempotent: true });
  await producer.connect();
});

after(async () => {
  for (const c of consumers) await c.disconnect().catch(() => undefined);
  await producer.disconnect();
  await admin.disconnect();
  await pipe.close();
});

describe('payhook lag', () => {
  it('moves as a consumer group commits: records and the age of the oldest unconsumed one, then 0', async () => {
    const hourAgo = Date.now() - HOUR_MS;
    await write(
      pipe.topics.dispatch,
      0,
      [0, 1, 2, 3, 4].map((i) => ({ timestampMs: hourAgo + i * 60_000 })),
    );

    // A live member that commits by hand and processes nothing on its own.
    const groupId = uniqueName('lag-group');
    const consumer = pipe.kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    consumers.push(consumer);
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    await consumer.connect();
    await consumer.subscribe({ topic: pipe.topics.dispatch, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async () => consumer.pause([{ topic: pipe.topics.dispatch }]),
    });
    await waitUntil(() => joined, { what: 'the group to form' });
    await consumer.commitOffsets([{ topic: pipe.topics.dispatch, partition: 0, offset: '2' }]);

    const behind = await lagJson(['--group', groupId]);
    assert.equal(behind.length, 1);
    assert.equal(behind[0]?.state, 'Stable');
    assert.equal(behind[0]?.members, 1);
    const p0 = row(behind, groupId, pipe.topics.dispatch, 0);
    assert.equal(p0.end_offset, '5');
    assert.equal(p0.committed_offset, '2');
    assert.equal(p0.lag_offsets, 3);
    assert.equal(p0.oldest_unconsumed_at, hourAgo + 2 * 60_000, 'the record at the committed offset');
    const expected = since(hourAgo + 2 * 60_000);
    assert.ok(p0.lag_seconds <= expected + 1 && p0.lag_seconds >= expected - 120, `${p0.lag_seconds}s ≈ ${expected}s`);
    assert.equal(p0.tier_delay_ms, null);

    const text = await cli(['lag', '--group', groupId]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^${groupId} {2}stable, 1 member: lag 3 records, \\d+s$`, 'm'));
    assert.match(text.stdout, /TOPIC +PARTITION +END +COMMITTED +LAG +SECONDS/);
    assert.match(text.stdout, new RegExp(`${pipe.topics.dispatch.replace(/\./g, '\\.')} +0 +5 +2 +3 +\\d+s`));

    await consumer.commitOffsets([{ topic: pipe.topics.dispatch, partition: 0, offset: '4' }]);
    const closer = row(await lagJson(['--group', groupId]), groupId, pipe.topics.dispatch, 0);
    assert.equal(closer.lag_offsets, 1);
    assert.equal(closer.oldest_unconsumed_at, hourAgo + 4 * 60_000);
    assert.ok(closer.lag_seconds < p0.lag_seconds, 'fewer seconds behind');

    await consumer.commitOffsets([{ topic: pipe.topics.dispatch, partition: 0, offset: '5' }]);
    const caughtUp = row(await lagJson(['--group', groupId]), groupId, pipe.topics.dispatch, 0);
    assert.equal(caughtUp.lag_offsets, 0);
    assert.equal(caughtUp.lag_seconds, 0);
    assert.equal(caughtUp.oldest_unconsumed_at, null);
  });

  it('on a retry tier counts only the time past the due time', async () => {
    const tier = pipe.topics.retry[1]; // 2s
    assert.ok(tier);
    const written = Date.now() - 100_000;
    // Overdue: due 2 s after it was written, 98 s ago.
    await write(tier.topic, 0, [
      { timestampMs: written, headers: { [DeliveryHeader.DUE_AT]: String(written + 2_000) } },
    ]);
    // Not due for an hour (a Retry-After): waiting, not lagging.
    const now = Date.now();
    await write(tier.topic, 1, [{ timestampMs: now, headers: { [DeliveryHeader.DUE_AT]: String(now + HOUR_MS) } }]);
    // No due header: its timestamp plus the tier's delay.
    await write(pipe.topics.retry[0]?.topic as string, 0, [{ timestampMs: written }]);

    const groupId = uniqueName('lag-tiers');
    for (const topic of [tier.topic, pipe.topics.retry[0]?.topic as string]) {
      await admin.setOffsets({
        groupId,
        topic,
        partitions: [
          { partition: 0, offset: '0' },
          { partition: 1, offset: '0' },
        ],
      });
    }
    const groups = await lagJson(['--group', groupId]);
    assert.equal(groups[0]?.state, 'Empty');

    const overdue = row(groups, groupId, tier.topic, 0);
    assert.equal(overdue.lag_offsets, 1);
    assert.equal(overdue.tier_delay_ms, 2_000);
    const age = since(written);
    assert.ok(
      overdue.age_seconds >= age - 1 && overdue.age_seconds <= age + 120,
      `age ${overdue.age_seconds}s ≈ ${age}s`,
    );
    assert.ok(Math.abs(overdue.age_seconds - 2 - overdue.lag_seconds) < 0.01, 'lag = age − delay');

    const waiting = row(groups, groupId, tier.topic, 1);
    assert.equal(waiting.lag_offsets, 1);
    assert.equal(waiting.lag_seconds, 0);

    const noHeader = row(groups, groupId, pipe.topics.retry[0]?.topic as string, 0);
    assert.ok(Math.abs(noHeader.age_seconds - 1 - noHeader.lag_seconds) < 0.01, 'lag = age − the 1s delay');

    const text = await cli(['lag', '--group', groupId]);
    assert.match(text.stdout, /retry tier: beyond its 2s delay/);
  });

  it('measures the pipeline groups by default, reporting their topics before anything was committed', async () => {
    // The dispatcher group under this pipeline's prefix has committed one dispatch partition.
    const dispatcher = `${pipe.prefix}payhook-dispatcher`;
    await admin.setOffsets({
      groupId: dispatcher,
      topic: pipe.topics.dispatch,
      partitions: [{ partition: 0, offset: '1' }],
    });
    await pipe.produce(pipe.topics.events, 'PAYMENT_EVENT', [{ key: 'pay_01', value: sampleValues.PAYMENT_EVENT }]);

    const groups = await lagJson();
    assert.deepEqual(
      groups.map((g) => g.group),
      [dispatcher, `${pipe.prefix}payhook-confirmation-filter`],
    );
    const committed = row(groups, dispatcher, pipe.topics.dispatch, 0);
    assert.equal(committed.committed_offset, '1');
    assert.equal(committed.lag_offsets, Number(committed.end_offset) - 1);
    // Nothing committed: counted from the log start, as the group would read it.
    const uncommitted = row(groups, dispatcher, pipe.topics.dispatch, 1);
    assert.equal(uncommitted.committed_offset, null);
    assert.equal(uncommitted.lag_offsets, 0);
    for (const tier of pipe.topics.retry) row(groups, dispatcher, tier.topic, 0);
    const filter = groups.find((g) => g.group === `${pipe.prefix}payhook-confirmation-filter`);
    assert.equal(filter?.state, 'Dead', 'the broker has never seen it');
    const events = filter?.partitions.filter((p) => p.topic === pipe.topics.events) ?? [];
    assert.equal(events.length, 2);
    assert.equal(
      events.reduce((sum, p) => sum + p.lag_offsets, 0),
      1,
      'the one event waits',
    );
    assert.ok(events.some((p) => p.lag_seconds > 0));

    // The group ids follow the services' variables.
    const renamed = await lagJson([], { DISPATCHER_GROUP_ID: 'dispatch-blue', FILTER_GROUP_ID: 'filter-blue' });
    assert.deepEqual(
      renamed.map((g) => g.group),
      [`${pipe.prefix}dispatch-blue`, `${pipe.prefix}filter-blue`],
    );
  });

  const refused: [string, string[], RegExp][] = [
    [
      'a group the broker does not know',
      ['lag', '--group', 'no-such-group-anywhere'],
      /--group: the broker knows no group "no-such-group-anywhere"/,
    ],
    ['a malformed group id', ['lag', '--group', 'my group'], /--group: must be 1 to 249 letters/],
  ];
  for (const [title, args, message] of refused) {
    it(`refuses ${title} with status 2`, async () => {
      const result = await cli(args);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    });
  }

  it('documents the environment it reads and its exit statuses', async () => {
    const result = await cli(['lag', '--help']);
    assert.equal(result.code, 0, result.stderr);
    for (const word of [
      'KAFKA_BROKERS',
      'PAYHOOK_TOPIC_PREFIX',
      'DISPATCHER_GROUP_ID',
      'FILTER_GROUP_ID',
      'Exit status',
    ]) {
      assert.ok(result.stdout.includes(word), `lag --help names ${word}`);
    }
  });
});
