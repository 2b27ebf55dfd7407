import type { DatabaseSync } from 'node:sqlite';

/** Bumped when the tables change: a file of another version is rebuilt from the topics. */
const SCHEMA_VERSION = '3';

// Every table of records is keyed by the record's topic, partition and offset: one row per
// record, so a record applied twice is refused by the key as well as by the stored position.
const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE positions (
  topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
  PRIMARY KEY (topic, partition)
) STRICT;
CREATE TABLE payment_events (
  topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
  event_id TEXT NOT NULL, payment_id TEXT NOT NULL, merchant_id TEXT NOT NULL, sequence INTEGER NOT NULL,
  status TEXT NOT NULL, previous_status TEXT, amount_received TEXT NOT NULL, tx_hashes TEXT NOT NULL,
  block_number INTEGER, block_hash TEXT, confirmations INTEGER NOT NULL, occurred_at INTEGER NOT NULL,
  PRIMARY KEY (topic, partition, offset)
) STRICT;
CREATE INDEX payment_events_by_payment ON payment_events (payment_id, sequence);
CREATE TABLE payments (
  payment_id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, sequence INTEGER NOT NULL, status TEXT NOT NULL,
  amount_received TEXT NOT NULL, updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX payments_by_merchant ON payments (merchant_id);
CREATE TABLE delivery_records (
  topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
  delivery_id TEXT NOT NULL, stage TEXT NOT NULL, tier TEXT, written_at INTEGER NOT NULL, due_at INTEGER,
  dlq_reason TEXT, replayed_at INTEGER,
  PRIMARY KEY (topic, partition, offset)
) STRICT;
CREATE TABLE deliveries (
  delivery_id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, payment_id TEXT NOT NULL,
  event_id TEXT NOT NULL, event_type TEXT NOT NULL, created_at INTEGER NOT NULL,
  last_stage TEXT NOT NULL, last_written_at INTEGER NOT NULL, last_due_at INTEGER, last_dlq_reason TEXT,
  replayed_at INTEGER, status TEXT NOT NULL
) STRICT;
CREATE INDEX deliveries_by_merchant ON deliveries (merchant_id, created_at DESC, delivery_id DESC);
CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, created_at DESC, delivery_id DESC);
CREATE INDEX deliveries_by_payment ON deliveries (payment_id, created_at DESC, delivery_id DESC);
CREATE INDEX deliveries_by_created ON deliveries (created_at DESC, delivery_id DESC);
-- Apart from the deliveries, whose lists never read them.
CREATE TABLE delivery_bodies (delivery_id TEXT PRIMARY KEY, body TEXT NOT NULL) STRICT;
CREATE TABLE attempts (
  topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
  delivery_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, attempt INTEGER NOT NULL, tier TEXT NOT NULL,
  outcome TEXT NOT NULL,
  status_code INTEGER, duration_ms INTEGER NOT NULL, error_class TEXT, error_message TEXT,
  attempted_at INTEGER NOT NULL, replayed_at INTEGER, next_attempt_at INTEGER, response_excerpt TEXT,
  PRIMARY KEY (topic, partition, offset)
) STRICT;
CREATE INDEX attempts_by_delivery ON attempts (delivery_id, attempted_at, attempt);
-- An endpoint's health: its attempts of a window, however many deliveries it had before.
CREATE INDEX attempts_by_endpoint ON attempts (endpoint_id, attempted_at);
`;

/**
 * Indexes for the delivery list's status filter, added after version 1 (bench/read-model-scale.ts
 * measures the list with and without them). Without them a status the newest rows seldom have is
 * found by reading the merchant's, the endpoint's or every delivery newest first until a page is
 * full: a status no row has reads them all. Created when missing, so a file of version 1 gains
 * them when it opens (one pass over the table) instead of being rebuilt from the topics.
 */
export const ADDED_INDEXES: Readonly<Record<string, string>> = {
  deliveries_by_merchant_status: 'deliveries (merchant_id, status, created_at DESC, delivery_id DESC)',
  deliveries_by_endpoint_status: 'deliveries (endpoint_id, status, created_at DESC, delivery_id DESC)',
  deliveries_by_status: 'deliveries (status, created_at DESC, delivery_id DESC)',
  // The operator's latency percentiles read the last hour's requests from this index alone.
  attempts_by_time: 'attempts (attempted_at, outcome, duration_ms)',
};

/** Creates the {@link ADDED_INDEXES} a file lacks. */
export function addIndexes(db: DatabaseSync): void {
  for (const [name, on] of Object.entries(ADDED_INDEXES)) db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON ${on}`);
}

/**
 * Creates the tables, or empties a file of another schema version or pipeline so it is rebuilt;
 * `rebuild` empties it whatever it holds.
 */
export function prepareSchema(db: DatabaseSync, pipeline: string, rebuild = false): void {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() !== undefined;
  if (hasMeta && !rebuild) {
    const meta = new Map(
      (db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [
        r.key,
        r.value,
      ]),
    );
    if (meta.get('schema_version') === SCHEMA_VERSION && meta.get('pipeline') === pipeline) {
      addIndexes(db);
      return;
    }
  }
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const { name } of tables) db.exec(`DROP TABLE IF EXISTS "${name.replaceAll('"', '""')}"`);
    db.exec(SCHEMA);
    addIndexes(db);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)').run(
      'schema_version',
      SCHEMA_VERSION,
      'pipeline',
      pipeline,
    );
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

