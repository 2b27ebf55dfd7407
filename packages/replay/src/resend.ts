import type { ContractCodec, PipelineTopics } from '@payhook/contracts';
import { type ScanRange, scanTopics } from '@payhook/kafka';
import type { Admin, Kafka } from 'kafkajs';
import { offsetRanges, requireTopics } from './offset-ranges.ts';
import { deliveryCandidates, type ReplayCandidate, type SkipCounts } from './replayer.ts';

/** Which deliveries `resend` looks for; every id that is set must match. */
export interface ResendQuery {
  readonly deliveryId?: string | undefined;
  readonly paymentId?: string | undefined;
}

/** What searching for deliveries reads with (the CLI's operations clients are one). */
export interface DeliverySearchClients {
  readonly topics: PipelineTopics;
  readonly kafka: Kafka;
  /** A connected admin client. */
  admin(): Promise<Admin>;
  codec(): ContractCodec;
  /**
   * Start of the scanning groups' ids, after the topic prefix.
   * @defaultValue `'payhook-cli.resend'`
   */
  readonly groupIdPrefix?: string;
}

/**
 * The latest record of every delivery matching the query. The DLQ is searched first: a
 * delivery found there is taken from there (it is where failed deliveries end). Dispatch and
 * the retry tiers are searched next, unless the one delivery asked for was already found;
 * of a delivery's records there the latest written wins (on equal timestamps, the later
 * stage).
 */
export async function findDeliveries(clients: DeliverySearchClients, query: ResendQuery): Promise<ReplayCandidate[]> {
  const { topics } = clients;
  const admin = await clients.admin();
  const stages = [topics.dispatch, ...topics.retry.map((t) => t.topic)];
  await requireTopics(admin, [topics.dlq, ...stages], topics.prefix);
  const skipped: SkipCounts = { undecodable: 0 };
  const build = deliveryCandidates({
    codec: clients.codec(),
    filter: { deliveryId: query.deliveryId, paymentId: query.paymentId, window: {} },
    skipped,
  });

  // Later stages hold later records of a delivery: the tie-break when timestamps are equal.
  const stageOf = (topic: string) => (topic === topics.dlq ? stages.length : stages.indexOf(topic));
  const later = (a: ReplayCandidate, b: ReplayCandidate): boolean => {
    if (a.timestampMs !== b.timestampMs) return a.timestampMs > b.timestampMs;
    if (a.topic !== b.topic) return stageOf(a.topic) > stageOf(b.topic);
    return a.partition === b.partition && BigInt(a.offset) > BigInt(b.offset);
  };

  const search = async (searched: readonly string[]): Promise<Map<string, ReplayCandidate>> => {
    const ranges = new Map<string, Map<number, ScanRange>>();
    for (const topic of searched) {
      const partitions = await offsetRanges(admin, topic);
      ranges.set(topic, new Map(partitions.map((p) => [p.partition, { start: p.start, end: p.end }])));
    }
    const latest = new Map<string, ReplayCandidate>();
    await scanTopics({
      kafka: clients.kafka,
      ranges,
      groupIdPrefix: `${topics.prefix}${clients.groupIdPrefix ?? 'payhook-cli.resend'}`,
      onBatch: async ({ topic, partition, messages }) => {
        for (const message of messages) {
          for (const candidate of await build(topic, partition, message)) {
            const known = latest.get(candidate.deliveryId);
            if (known === undefined || later(candidate, known)) latest.set(candidate.deliveryId, candidate);
          }
        }
        return 'continue' as const;
      },
    });
    return latest;
  };

  const found = await search([topics.dlq]);
  if (query.deliveryId === undefined || found.size === 0) {
    for (const [id, candidate] of await search(stages)) if (!found.has(id)) found.set(id, candidate);
  }
  return [...found.values()].sort(
    (a, b) => a.originalTimeMs - b.originalTimeMs || a.deliveryId.localeCompare(b.deliveryId),
  );
}
