import type { DeliveryAttempt, PaymentEvent, PaymentIntent } from '@payhook/contracts';
import type { Received } from '@payhook/testkit';

/** What the demo reports at the end. */
export interface DemoSummary {
  readonly payments: number;
  readonly confirmed: number;
  readonly expectedWebhooks: number;
  /** Distinct webhooks (by webhook-id) the merchant received and verified. */
  readonly verified: number;
  /** Requests whose signature did not verify (should be 0). */
  readonly unverified: number;
  readonly deadLettered: number;
  readonly retriesByTier: Readonly<Record<string, number>>;
  /** From the block that gave a payment its last needed confirmation to the verified webhook. */
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly samples: number };
  readonly ok: boolean;
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

export function summarize(input: {
  intents: readonly PaymentIntent[];
  endpoints: number;
  events: readonly PaymentEvent[];
  attempts: readonly DeliveryAttempt[];
  received: readonly Received[];
  confirmedAt: (paymentId: string) => number | undefined;
}): DemoSummary {
  const confirmed = new Set(input.events.filter((e) => e.status === 'CONFIRMED').map((e) => e.payment_id));
  const verified = input.received.filter((r) => r.verified);
  const firstArrival = new Map<string, number>();
  for (const r of verified) if (!firstArrival.has(r.webhookId)) firstArrival.set(r.webhookId, r.at);
  const latencies: number[] = [];
  for (const r of verified) {
    if (firstArrival.get(r.webhookId) !== r.at) continue;
    const at = input.confirmedAt(r.paymentId);
    if (at !== undefined) latencies.push(r.at - at);
  }
  latencies.sort((a, b) => a - b);
  const retriesByTier: Record<string, number> = {};
  for (const a of input.attempts)
    if (a.outcome === 'RETRY_SCHEDULED') retriesByTier[a.tier] = (retriesByTier[a.tier] ?? 0) + 1;
  const deadLettered = new Set(input.attempts.filter((a) => a.outcome === 'DEAD_LETTERED').map((a) => a.delivery_id))
    .size;
  const expectedWebhooks = input.intents.length * input.endpoints;
  const unverified = input.received.filter((r) => !r.verified).length;
  return {
    payments: input.intents.length,
    confirmed: confirmed.size,
    expectedWebhooks,
    verified: firstArrival.size,
    unverified,
    deadLettered,
    retriesByTier,
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p95: percentile(latencies, 0.95),
      p99: percentile(latencies, 0.99),
      samples: latencies.length,
    },
    ok: confirmed.size === input.intents.length && firstArrival.size === expectedWebhooks && unverified === 0,
  };
}

/** The closing table (where to look next follows it: see next-steps.ts). */
export function renderSummary(s: DemoSummary): string[] {
  const tiers = Object.entries(s.retriesByTier)
    .map(([t, n]) => `${t}: ${n}`)
    .join(', ');
  const row = (k: string, v: string) => `| ${k.padEnd(38)} | ${v.padEnd(26)} |`;
  return [
    '',
    row('payments confirmed on chain', `${s.confirmed} / ${s.payments}`),
    row('webhooks delivered and verified', `${s.verified} / ${s.expectedWebhooks}`),
    row('requests with a bad signature', String(s.unverified)),
    row('block to verified webhook p50/p95/p99', `${s.latencyMs.p50} / ${s.latencyMs.p95} / ${s.latencyMs.p99} ms`),
    row('failed attempts retried, by source', tiers || 'none'),
    row('parked in the DLQ', String(s.deadLettered)),
    '',
    s.ok
      ? 'Every payment was confirmed and every webhook delivered and verified.'
      : 'NOT everything arrived: see the service logs.',
  ];
}
