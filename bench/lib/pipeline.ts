import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ContractCodec,
  contractForTopic,
  createContractCodec,
  createRegistryClient,
  type Endpoint,
  loadSchemas,
  type PipelineTopics,
  parseRetryTiers,
  pipelineTopics,
  valueSubject,
  type WebhookDelivery,
} from '@payhook/contracts';
import { createIdempotentProducer, ensureTopics, pipelineTopicSpecs, type TopicSpec } from '@payhook/kafka';
import type { Admin, Kafka, Message, Producer } from 'kafkajs';

/** Records per produce request: large enough to keep the producer ahead of the dispatcher. */
const CHUNK = 1_000;

/**
 * A private pipeline on the shared broker and registry: its own topic prefix, subjects and
 * consumer groups, all removed by {@link BenchPipeline.close}.
 */
export interface BenchPipeline {
  readonly prefix: string;
  /** `PAYHOOK_RETRY_TIERS` of this pipeline. */
  readonly tiers: string;
  readonly topics: PipelineTopics;
  readonly codec: ContractCodec;
  /** Writes endpoints to the compacted endpoints topic. */
  addEndpoints(endpoints: readonly Endpoint[]): Promise<void>;
  /** Encodes deliveries (untimed work, done before a run). */
  encode(deliveries: readonly WebhookDelivery[]): Promise<EncodedDeliveries>;
  /**
   * Produces encoded deliveries `from` (inclusive) `to` (exclusive) to `webhooks.dispatch`;
   * `onSend` sees each request's delivery ids just before it goes.
   */
  produce(
    batch: EncodedDeliveries,
    onSend?: (ids: readonly string[]) => void,
    from?: number,
    to?: number,
  ): Promise<void>;
  /** Deletes the topics, the subjects and the consumer groups of this pipeline. */
  close(): Promise<void>;
}

/** Deliveries ready to produce, with their ids in the same order. */
export interface EncodedDeliveries {
  readonly messages: readonly Message[];
  readonly ids: readonly string[];
}

/** Options of {@link createBenchPipeline}. */
export interface BenchPipelineOptions {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly registryUrl: string;
  readonly partitions: number;
  /** Partitions of `payments.events` when they differ from `partitions`. @defaultValue `partitions` */
  readonly eventsPartitions?: number;
  /**
   * One long tier: a failed delivery is parked there and never comes back during a run, so
   * retries do not blur the figures.
   * @defaultValue `'30m'`
   */
  readonly tiers?: string;
}

/** Creates the topics and subjects of a new private pipeline and connects a producer. */
export async function createBenchPipeline(options: BenchPipelineOptions): Promise<BenchPipeline> {
  const { kafka, admin } = options;
  const prefix = `bench-${randomBytes(4).toString('hex')}.`;
  const tiers = options.tiers ?? '30m';
  const topics = pipelineTopics(parseRetryTiers(tiers), prefix);
  const specs: TopicSpec[] = pipelineTopicSpecs(topics, { partitions: options.partitions, tablePartitions: 3 }).map(
    (spec) =>
      spec.name === topics.events && options.eventsPartitions !== undefined
        ? { ...spec, partitions: options.eventsPartitions }
        : spec,
  );
  const subjects: string[] = [];
  const registry = createRegistryClient(options.registryUrl);
  const producer: Producer = createIdempotentProducer(kafka);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= deleteAll();
    return closing;
  };
  const deleteAll = async () => {
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: specs.map((s) => s.name), timeout: 30_000 }).catch(() => undefined);
    for (const subject of subjects) await deleteSubject(registry.url, subject);
    // The dispatcher's group and its table reader's group: deletable once their members have
    // left, which the broker may register a moment after the process stopped.
    for (let attempt = 0; attempt < 5; attempt++) {
      const groups = await admin.listGroups().catch(() => ({ groups: [] as { groupId: string }[] }));
      const ours = groups.groups.map((g) => g.groupId).filter((id) => id.includes(prefix));
      if (ours.length === 0) break;
      const deleted = await admin.deleteGroups(ours).then(
        () => true,
        () => false,
      );
      if (deleted) break;
      await sleep(1_000);
    }
  };

  const schemas = loadSchemas();
  try {
    await ensureTopics(admin, specs);
    for (const spec of specs) {
      const contract = contractForTopic(spec.name, prefix);
      if (contract === undefined) continue;
      const subject = valueSubject(spec.name);
      subjects.push(subject);
      await registry.setCompatibility(subject);
      await registry.register(subject, schemas[contract]);
    }
    await producer.connect();
  } catch (error) {
    await close();
    throw error;
  }
  const codec = createContractCodec(registry, schemas);

  return {
    prefix,
    tiers,
    topics,
    codec,
    async addEndpoints(endpoints) {
      for (let i = 0; i < endpoints.length; i += CHUNK) {
        const messages = await Promise.all(
          endpoints.slice(i, i + CHUNK).map(async (endpoint) => ({
            key: endpoint.endpoint_id,
            value: await codec.encode(topics.endpoints, 'ENDPOINT', endpoint),
          })),
        );
        await producer.send({ topic: topics.endpoints, messages });
      }
    },
    async encode(deliveries) {
      const messages = await Promise.all(
        deliveries.map(async (delivery) => ({
          key: delivery.endpoint_id,
          value: await codec.encode(topics.dispatch, 'WEBHOOK_DELIVERY', delivery),
        })),
      );
      return { messages, ids: deliveries.map((d) => d.delivery_id) };
    },
    async produce(batch, onSend, from = 0, to = batch.messages.length) {
      for (let i = from; i < to; i += CHUNK) {
        const end = Math.min(to, i + CHUNK);
        onSend?.(batch.ids.slice(i, end));
        await producer.send({ topic: topics.dispatch, messages: batch.messages.slice(i, end) });
      }
    },
    close,
  };
}

async function deleteSubject(base: string, subject: string): Promise<void> {
  const url = `${base}/subjects/${encodeURIComponent(subject)}`;
  // A soft delete first: the Confluent API only hard-deletes a soft-deleted subject.
  await fetch(url, { method: 'DELETE' }).catch(() => undefined);
  await fetch(`${url}?permanent=true`, { method: 'DELETE' }).catch(() => undefined);
}
