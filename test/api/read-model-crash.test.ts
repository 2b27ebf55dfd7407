// The read model survives kill -9 of the API process mid-ingest: every restart resumes where the
// rows end, so in the end the rows match the records on the topics one for one (none lost, none
// doubled), deleting the file rebuilds the same rows, and so do positions past their partitions' ends.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DeliveryAttempt, PaymentEvent, WebhookDelivery } from '@payhook/contracts';
import { createPipelineFixture, type PipelineFixture } from '@payhook/testkit';
import type { Admin } from 'kafkajs';

const MAIN = fileURLToPath(new URL('../../services/api/src/main.ts', import.meta.url));
const PAYMENTS = 4_000;
const DELIVERIES = 4_000;
const ATTEMPTS = 24_000;

let pipeline: PipelineFixture;
let admin: Admin;
let dataDir: string;
let path: string;

before(async () => {
  pipeline = await createPipelineFixture({ tiers: '5s', partitions: 3 });
  admin = pipeline.kafka.admin();
  await admin.connect();
  dataDir = mkdtempSync(join(tmpdir(), 'payhook-api-crash-'));
  path = join(dataDir, 'read-model.sqlite');
  const { topics } = pipeline;
  const now = Date.now();
  const events: { key: string; value: PaymentEvent }[] = [];
  for (let i = 0; i < PAYMENTS; i++) {
    events.push({
      key: `pay_${i}`,
      value: {
        event_id: `evt_${i}`,
        payment_id: `pay_${i}`,
        merchant_id: `mer_${i % 7}`,
        sequence: 1,
        status: 'DETECTED',
        previous_status: null,
        chain_id: 31337,
        address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
        asset: { kind: 'NATIVE', token_address: null, symbol: 'ETH', decimals: 18 },
        amount_expected: '10',
        amount_received: '10',
        tx_hashes: [`0x${i.toString(16)}`],
        block_number: i,
        block_hash: `0xb${i}`,
        confirmations: 0,
        occurred_at: now,
        funding: [],
      },
    });
  }
  const deliveries: { key: string; value: WebhookDelivery }[] = [];
  for (let i = 0; i < DELIVERIES; i++) {
    deliveries.push({
      key: `ep_${i % 11}`,
      value: {
        delivery_id: `msg_${i}`,
        event_id: `evt_${i}`,
        event_type: 'payment.detected',
        endpoint_id: `ep_${i % 11}`,
        merchant_id: `mer_${i % 7}`,
        payment_id: `pay_${i}`,
        body: '{}',
        created_at: now + i,
      },
    });
  }
  const attempts: { key: string; value: DeliveryAttempt }[] = [];
  for (let i = 0; i < ATTEMPTS; i++) {
    const d = i % DELIVERIES;
    attempts.push({
      key: `msg_${d}`,
      value: {
        delivery_id: `msg_${d}`,
        event_id: `evt_${d}`,
        payment_id: `pay_${d}`,
        endpoint_id: `ep_${d % 11}`,
        attempt: Math.floor(i / DELIVERIES) + 1,
        tier: 'dispatch',
        outcome: 'RETRY_SCHEDULED',
        status_code: 503,
        duration_ms: 3,
        error_class: 'HTTP_5XX',
        error_message: null,
        attempted_at: now + i,
        replayed_at: null,
        next_attempt_at: now + i + 5_000,
        response_excerpt: null,
      },
    });
  }
  const chunks = <T>(all: T[]) =>
    Array.from({ length: Math.ceil(all.length / 1_000) }, (_, i) => all.slice(i * 1_000, (i + 1) * 1_000));
  for (const chunk of chunks(events)) await pipeline.produce(topics.events, 'PAYMENT_EVENT', chunk);
  for (const chunk of chunks(deliveries)) await pipeline.produce(topics.dispatch, 'WEBHOOK_DELIVERY', chunk);
  for (const chunk of chunks(attempts)) await pipeline.produce(topics.attempts, 'DELIVERY_ATTEMPT', chunk);
});
after(async () => {
  await admin?.disconnect();
  await pipeline?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function start(): { child: ChildProcess; stdout: () => string; stderr: () => string } {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...pipeline.serviceEnv(), LOG_LEVEL: 'info', API_READ_MODEL_PATH: path },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, stdout: () => stdout, stderr: () => stderr };
}

