import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseRetryTiers, pipelineTopics } from '@payhook/contracts';
import { ensureTopics, pipelineTopicSpecs, readTopicConfigs, type TopicSpec } from '@payhook/kafka';
import { testKafka, uniqueName } from '@payhook/testkit';
import kafkajs from 'kafkajs';

const kafka = testKafka();
const admin = kafka.admin();
const prefix = uniqueName('prov');
// The pipeline's own specs under a random prefix, so the run owns its topics.
const specs: TopicSpec[] = pipelineTopicSpecs(pipelineTopics(parseRetryTiers('1s,1m'), `${prefix}.`), {
  partitions: 2,
  tablePartitions: 1,
});

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
    const compacted = specs
      .filter((s) => s.config['cleanup.policy'] === 'compact')
      .map((s) => s.name.slice(prefix.length + 1));
    assert.deepEqual(compacted.sort(), ['endpoints', 'payments.intents', 'scanner.checkpoints']);
  });

  it('is idempotent: a second run changes nothing', async () => {
    const report = await ensureTopics(admin, specs);
    assert.deepEqual(report.created, []);
    assert.deepEqual(report.reconfigured, []);
    assert.deepEqual(report.expanded, []);
    assert.equal(report.unchanged.length, specs.length);
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
    const grown = specs.map((s) => (s.name === target.name ? { ...s, partitions: s.partitions + 1 } : s));
    const report = await ensureTopics(admin, grown);
    assert.deepEqual(report.reconfigured, [target.name]);
    assert.deepEqual(report.expanded, [target.name]);
    const configs = await readTopicConfigs(admin, [target.name]);
    assert.equal(configs.get(target.name)?.['retention.ms'], target.config['retention.ms']);
  });
});
