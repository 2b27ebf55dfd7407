// A synthetic delivery history for the read model at scale: payments of many merchants fanned out
// to their endpoints, each delivery with the records the pipeline would have written for it (its
// dispatch record, a retry record per failed attempt, a DLQ record when it gave up) and one
// attempt record per attempt. Deterministic for a seed, produced chunk by chunk as the batches
// the read model's ingester hands its store, so a million attempts never sit in memory at once.

import type { DeliveryStage, IngestBatch, IngestRecord } from '@payhook/api/read-model';
import type { DeliveryAttempt, RetryTier, WebhookDelivery } from '@payhook/contracts';

/** Options of {@link attemptCorpus}. */
export interface CorpusOptions {
  /** Attempts to write; the last delivery is written whole, so the count may pass this by a few. */
  readonly attempts: number;
  readonly merchants: number;
  readonly endpointsPerMerchant: number;
  /** The deliveries' creation times are spread evenly over these days up to `endMs`. */
  readonly days: number;
  readonly endMs: number;
  /** The pipeline's retry tiers: a failed attempt waits in the next one. */
  readonly tiers: readonly RetryTier[];
  /** Topic names the batches carry (the store keeps a position per topic; the API reads none of these). */
  readonly topicPrefix: string;
  /** Deliveries per chunk (one batch per stage and one of attempts each). */
  readonly chunk: number;
  readonly seed: number;
}

/** A delivery the benchmark queries by, kept while the corpus is made. */
export interface SampleDelivery {
  readonly deliveryId: string;
  readonly merchantId: string;
  readonly endpointId: string;
  readonly paymentId: string;
  readonly createdAtMs: number;
}

/** What an endpoint does with the requests it gets. */
const Health = { HEALTHY: 'healthy', FLAKY: 'flaky', BROKEN: 'broken' } as const;
type Health = (typeof Health)[keyof typeof Health];

/** Running totals of a corpus. */
export interface CorpusTotals {
  attempts: number;
  deliveries: number;
  deliveryRecords: number;
  payments: number;
  byStatus: { delivered: number; retrying: number; failed: number };
}

/** mulberry32: a small, fast, seeded generator (the corpus is the same in every run). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The merchant of largest traffic (a fifth of all payments), whose key the benchmark uses. */
export const LARGEST_MERCHANT = 'mer_s0';
/** Endpoint `k` of merchant `m`: the last one is broken, the one before it flaky, the rest healthy. */
export const endpointId = (merchant: number, k: number) => `ep_s${merchant}_${k}`;
export const endpointHealth = (k: number, perMerchant: number): Health =>
  k === perMerchant - 1 ? Health.BROKEN : k === perMerchant - 2 ? Health.FLAKY : Health.HEALTHY;

/**
 * The corpus as ingest batches, a chunk of deliveries at a time; `totals` and `samples` fill
 * as it goes. Statuses: most deliveries succeed at once; a flaky endpoint's succeed after a few
 * tiers (or are still retrying when recent); a broken endpoint's go through every tier to the DLQ
 * (or are still retrying when younger than the tiers' total delay).
 */