/** Rows of a table, read beside the running process (WAL lets a reader in while it writes). */
function rows(table: string): number {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { readOnly: true, timeout: 2_000 });
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } catch {
    return 0;
  } finally {
    db?.close();
  }
}

/** Resolves once the process has exited, at once if it already has. */
async function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

async function records(topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
}

async function waitForReady(run: ReturnType<typeof start>): Promise<number> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const match = /"port":(\d+)[^\n]*"msg":"started"/.exec(run.stdout());
    if (match !== null) {
      const ready = await fetch(`http://127.0.0.1:${match[1]}/readyz`).catch(() => undefined);
      if (ready?.status === 200) return Number(match[1]);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready: ${run.stdout()}${run.stderr()}`);
}

async function expectRowsMatchTopics(): Promise<void> {
  const { topics } = pipeline;
  assert.equal(rows('payment_events'), await records(topics.events), 'one row per payment event');
  assert.equal(rows('delivery_records'), await records(topics.dispatch), 'one row per delivery record');
  assert.equal(rows('attempts'), await records(topics.attempts), 'one row per attempt');
  assert.equal(rows('payments'), PAYMENTS);
  assert.equal(rows('deliveries'), DELIVERIES);
}

it('kill -9 mid-ingest, up to three times: the rows match the topics one for one after the restart', {
  timeout: 240_000,
}, async () => {
  let killedMidIngest = 0;
  let previous = 0;
  // Until three kills, or until a run got to the end before its kill.
  for (let round = 0; round < 3 && previous < ATTEMPTS; round++) {
    const run = start();
    // Killed once it has written more than before, and before it is done.
    const deadline = Date.now() + 60_000;
    let seen = rows('attempts');
    while (seen <= previous && Date.now() < deadline && run.child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 5));
      seen = rows('attempts');
    }
    assert.equal(run.child.exitCode, null, `the API stopped by itself: ${run.stdout()}${run.stderr()}`);
    run.child.kill('SIGKILL');
    await exited(run.child);
    previous = rows('attempts');
    if (previous < ATTEMPTS) killedMidIngest++;
  }
  assert.ok(killedMidIngest >= 1, 'at least one kill landed mid-ingest');

  const run = start();
  await waitForReady(run);
  run.child.kill('SIGTERM');
  assert.equal(await exited(run.child), 0, run.stderr());
  await expectRowsMatchTopics();
});

it('a deleted file is rebuilt from the topics with the same rows', { timeout: 120_000 }, async () => {
  rmSync(dataDir, { recursive: true, force: true });
  const run = start();
  const port = await waitForReady(run);
  const health = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.match(await health.text(), /payhook_api_read_model_records_total\{kind="attempt"[^}]*\} \d+/);
  run.child.kill('SIGTERM');
  await exited(run.child);
  await expectRowsMatchTopics();
});

it('positions past the end of their partitions (a topic created again) rebuild the model', {
  timeout: 120_000,
}, async () => {
  const db = new DatabaseSync(path);
  db.prepare('UPDATE positions SET next_offset = next_offset + 1000000 WHERE topic = ?').run(pipeline.topics.attempts);
  db.prepare('DELETE FROM attempts WHERE rowid % 2 = 0').run();
  db.close();
  const run = start();
  await waitForReady(run);
  run.child.kill('SIGTERM');
  await exited(run.child);
  assert.match(run.stdout(), /stored position is past the end of its partition/);
  await expectRowsMatchTopics();
});
