// How the delivery list finds its rows. The status filter's indexes: a file written before they
// existed gains them when the store opens it, keeping its rows and positions (no rebuild from the
// topics), and the list's status queries are answered from them rather than by reading rows until
// a page is full. A cursor: pages follow on from it to the end, rows of the same time included.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { ADDED_INDEXES, type IngestRecord, openSqliteReadModel } from '@payhook/api/read-model';
import type { WebhookDelivery } from '@payhook/contracts';

const dir = mkdtempSync(join(tmpdir(), 'payhook-read-model-indexes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PIPELINE = '{"prefix":"t.","tiers":["5s"]}';

const delivery = (i: number, merchant: string, endpoint: string, createdAt: number): WebhookDelivery => ({
  delivery_id: `msg_${i}`,
  event_id: `evt_${i}`,
  event_type: 'payment.confirmed',
  endpoint_id: endpoint,
  merchant_id: merchant,
  payment_id: `pay_${i}`,
  body: '{}',
  created_at: createdAt,
});

/** A dispatch record of delivery `i`, and for every third one a DLQ record after it. */
function records(count: number, createdAt = (i: number) => 1_000 + i): IngestRecord[] {
  const out: IngestRecord[] = [];
  for (let i = 0; i < count; i++) {
    const d = delivery(i, i % 2 === 0 ? 'mer_a' : 'mer_b', `ep_${i % 4}`, createdAt(i));
    const base = { kind: 'delivery', delivery: d, tier: null, dueAtMs: null, replayedAtMs: null } as const;
    out.push({ ...base, offset: BigInt(out.length), stage: 'dispatch', writtenAtMs: d.created_at, dlqReason: null });
    if (i % 3 === 0) {
      out.push({ ...base, offset: BigInt(out.length), stage: 'dlq', writtenAtMs: d.created_at + 1, dlqReason: 'x' });
    }
  }
  return out;
}

const indexNames = (db: DatabaseSync) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]).map((r) => r.name);

describe('read model status indexes', () => {
  it('are added to a file that lacks them, which keeps its rows and positions', async () => {
    const path = join(dir, 'migrate.sqlite');
    const first = openSqliteReadModel({ path, pipeline: PIPELINE });
    const batch = records(30);
    await first.apply({ topic: 't.webhooks.dispatch', partition: 0, records: batch, nextOffset: BigInt(batch.length) });
    await first.close();

    // A file of the schema before the indexes.
    const raw = new DatabaseSync(path);
    for (const name of Object.keys(ADDED_INDEXES)) raw.exec(`DROP INDEX ${name}`);
    assert.deepEqual(
      indexNames(raw).filter((n) => n in ADDED_INDEXES),
      [],
    );
    raw.close();

    const reopened = openSqliteReadModel({ path, pipeline: PIPELINE });
    const counts = await reopened.counts();
    assert.equal(counts.deliveries, 30);
    assert.equal(counts.deliveryRecords, batch.length);
    assert.equal((await reopened.positions()).get('t.webhooks.dispatch')?.get(0), BigInt(batch.length));
    const failed = await reopened.deliveries({ merchantId: 'mer_a', status: 'failed', limit: 100 });
    // Deliveries 0, 6, 12, 18, 24: even (mer_a) and a multiple of 3 (failed), newest first.
    assert.deepEqual(
      failed.map((d) => d.deliveryId),
      ['msg_24', 'msg_18', 'msg_12', 'msg_6', 'msg_0'],
    );
    await reopened.close();

    const check = new DatabaseSync(path);
    assert.deepEqual(
      indexNames(check)
        .filter((n) => n in ADDED_INDEXES)
        .sort(),
      Object.keys(ADDED_INDEXES).sort(),
    );
    check.close();
  });

  it('page from a cursor to the end, rows of the same time included, seeking to the cursor in the index', async () => {
    const path = join(dir, 'pages.sqlite');
    const store = openSqliteReadModel({ path, pipeline: PIPELINE });
    // Deliveries 0–29, three at each creation time.
    const batch = records(30, (i) => 1_000 + Math.floor(i / 3));
    await store.apply({ topic: 't.webhooks.dispatch', partition: 0, records: batch, nextOffset: BigInt(batch.length) });
    const all = (await store.deliveries({ merchantId: null, limit: 100 })).map((d) => d.deliveryId);
    assert.equal(all.length, 30);
    const paged: string[] = [];
    let after: { createdAtMs: number; deliveryId: string } | undefined;
    for (;;) {
      const page = await store.deliveries({ merchantId: null, after, limit: 4 });
      paged.push(...page.map((d) => d.deliveryId));
      const last = page.at(-1);
      if (last === undefined) break;
      after = { createdAtMs: last.createdAtMs, deliveryId: last.deliveryId };
    }
    assert.deepEqual(paged, all);
    await store.close();

    const db = new DatabaseSync(path);
    const detail = (
      db
        .prepare(
          'EXPLAIN QUERY PLAN SELECT * FROM deliveries WHERE merchant_id = ? AND (created_at, delivery_id) < (?, ?) ORDER BY created_at DESC, delivery_id DESC LIMIT ?',
        )
        .all('mer_a', 1_005, 'msg_9', 51) as { detail: string }[]
    )
      .map((r) => r.detail)
      .join('; ');
    // The shape of the store's query: the cursor bounds the index search, no sort.
    assert.match(detail, /deliveries_by_merchant \(merchant_id=\? AND \(created_at,delivery_id\)<\(\?,\?\)\)/, detail);
    db.close();
  });

  it('answer the list filtered by status, by merchant, endpoint or neither, in the list order', () => {
    const path = join(dir, 'plans.sqlite');
    const store = openSqliteReadModel({ path, pipeline: PIPELINE });
    void store.close();
    const db = new DatabaseSync(path);
    // The shape of the store's list query (sqlite-store.ts) for each scope.
    const plan = (where: string) =>
      (
        db
          .prepare(
            `EXPLAIN QUERY PLAN SELECT * FROM deliveries WHERE ${where} ORDER BY created_at DESC, delivery_id DESC LIMIT 51`,
          )
          .all() as { detail: string }[]
      )
        .map((r) => r.detail)
        .join('; ');
    const cases = [
      ["status = 'failed'", 'deliveries_by_status'],
      ["merchant_id = 'mer_a' AND status = 'failed'", 'deliveries_by_merchant_status'],
      ["endpoint_id = 'ep_1' AND status = 'failed'", 'deliveries_by_endpoint_status'],
      ["merchant_id = 'mer_a' AND endpoint_id = 'ep_1' AND status = 'failed'", 'deliveries_by_endpoint_status'],
    ] as const;
    for (const [where, index] of cases) {
      const detail = plan(where);
      assert.match(detail, new RegExp(`USING INDEX ${index}\\b`), `${where}: ${detail}`);
      assert.doesNotMatch(detail, /TEMP B-TREE/, `${where} needs no sort: ${detail}`);
    }
    db.close();
  });
});
