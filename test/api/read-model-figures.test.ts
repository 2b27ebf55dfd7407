// The read model's figures on a real SQLite file: an endpoint's health over a window (requests,
// delivered, its latest entry, decisions not counted as requests, another endpoint's attempts
// and older ones left out) and request latency percentiles per minute; both answered from indexes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { FIGURE_QUERIES, type IngestRecord, openSqliteReadModel } from '@payhook/api/read-model';
import type { AttemptOutcome, DeliveryAttempt } from '@payhook/contracts';

const dir = mkdtempSync(join(tmpdir(), 'payhook-read-model-figures-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PIPELINE = '{"prefix":"t.","tiers":["5s"]}';
const HOUR = 3_600_000;
const NOW = 100 * HOUR;

interface Entry {
  readonly outcome: AttemptOutcome;
  readonly at: number;
  readonly ms?: number;
  readonly status?: number | null;
  readonly reason?: string | null;
  readonly next?: number | null;
}

/** A delivery of `endpoint` and its attempts log. */
function deliveryWith(id: string, endpoint: string, entries: readonly Entry[], offset: number): IngestRecord[] {
  const delivery = {
    delivery_id: id,
    event_id: `evt_${id}`,
    event_type: 'payment.confirmed',
    endpoint_id: endpoint,
    merchant_id: 'mer_a',
    payment_id: `pay_${id}`,
    body: '{}',
    created_at: entries[0]?.at ?? NOW,
  };
  const out: IngestRecord[] = [
    {
      kind: 'delivery',
      offset: BigInt(offset),
      stage: 'dispatch',
      delivery,
      writtenAtMs: delivery.created_at,
      tier: null,
      dueAtMs: null,
      dlqReason: null,
      replayedAtMs: null,
    },
  ];
  entries.forEach((e, i) => {
    const attempt: DeliveryAttempt = {
      delivery_id: id,
      event_id: delivery.event_id,
      payment_id: delivery.payment_id,
      endpoint_id: endpoint,
      attempt: i + 1,
      tier: 'dispatch',
      outcome: e.outcome,
      status_code: e.status ?? null,
      duration_ms: e.ms ?? 0,
      error_class: e.reason ?? null,
      error_message: null,
      attempted_at: e.at,
      replayed_at: null,
      next_attempt_at: e.next ?? null,
      response_excerpt: null,
    };
    out.push({ kind: 'attempt', offset: BigInt(offset + i + 1), attempt });
  });
  return out;
}

async function storeWith(name: string, ...deliveries: IngestRecord[][]) {
  const store = openSqliteReadModel({ path: join(dir, name), pipeline: PIPELINE });
  const records = deliveries.flat().map((r, i) => ({ ...r, offset: BigInt(i) }));
  await store.apply({ topic: 't.mixed', partition: 0, records, nextOffset: BigInt(records.length) });
  return store;
}

describe('read model figures', () => {
  it("an endpoint's health counts its requests in the window and reports its latest entry", async () => {
    const store = await storeWith(
      'health.sqlite',
      deliveryWith(
        'msg_1',
        'ep_a',
        [
          { outcome: 'RETRY_SCHEDULED', at: NOW - 25 * HOUR, status: 500 }, // before the window
          { outcome: 'RETRY_SCHEDULED', at: NOW - 3_000, status: 500, reason: 'HTTP_5XX' },
          { outcome: 'DELIVERED', at: NOW - 2_000, status: 200 },
        ],
        0,
      ),
      deliveryWith(
        'msg_2',
        'ep_a',
        [
          { outcome: 'RETRY_SCHEDULED', at: NOW - 1_500, status: 503 },
          { outcome: 'HELD', at: NOW - 1_000, reason: 'circuit_open', next: NOW + 5_000 },
        ],
        10,
      ),
      deliveryWith('msg_3', 'ep_b', [{ outcome: 'DELIVERED', at: NOW - 500, status: 200 }], 20),
    );
    const health = await store.endpointHealth('ep_a', NOW - 24 * HOUR);
    assert.deepEqual(health, {
      requests: 3,
      delivered: 1,
      last: {
        attemptedAtMs: NOW - 1_000,
        outcome: 'HELD',
        statusCode: null,
        errorClass: 'circuit_open',
        nextAttemptAtMs: NOW + 5_000,
      },
    });
    assert.deepEqual(await store.endpointHealth('ep_none', NOW - 24 * HOUR), { requests: 0, delivered: 0, last: null });
    await store.close();
  });

  it('gives p50, p95 and p99 of request durations per minute, decisions left out, empty minutes zero', async () => {
    const minute = NOW - 10 * 60_000;
    const durations = Array.from({ length: 100 }, (_, i) => ({
      outcome: 'DELIVERED' as const,
      at: minute + i * 100,
      ms: i + 1,
    }));
    const store = await storeWith(
      'latency.sqlite',
      deliveryWith('msg_1', 'ep_a', durations, 0),
      deliveryWith('msg_2', 'ep_a', [{ outcome: 'HELD', at: minute + 1, ms: 5_000, reason: 'circuit_open' }], 200),
    );
    const minutes = await store.attemptLatency(NOW - HOUR, NOW);
    assert.equal(minutes.length, 61);
    const busy = minutes.filter((m) => m.requests > 0);
    assert.deepEqual(busy, [{ atMs: minute, requests: 100, p50Ms: 50, p95Ms: 95, p99Ms: 99 }]);
    assert.ok(minutes.every((m) => m.requests > 0 || (m.p50Ms === 0 && m.p99Ms === 0)));
    await store.close();
  });

  it('reads both from indexes, never a whole table', async () => {
    const path = join(dir, 'plans.sqlite');
    await (await storeWith('plans.sqlite')).close();
    const db = new DatabaseSync(path);
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(0, 0) as { detail: string }[]).map((r) => r.detail);
    const health = plan(FIGURE_QUERIES.endpointHealth);
    assert.ok(
      health.every((d) => d.startsWith('SEARCH')),
      health.join('\n'),
    );
    assert.deepEqual(health, ['SEARCH attempts USING INDEX attempts_by_endpoint (endpoint_id=? AND attempted_at>?)']);
    const latency = plan(FIGURE_QUERIES.requestDurations);
    // Counted in SQLite (a temporary b-tree for the grouping): the rows never reach JavaScript.
    assert.deepEqual(latency, [
      'SEARCH attempts USING COVERING INDEX attempts_by_time (attempted_at>? AND attempted_at<?)',
      'USE TEMP B-TREE FOR GROUP BY',
    ]);
    db.close();
  });
});
