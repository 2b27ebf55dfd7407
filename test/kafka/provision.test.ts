import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseRetryTiers, pipelineTopics } from '@payhook/contracts';
import {
  describeTopicHealth,
  ensureTopics,
  pipelineTopicSpecs,
  readTopicConfigs,
  type TopicSpec,
} from '@payhook/kafka';
import { testEnvironment, testKafka, uniqueName, waitUntil } from '@payhook/testkit';
import kafkajs from 'kafkajs';

const kafka = testKafka();
const admin = kafka.admin();
const prefix = uniqueName('prov');
// The pipeline's own specs under a random prefix, so the run owns its topics.
const specs: TopicSpec[] = pipelineTopicSpecs(pipelineTopics(parseRetryTiers('1s,1m'), `${prefix}.`), {
  partitions: 2,
  tablePartitions: 1,
});

/**
 * Waits until the broker reports a topic config: with KRaft, a config change reaches the
 * brokers through the metadata log a moment after the controller accepted it.
 */
/** The replication the test expects: production's (3, min ISR 2) capped to the local stack (one broker, or a cluster with PAYHOOK_DEV_BROKERS). */
async function expectedReplication(): Promise<{ brokers: number; factor: number; minIsr: number }> {
  const brokers = (await admin.describeCluster()).brokers.length;
  const factor = Math.min(3, brokers);
  return { brokers, factor, minIsr: Math.min(2, factor) };
}

async function configSettles(topic: string, name: string, value: string | undefined): Promise<void> {
  await waitUntil(async () => (await readTopicConfigs(admin, [topic])).get(topic)?.[name] === value, {
    timeoutMs: 10_000,
    what: `${topic} ${name}=${value}`,
  });
}

describe('topic provisioning', () => {
  before(() => admin.connect());
  after(async () => {
    await admin.deleteTopics({ topics: specs.map((s) => s.name) }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates every topic with the intended partitions and configs', async () => {
    const report = await ensureTopics(admin, specs);
    assert.deepEqual(report.created.sort(), specs.map((s) => s.name).sort());
    const metadata = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
    const configs = await readTopicConfigs(
      admin,
      specs.map((s) => s.name),
    );
    for (const spec of specs) {
      assert.equal(metadata.topics.find((t) => t.name === spec.name)?.partitions.length, spec.partitions, spec.name);
      const actual = configs.get(spec.name) ?? {};
      for (const [key, value] of Object.entries(spec.config)) assert.equal(actual[key], value, `${spec.name} ${key}`);
    }
    const expected = await expectedReplication();
    assert.deepEqual(
      [report.replication.replicationFactor, report.replication.minInsyncReplicas],
      [expected.factor, expected.minIsr],
    );
    assert.deepEqual(report.replication.requested, { replicationFactor: 3, minInsyncReplicas: 2 });
    assert.equal(report.replication.brokers, expected.brokers);
    assert.deepEqual(report.replicationMismatches, []);
    for (const spec of specs) {
      assert.equal(configs.get(spec.name)?.['min.insync.replicas'], String(expected.minIsr), spec.name);
      const partitions = metadata.topics.find((t) => t.name === spec.name)?.partitions ?? [];
      assert.ok(
        partitions.every((p) => p.replicas.length === expected.factor),
        spec.name,
      );
    }
    const compacted = specs
      .filter((s) => s.config['cleanup.policy']?.split(',').includes('compact'))
      .map((s) => s.name.slice(prefix.length + 1));
    assert.deepEqual(compacted.sort(), [
      'api-keys',
      'api.idempotency',
      'api.jobs',
      'endpoints',
      'payments.intents',
      'scanner.checkpoints',
    ]);
  });

  it('is idempotent: a second run changes nothing', async () => {
    const report = await ensureTopics(admin, specs);
    assert.deepEqual(report.created, []);
    assert.deepEqual(report.reconfigured, []);
    assert.deepEqual(report.expanded, []);
    assert.equal(report.unchanged.length, specs.length);
  });

  it("describes each topic's replication, and flags nothing on a healthy broker", async () => {
    const expected = await expectedReplication();
    const health = await describeTopicHealth({ brokers: testEnvironment.kafkaBrokers }, [
      ...specs.map((s) => s.name),
      `${prefix}.absent`,
    ]);
    assert.deepEqual(health.map((h) => h.topic).sort(), specs.map((s) => s.name).sort());
    for (const h of health) {
      assert.deepEqual(
        [h.replicationFactor, h.minInsyncReplicas, h.underReplicated, h.belowMinIsr, h.offline],
        [expected.factor, expected.minIsr, [], [], []],
        h.topic,
      );
    }
  });

  it('sets min.insync.replicas back when it drifts, keeping the other configs', async () => {
    const target = specs.find((s) => s.name.endsWith('payments.events')) as TopicSpec;
    const intended = String((await expectedReplication()).minIsr);
    const drifted = intended === '1' ? '2' : '1';
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: kafkajs.ConfigResourceTypes.TOPIC,
          name: target.name,
          configEntries: [
            ...Object.entries(target.config).map(([name, value]) => ({ name, value })),
            { name: 'min.insync.replicas', value: drifted },
          ],
        },
      ],
    });
    await configSettles(target.name, 'min.insync.replicas', drifted);
    const report = await ensureTopics(admin, specs);
    assert.deepEqual(report.reconfigured, [target.name]);
    await configSettles(target.name, 'min.insync.replicas', intended);
    const configs = await readTopicConfigs(admin, [target.name]);
    assert.equal(configs.get(target.name)?.['retention.ms'], target.config['retention.ms']);
  });

  it('repairs drift: a changed config is set back, a missing partition added', async () => {
    const target = specs.find((s) => s.name.endsWith('webhooks.dispatch')) as TopicSpec;
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: kafkajs.ConfigResourceTypes.TOPIC,
          name: target.name,
          configEntries: [{ name: 'retention.ms', value: '1000' }],
        },
      ],
    });
    await configSettles(target.name, 'retention.ms', '1000');
    const grown = specs.map((s) => (s.name === target.name ? { ...s, partitions: s.partitions + 1 } : s));
    const report = await ensureTopics(admin, grown);
    assert.deepEqual(report.reconfigured, [target.name]);
    assert.deepEqual(report.expanded, [target.name]);
    await configSettles(target.name, 'retention.ms', target.config['retention.ms']);
  });
});
