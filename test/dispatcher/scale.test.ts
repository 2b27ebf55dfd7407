// Horizontal scale: three dispatcher processes in one group share the partitions; kill one
// and its partitions move to the others; nothing is lost; duplicates only with the same id.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, it } from 'node:test';
import { waitUntil } from '@payhook/testkit';
import kafkajs from 'kafkajs';
import { createDispatcherFixture, type DispatcherFixture } from './fixture.ts';
import { type Receiver, startReceiver } from './receiver.ts';

const RECORDS = 1_500;
let fx: DispatcherFixture;
let receiver: Receiver;

/** Partitions of the dispatch topic owned by each live member of the group. */
async function assignment(groupId: string, topic: string): Promise<number[][]> {
  const admin = fx.kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const members = groups[0]?.members ?? [];
    return members.map((m) => {
      const decoded = kafkajs.AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      return [...(decoded?.assignment[topic] ?? [])].sort((a, b) => a - b);
    });
  } finally {
    await admin.disconnect();
  }
}

before(async () => {
  receiver = await startReceiver();
  fx = await createDispatcherFixture({ tiers: '1s', partitions: 6 });
});
after(async () => {
  await fx.close();
  await receiver.close();
});

it('three processes share six partitions; one killed, the rest take over; every record delivered', async () => {
  const groupId = `${fx.pipeline.prefix}payhook-dispatcher`;
  const endpoints = await Promise.all(
    Array.from({ length: 30 }, (_, i) => fx.addEndpoint({ url: `${receiver.url}/s-${i}` })),
  );
  const pods = [fx.spawnDispatcher(), fx.spawnDispatcher(), fx.spawnDispatcher()];
  const exits = pods.map((p) => once(p, 'exit'));
  await waitUntil(
    async () => (await assignment(groupId, fx.topics.dispatch)).filter((a) => a.length > 0).length === 3,
    {
      what: 'three members with partitions',
      timeoutMs: 60_000,
      intervalMs: 500,
    },
  );
  const shared = await assignment(groupId, fx.topics.dispatch);
  assert.deepEqual(
    shared.flat().sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5],
    'each partition owned once',
  );
  assert.ok(
    shared.every((a) => a.length === 2),
    `two partitions each: ${JSON.stringify(shared)}`,
  );

  const sent = await fx.dispatchMany(endpoints, RECORDS);
  await waitUntil(() => receiver.arrivals.length >= RECORDS / 5, { what: 'deliveries under way', timeoutMs: 60_000 });
  pods[0]?.kill('SIGKILL');
  await exits[0];
  await waitUntil(
    async () => {
      const now = await assignment(groupId, fx.topics.dispatch);
      return now.length === 2 && now.flat().length === 6;
    },
    { what: 'the survivors own every partition', timeoutMs: 60_000, intervalMs: 500 },
  );
  const expected = new Set(sent.map((d) => d.delivery_id));
  await waitUntil(() => expected.size === new Set(receiver.arrivals.map((a) => String(a.headers['webhook-id']))).size, {
    what: 'every record delivered',
    timeoutMs: 120_000,
  });
  const ids = receiver.arrivals.map((a) => String(a.headers['webhook-id']));
  for (const id of ids) assert.ok(expected.has(id), `unexpected webhook-id ${id}`);
  assert.equal(new Set(ids).size, RECORDS, 'none lost');
  for (const pod of pods.slice(1)) pod.kill('SIGTERM');
  for (const exit of exits.slice(1)) {
    const [code] = (await exit) as [number | null];
    assert.equal(code, 0, 'the survivors stop cleanly');
  }
});
