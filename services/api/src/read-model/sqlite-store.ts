import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { AttemptOutcome, PaymentStatus } from '@payhook/contracts';
import { type DurationCount, latencyPerMinute } from './read-model-figures.ts';
import {
  type AttemptEntry,
  DeliveryStage,
  type DeliveryStatus,
  type DeliverySummary,
  type IngestRecord,
  type PaymentHistoryEntry,
  type ReadModelCounts,
  type ReadModelStore,
} from './read-model-store.ts';
import { prepareSchema, statements } from './sqlite-schema.ts';

/** Later stages win when two records of a delivery carry the same write time. */
const STAGE_RANK: Readonly<Record<DeliveryStage, number>> = { dispatch: 0, retry: 1, dlq: 2 };

/** Options of {@link openSqliteReadModel}. */
export interface SqliteReadModelOptions {
  /** The database file (created with its directory), or `:memory:`. */
  readonly path: string;
  /**
   * The pipeline the rows come from (its topic prefix and retry tiers): a file built from
   * another pipeline is emptied and rebuilt rather than mixed.
   */
  readonly pipeline: string;
  /**
   * SQLite's page cache, in MiB. Every record inserts into several indexes keyed by random ids,
   * so once the file outgrows the cache most inserts read a page from the file first.
   * @defaultValue 64
   */
  readonly cacheMb?: number;
}

/**
 * The read model in an embedded SQLite database (Node's `node:sqlite`), in WAL mode. Each
 * batch is one transaction holding its rows and its partition's next offset: a process killed
 * at any point leaves either both or neither, so a restart neither loses nor doubles a row.
 * Deleting the file rebuilds it from the topics.
 */
