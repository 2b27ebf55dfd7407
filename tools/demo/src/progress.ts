import type { DeliveryAttempt, PaymentEvent } from '@payhook/contracts';
import type { Received } from '@payhook/testkit';

/** Counts of what the pipeline did so far, read from its topics and the merchant. */
export interface Progress {
  readonly payments: number;
  readonly detected: number;
  readonly confirmed: number;
  readonly delivered: number;
  readonly verified: number;
  readonly retrying: number;
  readonly deadLettered: number;
  readonly retriesByTier: ReadonlyMap<string, number>;
}

/** Derives the progress from the collected events, attempts and received webhooks. */
export function progressOf(
  payments: number,
  events: readonly PaymentEvent[],
  attempts: readonly DeliveryAttempt[],
  received: readonly Received[],
): Progress {
  const detected = new Set(events.filter((e) => e.status === 'DETECTED').map((e) => e.payment_id));
  const confirmed = new Set(events.filter((e) => e.status === 'CONFIRMED').map((e) => e.payment_id));
  const retriesByTier = new Map<string, number>();
  const latest = new Map<string, DeliveryAttempt>();
  for (const a of attempts) {
    if (a.outcome === 'RETRY_SCHEDULED') retriesByTier.set(a.tier, (retriesByTier.get(a.tier) ?? 0) + 1);
    const seen = latest.get(a.delivery_id);
    if (seen === undefined || a.attempt >= seen.attempt) latest.set(a.delivery_id, a);
  }
  const outcomes = [...latest.values()];
  return {
    payments,
    detected: detected.size,
    confirmed: confirmed.size,
    delivered: outcomes.filter((a) => a.outcome === 'DELIVERED').length,
    verified: new Set(received.filter((r) => r.verified).map((r) => r.webhookId)).size,
    retrying: outcomes.filter((a) => a.outcome === 'RETRY_SCHEDULED').length,
    deadLettered: outcomes.filter((a) => a.outcome === 'DEAD_LETTERED' || a.outcome === 'ENDPOINT_DISABLED').length,
    retriesByTier,
  };
}

function bar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(done).padStart(4)}/${total}`;
}

/** The live status block. */
export function renderProgress(p: Progress, expectedWebhooks: number, elapsedMs: number): string[] {
  const tiers = [...p.retriesByTier].map(([tier, n]) => `${tier}: ${n}`).join(', ') || 'none';
  return [
    `payhook demo — ${(elapsedMs / 1000).toFixed(0)} s`,
    `  payments detected   ${bar(p.detected, p.payments)}`,
    `  payments confirmed  ${bar(p.confirmed, p.payments)}`,
    `  webhooks delivered  ${bar(p.delivered, expectedWebhooks)}   verified by the merchant: ${p.verified}`,
    `  retrying now        ${String(p.retrying).padStart(4)}   retries scheduled by tier: ${tiers}`,
    `  in the DLQ          ${String(p.deadLettered).padStart(4)}`,
  ];
}
