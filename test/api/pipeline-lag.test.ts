// The operator overview's lag: measured against the real broker, and shared by the callers of a
// few seconds (every open operator view asks every 15 s, and a measurement scans the topics).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createPipelineLag, type PipelineLag } from '@payhook/api';
import { createPipelineFixture, type PipelineFixture } from '@payhook/testkit';

let pipeline: PipelineFixture;
let lag: PipelineLag;
let clock = 1_000_000;

before(async () => {
  pipeline = await createPipelineFixture({ tiers: '5s', partitions: 1 });
  lag = createPipelineLag({
    kafka: pipeline.kafka,
    topics: pipeline.topics,
    filterGroupId: 'payhook-confirmation-filter',
    dispatcherGroupId: 'payhook-dispatcher',
    reuseMs: 5_000,
    now: () => clock,
  });
});
after(async () => {
  await lag?.stop();
  await pipeline?.close();
});

it('reuses a measurement within reuseMs and measures again after it', async () => {
  const first = await lag.measure();
  assert.deepEqual(
    first.map((g) => g.groupId),
    lag.groups.map((g) => g.groupId),
  );
  clock += 4_000;
  assert.equal(await lag.measure(), first, 'the same measurement within 5 s');
  clock += 1_000;
  const next = await lag.measure();
  assert.notEqual(next, first, 'a new measurement after 5 s');
  assert.deepEqual(
    next.map((g) => g.groupId),
    first.map((g) => g.groupId),
  );
});