export function openSqliteReadModel(options: SqliteReadModelOptions): ReadModelStore {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new DatabaseSync(options.path);
  // The wait first: after a kill the file's WAL is recovered under a lock another reader may hold.
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  db.exec(`PRAGMA cache_size = ${-Math.round((options.cacheMb ?? 64) * 1024)}`);
  prepareSchema(db, options.pipeline);
  let q = statements(db);

  const position = (topic: string, partition: number): bigint => {
    const row = q.position.get(topic, partition) as { next_offset: number } | undefined;
    return row === undefined ? 0n : BigInt(row.next_offset);
  };

  /** Writes a record's rows; returns the delivery whose status it may change. */
  const write = (topic: string, partition: number, record: IngestRecord): string | undefined => {
    const at = [topic, partition, Number(record.offset)] as const;
    if (record.kind === 'event') {
      const e = record.event;
      q.insertEvent.run(
        ...at,
        e.event_id,
        e.payment_id,
        e.merchant_id,
        e.sequence,
        e.status,
        e.previous_status,
        e.amount_received,
        JSON.stringify(e.tx_hashes),
        e.block_number,
        e.block_hash,
        e.confirmations,
        e.occurred_at,
      );
      q.upsertPayment.run(e.payment_id, e.merchant_id, e.sequence, e.status, e.amount_received, e.occurred_at);
    } else if (record.kind === 'delivery') {
      const d = record.delivery;
      q.insertDeliveryRecord.run(
        ...at,
        d.delivery_id,
        record.stage,
        record.tier,
        record.writtenAtMs,
        record.dueAtMs,
        record.dlqReason,
        record.replayedAtMs,
      );
      q.insertDelivery.run(
        d.delivery_id,
        d.merchant_id,
        d.endpoint_id,
        d.payment_id,
        d.event_id,
        d.event_type,
        d.created_at,
        record.stage,
        record.writtenAtMs,
        record.dueAtMs,
        record.dlqReason,
        record.replayedAtMs,
      );
      q.insertBody.run(d.delivery_id, d.body);
      q.moveDelivery.run(
        record.stage,
        record.writtenAtMs,
        record.dueAtMs,
        record.dlqReason,
        record.replayedAtMs,
        d.delivery_id,
        record.writtenAtMs,
        record.writtenAtMs,
        STAGE_RANK[record.stage],
      );
      return d.delivery_id;
    } else if (record.kind === 'attempt') {
      const a = record.attempt;
      q.insertAttempt.run(
        ...at,
        a.delivery_id,
        a.endpoint_id,
        a.attempt,
        a.tier,
        a.outcome,
        a.status_code,
        a.duration_ms,
        a.error_class,
        a.error_message,
        a.attempted_at,
        a.replayed_at,
        a.next_attempt_at,
        a.response_excerpt,
      );
      return a.delivery_id;
    }
    return undefined;
  };

  const summary = (row: DeliveryRow): DeliverySummary => {
    const last = q.lastAttempt.get(row.delivery_id) as
      | { n: number; attempted_at: number | null; next_attempt_at: number | null }
      | undefined;
    const status = row.status as DeliveryStatus;
    // A record waiting in a tier says when it is due; otherwise the latest attempt does.
    const next =
      status !== 'retrying'
        ? null
        : row.last_stage === DeliveryStage.RETRY
          ? row.last_due_at
          : (last?.next_attempt_at ?? null);
    return {
      deliveryId: row.delivery_id,
      merchantId: row.merchant_id,
      endpointId: row.endpoint_id,
      paymentId: row.payment_id,
      eventId: row.event_id,
      eventType: row.event_type,
      createdAtMs: row.created_at,
      status,
      failureReason: status === 'failed' ? row.last_dlq_reason : null,
      attemptCount: last?.n ?? 0,
      lastAttemptAtMs: last?.attempted_at ?? null,
      nextAttemptAtMs: next,
      replayedAtMs: row.replayed_at,
    };
  };

  return {
    async positions() {
      const out = new Map<string, Map<number, bigint>>();
      for (const row of q.positions.all() as { topic: string; partition: number; next_offset: number }[]) {
        const topic = out.get(row.topic) ?? new Map<number, bigint>();
        topic.set(row.partition, BigInt(row.next_offset));
        out.set(row.topic, topic);
      }
      return out;
    },
    async apply(batch) {
      let written = 0;
      db.exec('BEGIN IMMEDIATE');
      try {
        const from = position(batch.topic, batch.partition);
        // Each delivery's status is derived once per batch, after all its records.
        const touched = new Set<string>();
        for (const record of batch.records) {
          if (record.offset < from) continue;
          const deliveryId = write(batch.topic, batch.partition, record);
          if (deliveryId !== undefined) touched.add(deliveryId);
          if (record.kind !== 'skipped') written++;
        }
        for (const deliveryId of touched) q.deriveStatus.run(deliveryId);
        if (batch.nextOffset > from) q.setPosition.run(batch.topic, batch.partition, Number(batch.nextOffset));
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
      return written;
    },
    async payment(paymentId) {
      const current = q.payment.get(paymentId) as
        | { merchant_id: string; status: string; amount_received: string; updated_at: number }
        | undefined;
      if (current === undefined) return undefined;
      const history = (q.history.all(paymentId) as unknown as EventRow[]).map(
        (r): PaymentHistoryEntry => ({
          eventId: r.event_id,
          sequence: r.sequence,
          status: r.status as PaymentStatus,
          previousStatus: r.previous_status as PaymentStatus | null,
          amountReceived: r.amount_received,
          txHashes: JSON.parse(r.tx_hashes) as string[],
          blockNumber: r.block_number,
          blockHash: r.block_hash,
          confirmations: r.confirmations,
          occurredAtMs: r.occurred_at,
        }),
      );
      return {
        paymentId,
        merchantId: current.merchant_id,
        status: current.status as PaymentStatus,
        amountReceived: current.amount_received,
        updatedAtMs: current.updated_at,
        history,
      };
    },
    async paymentStatuses(merchantId) {
      const rows = (merchantId === null ? q.allStatuses.all() : q.merchantStatuses.all(merchantId)) as {
        payment_id: string;
        status: PaymentStatus;
      }[];
      return new Map(rows.map((r) => [r.payment_id, r.status]));
    },
    async deliveries(query) {
      const where: string[] = [];
      const params: SQLInputValue[] = [];
      const eq = (column: string, value: string | undefined | null) => {
        if (value === undefined || value === null) return;
        where.push(`${column} = ?`);
        params.push(value);
      };
      eq('merchant_id', query.merchantId);
      eq('endpoint_id', query.endpointId);
      eq('payment_id', query.paymentId);
      eq('status', query.status);
      if (query.sinceMs !== undefined) {
        where.push('created_at >= ?');
        params.push(query.sinceMs);
      }
      if (query.untilMs !== undefined) {
        where.push('created_at < ?');
        params.push(query.untilMs);
      }
      if (query.after !== undefined) {
        // A row value, which SQLite seeks to in the list's indexes; the same test spelt with OR
        // read every newer row of the scope first, so a page deep in the list slowed with its depth.
        where.push('(created_at, delivery_id) < (?, ?)');
        params.push(query.after.createdAtMs, query.after.deliveryId);
      }
      const sql = `SELECT * FROM deliveries ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
        ORDER BY created_at DESC, delivery_id DESC LIMIT ?`;
      const rows = db.prepare(sql).all(...params, query.limit) as unknown as DeliveryRow[];
      return rows.map(summary);
    },
    async delivery(deliveryId) {
      const row = q.delivery.get(deliveryId) as DeliveryRow | undefined;
      if (row === undefined) return undefined;
      const attempts = (q.attempts.all(deliveryId) as unknown as AttemptRow[]).map(
        (a): AttemptEntry => ({
          attempt: a.attempt,
          tier: a.tier,
          outcome: a.outcome as AttemptOutcome,
          statusCode: a.status_code,
          durationMs: a.duration_ms,
          errorClass: a.error_class,
          errorMessage: a.error_message,
          attemptedAtMs: a.attempted_at,
          replayedAtMs: a.replayed_at,
          nextAttemptAtMs: a.next_attempt_at,
          responseExcerpt: a.response_excerpt,
        }),
      );
      const body = (q.body.get(deliveryId) as { body: string } | undefined)?.body ?? '';
      return { ...summary(row), body, attempts };
    },
    async counts(): Promise<ReadModelCounts> {
      const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      return {
        events: count('payment_events'),
        deliveryRecords: count('delivery_records'),
        attempts: count('attempts'),
        deliveries: count('deliveries'),
        payments: count('payments'),
      };
    },
    async endpointHealth(endpointId, sinceMs) {
      const row = q.endpointHealth.get(endpointId, sinceMs) as unknown as HealthRow;
      return {
        requests: row.requests ?? 0,
        delivered: row.delivered ?? 0,
        last:
          row.attempted_at === null
            ? null
            : {
                attemptedAtMs: row.attempted_at,
                outcome: row.outcome as AttemptOutcome,
                statusCode: row.status_code,
                errorClass: row.error_class,
                nextAttemptAtMs: row.next_attempt_at,
              },
      };
    },
    async attemptLatency(sinceMs, nowMs) {
      const counted = q.requestDurations.iterate(sinceMs, nowMs) as Iterable<DurationCount>;
      return latencyPerMinute(counted, sinceMs, nowMs);
    },
    async reset() {
      prepareSchema(db, options.pipeline, true);
      q = statements(db);
    },
    async close() {
      if (db.isOpen) db.close();
    },
  };
}

interface DeliveryRow {
  delivery_id: string;
  merchant_id: string;
  endpoint_id: string;
  payment_id: string;
  event_id: string;
  event_type: string;
  created_at: number;
  last_stage: string;
  last_due_at: number | null;
  last_dlq_reason: string | null;
  replayed_at: number | null;
  status: string;
}

interface HealthRow {
  requests: number | null;
  delivered: number | null;
  attempted_at: number | null;
  outcome: string | null;
  status_code: number | null;
  error_class: string | null;
  next_attempt_at: number | null;
}

interface EventRow {
  event_id: string;
  sequence: number;
  status: string;
  previous_status: string | null;
  amount_received: string;
  tx_hashes: string;
  block_number: number | null;
  block_hash: string | null;
  confirmations: number;
  occurred_at: number;
}

interface AttemptRow {
  attempt: number;
  tier: string;
  outcome: string;
  status_code: number | null;
  duration_ms: number;
  error_class: string | null;
  error_message: string | null;
  attempted_at: number;
  replayed_at: number | null;
  next_attempt_at: number | null;
  response_excerpt: string | null;
}
