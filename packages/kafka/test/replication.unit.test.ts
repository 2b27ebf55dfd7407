import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PartitionMetadata } from 'kafkajs';
import { DEFAULT_REPLICATION, effectiveReplication } from '../src/replication.ts';
import { topicHealth } from '../src/topic-health.ts';

describe('effectiveReplication', () => {
  it('keeps production replication on three brokers or more', () => {
    for (const brokers of [3, 5]) {
      const r = effectiveReplication(undefined, brokers);
      assert.deepEqual([r.replicationFactor, r.minInsyncReplicas], [3, 2]);
      assert.deepEqual(r.requested, DEFAULT_REPLICATION);
      assert.deepEqual([r.notes, r.warnings], [[], []]);
    }
  });

  it('caps the factor at the broker count and min ISR at the factor, with a note and no warning on one broker', () => {
    const r = effectiveReplication({ replicationFactor: 3, minInsyncReplicas: 2 }, 1);
    assert.deepEqual([r.replicationFactor, r.minInsyncReplicas, r.brokers], [1, 1, 1]);
    assert.equal(r.notes.length, 2);
    assert.match(r.notes[0] ?? '', /replication factor 3 capped at 1: the cluster has 1 broker$/);
    assert.match(r.notes[1] ?? '', /min\.insync\.replicas 2 capped at the replication factor 1/);
    assert.deepEqual(r.warnings, []);
  });

  it('caps min ISR at a factor asked for below it', () => {
    const r = effectiveReplication({ replicationFactor: 2, minInsyncReplicas: 3 }, 5);
    assert.deepEqual([r.replicationFactor, r.minInsyncReplicas], [2, 2]);
  });

  it('warns when a production-sized cluster is given a single copy', () => {
    const r = effectiveReplication({ replicationFactor: 1 }, 3);
    assert.deepEqual([r.replicationFactor, r.minInsyncReplicas], [1, 1]);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0] ?? '', /replication factor 1 on a cluster of 3 brokers/);
    // One or two brokers cannot do better: no warning about the factor.
    assert.deepEqual(effectiveReplication({ replicationFactor: 1 }, 2).warnings, []);
  });

  it('warns when every copy must be in sync (one broker down stops acks=all writes)', () => {
    const two = effectiveReplication(undefined, 2);
    assert.deepEqual([two.replicationFactor, two.minInsyncReplicas], [2, 2]);
    assert.match(two.warnings[0] ?? '', /min\.insync\.replicas equals the replication factor \(2\)/);
    assert.equal(effectiveReplication({ minInsyncReplicas: 3 }, 3).warnings.length, 1);
  });

  it('refuses counts that are not positive integers', () => {
    assert.throws(
      () => effectiveReplication({ replicationFactor: 0 }, 3),
      /replicationFactor must be a positive integer/,
    );
    assert.throws(() => effectiveReplication({ minInsyncReplicas: 1.5 }, 3), /minInsyncReplicas/);
    assert.throws(() => effectiveReplication(undefined, 0), /brokers/);
  });
});

describe('topicHealth', () => {
  const partition = (partitionId: number, leader: number, replicas: number[], isr: number[], error = 0) =>
    ({ partitionId, leader, replicas, isr, partitionErrorCode: error }) as PartitionMetadata;

  it('flags under-replicated, below-min-ISR and offline partitions', () => {
    const h = topicHealth(
      't',
      [
        partition(2, 1, [1, 2, 3], [1, 2]),
        partition(0, 1, [1, 2, 3], [1, 2, 3]),
        partition(1, 2, [2, 3, 1], [2]),
        partition(3, -1, [3, 1, 2], [3], 5),
      ],
      2,
    );
    assert.deepEqual(
      { ...h },
      {
        topic: 't',
        partitions: 4,
        replicationFactor: 3,
        minInsyncReplicas: 2,
        underReplicated: [1, 2, 3],
        belowMinIsr: [1, 3],
        offline: [3],
      },
    );
  });

  it('a healthy single-broker topic has nothing flagged', () => {
    const h = topicHealth('t', [partition(0, 1, [1], [1])], 1);
    assert.deepEqual([h.replicationFactor, h.underReplicated, h.belowMinIsr, h.offline], [1, [], [], []]);
  });
});