export function* attemptCorpus(
  options: CorpusOptions,
  totals: CorpusTotals,
  samples: { deliveries: SampleDelivery[]; every: number },
): Generator<IngestBatch[]> {
  const rand = random(options.seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const spanMs = options.days * 86_400_000;
  const startMs = options.endMs - spanMs;
  const topic = (name: string) => `${options.topicPrefix}${name}`;
  const offsets = new Map<string, bigint>();
  const E = options.endpointsPerMerchant;
  const tiers = options.tiers;

  /** A record before its topic gives it an offset. */
  type Unplaced = IngestRecord extends infer R ? (R extends unknown ? Omit<R, 'offset'> : never) : never;
  type Pending = { stage: DeliveryStage | 'attempt'; record: Unplaced };
  let pending: Pending[] = [];
  const flush = (): IngestBatch[] => {
    const byTopic = new Map<string, IngestRecord[]>();
    for (const p of pending) {
      const name = topic(p.stage);
      const offset = offsets.get(name) ?? 0n;
      offsets.set(name, offset + 1n);
      const list = byTopic.get(name) ?? [];
      list.push({ ...p.record, offset } as IngestRecord);
      byTopic.set(name, list);
    }
    pending = [];
    return [...byTopic].map(([name, records]) => ({
      topic: name,
      partition: 0,
      records,
      nextOffset: offsets.get(name) ?? 0n,
    }));
  };

  let payment = 0;
  let inChunk = 0;
  while (totals.attempts < options.attempts) {
    const p = payment++;
    totals.payments++;
    // A fifth of the payments are the largest merchant's; the rest spread over the others.
    const merchant = rand() < 0.2 ? 0 : 1 + pick(options.merchants - 1);
    const merchantId = `mer_s${merchant}`;
    const paymentId = `pay_s${p}`;
    // Most traffic goes to healthy endpoints; a broken one gets a few percent of its merchant's.
    const r = rand();
    const k = r < 0.04 ? E - 1 : r < 0.16 ? E - 2 : pick(E - 2);
    const health = endpointHealth(k, E);
    const createdAt = Math.round(startMs + (totals.attempts / options.attempts) * spanMs);
    // A confirmation for each payment, and for half of them its detection before it.
    const types = rand() < 0.5 ? ['payment.detected', 'payment.confirmed'] : ['payment.confirmed'];
    for (const [i, eventType] of types.entries()) {
      const created = createdAt + i * 30_000;
      const delivery: WebhookDelivery = {
        delivery_id: `msg_s${p}_${i}`,
        event_id: `evt_s${p}_${i}`,
        event_type: eventType,
        endpoint_id: endpointId(merchant, k),
        merchant_id: merchantId,
        payment_id: paymentId,
        body: `{"type":"${eventType}","data":{"payment_id":"${paymentId}"}}`,
        created_at: created,
      };
      // Failures before the first success (Infinity: never succeeds).
      const failures =
        health === Health.HEALTHY
          ? rand() < 0.02
            ? 1
            : 0
          : health === Health.FLAKY
            ? Math.min(tiers.length, Math.floor(-Math.log2(1 - rand())))
            : Number.POSITIVE_INFINITY;
      writeDelivery(delivery, failures);
      if (merchant === 0 && totals.deliveries % samples.every === 0) {
        samples.deliveries.push({
          deliveryId: delivery.delivery_id,
          merchantId,
          endpointId: delivery.endpoint_id,
          paymentId,
          createdAtMs: created,
        });
      }
    }
    inChunk += types.length;
    if (inChunk >= options.chunk) {
      inChunk = 0;
      yield flush();
    }
  }
  if (pending.length > 0) yield flush();

  function writeDelivery(d: WebhookDelivery, failures: number): void {
    totals.deliveries++;
    const deliveryRecord = (stage: DeliveryStage, writtenAtMs: number, extra: Partial<Record<string, unknown>>) => {
      totals.deliveryRecords++;
      pending.push({
        stage,
        record: {
          kind: 'delivery',
          stage,
          delivery: d,
          writtenAtMs,
          tier: null,
          dueAtMs: null,
          dlqReason: null,
          replayedAtMs: null,
          ...extra,
        } as Unplaced,
      });
    };
    const attempt = (n: number, at: number, fields: Partial<DeliveryAttempt>) => {
      totals.attempts++;
      const value = deliveredAttempt(d, n, at, {
        tier: n === 1 ? 'dispatch' : (tiers[n - 2]?.label ?? 'dispatch'),
        duration_ms: 40 + pick(400),
        ...fields,
      });
      pending.push({ stage: 'attempt', record: { kind: 'attempt', attempt: value } });
    };
    deliveryRecord('dispatch', d.created_at, {});
    let at = d.created_at + 20 + pick(200);
    for (let n = 1; ; n++) {
      if (at > options.endMs) {
        // Younger than its next attempt: still retrying, waiting in its tier.
        totals.byStatus.retrying++;
        return;
      }
      if (n > failures) {
        attempt(n, at, {});
        totals.byStatus.delivered++;
        return;
      }
      const tier = tiers[n - 1];
      const timeout = rand() < 0.5;
      const failure: Partial<DeliveryAttempt> = {
        status_code: timeout ? null : 503,
        duration_ms: timeout ? 10_000 : 30 + pick(200),
        error_class: timeout ? 'TIMEOUT_HEADERS' : 'HTTP_5XX',
        error_message: timeout ? 'no response headers within 10000 ms' : 'HTTP 503',
      };
      if (tier === undefined) {
        attempt(n, at, { ...failure, outcome: 'DEAD_LETTERED' });
        deliveryRecord('dlq', at, { dlqReason: 'attempts_exhausted' });
        totals.byStatus.failed++;
        return;
      }
      const due = at + tier.delayMs;
      attempt(n, at, { ...failure, outcome: 'RETRY_SCHEDULED', next_attempt_at: due });
      deliveryRecord('retry', at, { tier: tier.label, dueAtMs: due });
      at = due + 20 + pick(500);
    }
  }
}

/** A delivered first attempt of `d` at `at`, as the dispatcher logs one; `fields` change it. */
export function deliveredAttempt(
  d: WebhookDelivery,
  attempt: number,
  at: number,
  fields: Partial<DeliveryAttempt> = {},
): DeliveryAttempt {
  return {
    delivery_id: d.delivery_id,
    event_id: d.event_id,
    payment_id: d.payment_id,
    endpoint_id: d.endpoint_id,
    attempt,
    tier: 'dispatch',
    outcome: 'DELIVERED',
    status_code: 200,
    duration_ms: 5,
    error_class: null,
    error_message: null,
    attempted_at: at,
    replayed_at: null,
    next_attempt_at: null,
    response_excerpt: null,
    ...fields,
  };
}