/** The figures' queries (tests read their plans). */
export const FIGURE_QUERIES = {
  // The endpoint's attempts in the window alone (attempts_by_endpoint), however many
  // deliveries it had before. The bare columns are those of the row holding
  // max(attempted_at): the endpoint's latest entry.
  endpointHealth: `SELECT sum(CASE WHEN outcome IN ('HELD', 'PARKED') THEN 0 ELSE 1 END) AS requests,
      sum(CASE WHEN outcome = 'DELIVERED' THEN 1 ELSE 0 END) AS delivered,
      max(attempted_at) AS attempted_at, outcome, status_code, error_class, next_attempt_at
    FROM attempts WHERE endpoint_id = ? AND attempted_at >= ?`,
  // Counted per minute and duration, in order: the rows an hour holds never reach JavaScript.
  requestDurations: `SELECT attempted_at / 60000 AS minute, duration_ms, count(*) AS n FROM attempts
    WHERE attempted_at >= ? AND attempted_at <= ? AND outcome NOT IN ('HELD', 'PARKED')
    GROUP BY minute, duration_ms ORDER BY minute, duration_ms`,
} as const;

/** The store's prepared statements. */
export function statements(db: DatabaseSync) {
  return {
    position: db.prepare('SELECT next_offset FROM positions WHERE topic = ? AND partition = ?'),
    positions: db.prepare('SELECT topic, partition, next_offset FROM positions'),
    setPosition: db.prepare(
      'INSERT INTO positions (topic, partition, next_offset) VALUES (?, ?, ?) ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset',
    ),
    insertEvent: db.prepare(
      `INSERT INTO payment_events (topic, partition, offset, event_id, payment_id, merchant_id, sequence, status,
        previous_status, amount_received, tx_hashes, block_number, block_hash, confirmations, occurred_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // The payment's state is its event of the highest sequence (events of a payment are ordered
    // on their partition; a rewritten older event does not take the state back).
    upsertPayment: db.prepare(
      `INSERT INTO payments (payment_id, merchant_id, sequence, status, amount_received, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (payment_id) DO UPDATE SET sequence = excluded.sequence, status = excluded.status,
         amount_received = excluded.amount_received, updated_at = excluded.updated_at
       WHERE excluded.sequence >= payments.sequence`,
    ),
    insertDeliveryRecord: db.prepare(
      `INSERT INTO delivery_records (topic, partition, offset, delivery_id, stage, tier, written_at, due_at,
        dlq_reason, replayed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertDelivery: db.prepare(
      `INSERT INTO deliveries (delivery_id, merchant_id, endpoint_id, payment_id, event_id, event_type, created_at,
        last_stage, last_written_at, last_due_at, last_dlq_reason, replayed_at, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'retrying') ON CONFLICT (delivery_id) DO NOTHING`,
    ),
    insertBody: db.prepare(
      'INSERT INTO delivery_bodies (delivery_id, body) VALUES (?, ?) ON CONFLICT (delivery_id) DO NOTHING',
    ),
    // The delivery is where its latest record is: by write time, then by stage.
    moveDelivery: db.prepare(
      `UPDATE deliveries SET last_stage = ?, last_written_at = ?, last_due_at = ?, last_dlq_reason = ?,
         replayed_at = coalesce(?, replayed_at)
       WHERE delivery_id = ? AND (last_written_at < ? OR (last_written_at = ? AND
         (CASE last_stage WHEN 'dispatch' THEN 0 WHEN 'retry' THEN 1 ELSE 2 END) <= ?))`,
    ),
    // delivered: a DELIVERED attempt; failed: its latest record is in the DLQ; else retrying.
    deriveStatus: db.prepare(
      `UPDATE deliveries SET status = CASE
         WHEN EXISTS (SELECT 1 FROM attempts a WHERE a.delivery_id = deliveries.delivery_id AND a.outcome = 'DELIVERED')
           THEN 'delivered'
         WHEN last_stage = 'dlq' THEN 'failed'
         ELSE 'retrying' END
       WHERE delivery_id = ?`,
    ),
    insertAttempt: db.prepare(
      `INSERT INTO attempts (topic, partition, offset, delivery_id, endpoint_id, attempt, tier, outcome, status_code,
        duration_ms, error_class, error_message, attempted_at, replayed_at, next_attempt_at, response_excerpt)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    payment: db.prepare('SELECT merchant_id, status, amount_received, updated_at FROM payments WHERE payment_id = ?'),
    // An event written twice (same event id) is one state change.
    history: db.prepare(
      `SELECT * FROM payment_events WHERE payment_id = ?1 AND rowid IN
         (SELECT min(rowid) FROM payment_events WHERE payment_id = ?1 GROUP BY event_id)
       ORDER BY sequence, occurred_at`,
    ),
    allStatuses: db.prepare('SELECT payment_id, status FROM payments'),
    merchantStatuses: db.prepare('SELECT payment_id, status FROM payments WHERE merchant_id = ?'),
    delivery: db.prepare('SELECT * FROM deliveries WHERE delivery_id = ?'),
    body: db.prepare('SELECT body FROM delivery_bodies WHERE delivery_id = ?'),
    attempts: db.prepare('SELECT * FROM attempts WHERE delivery_id = ? ORDER BY attempted_at, attempt, offset'),
    endpointHealth: db.prepare(FIGURE_QUERIES.endpointHealth),
    requestDurations: db.prepare(FIGURE_QUERIES.requestDurations),
    lastAttempt: db.prepare(
      `SELECT count(*) AS n, max(attempted_at) AS attempted_at,
         (SELECT next_attempt_at FROM attempts WHERE delivery_id = ?1 ORDER BY attempted_at DESC, attempt DESC LIMIT 1)
           AS next_attempt_at
       FROM attempts WHERE delivery_id = ?1`,
    ),
  };
}
