// Transactions across a broker restart, on a broker of its own. kafkajs 2.2.4 leaves a
// transactional producer unusable for good when the commit or the abort of a transaction fails
// (the broker went away in the middle of it); the transactional writer replaces the producer,
// and the confirmation filter goes on to write every delivery record exactly once. The filter
// is frozen (SIGSTOP) inside a transaction while the broker stops, so that the failure is
// certain rather than a matter of timing.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { PaymentEvent } from '@payhook/contracts';
import { type KafkaBroker, startKafkaBroker } from '@payhook/devstack';
import {
  createKafkaClient,
  createTransactionalProducer,
  createTransactionalWriter,
  TransactionError,
  TransactionErrorCode,
} from '@payhook/kafka';
import { createLogger } from '@payhook/runtime';
import {
  createPipelineFixture,
  readRecords,
  sampleValues,
  scratchTopics,
  uniqueName,
  waitForProgress,
  waitUntil,
} from '@payhook/testkit';
import type { Kafka } from 'kafkajs';
import { testEndpoint } from '../dispatcher/fixture.ts';

const FILTER_MAIN = fileURLToPath(new URL('../../services/confirmation-filter/src/main.ts', import.meta.url));
const log = (line: string) => process.stderr.write(`[transactions] ${line}\n`);
const stateDir = mkdtempSync(join(tmpdir(), 'payhook-tx-faults-kafka-'));
let broker: KafkaBroker;
let kafka: Kafka;

const logger = createLogger({
  name: 'transactions',
  level: process.env.TEST_LOG_LEVEL ?? 'error',
  destination: process.stderr,
});

const rejection = <T>(promise: Promise<T>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('transactions across a broker restart', () => {
  before(async () => {
    broker = await startKafkaBroker({ stateDir, progress: log });
    // Few retries: calls fail soon after the broker went, which is what these tests wait for.
    kafka = createKafkaClient({ brokers: [broker.brokers], clientId: uniqueName('client'), logger, retries: 3 });
  });
  afterEach(async () => {
    // A failed test may leave it stopped.
    await broker?.start();
  });
  after(async () => {
    await broker?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('a commit or an abort that fails while the broker is down: the writer replaces its producer', async () => {
    const admin = kafka.admin();
    await admin.connect();
    // A topic per producer: kafkajs 2.2.4 may deliver aborted records to read_committed
    // consumers when transactions of several producers overlap on a partition and are aborted
    // in another order than they began (it expects the broker's aborted list in start order).
    const topics = await scratchTopics(admin, 'txr', 3, 1);
    await admin.disconnect();
    const [rawTopic, commitTopic, sendTopic] = topics.names as [string, string, string];
    const raw = createTransactionalProducer(kafka, uniqueName('raw'));
    const committing = createTransactionalWriter({ kafka, transactionalId: uniqueName('commit'), logger });
    const sending = createTransactionalWriter({ kafka, transactionalId: uniqueName('send'), logger });
    await raw.connect();
    await committing.connect();
    await sending.connect();

    // Three transactions in flight when the broker goes. Two commit after it went.
    const rawTx = await raw.transaction();
    await rawTx.send({ topic: rawTopic, messages: [{ value: 'raw-lost' }] });
    const brokerDown = Promise.withResolvers<void>();
    const commitFailed = rejection(
      committing.run(async (tx) => {
        await tx.send({ topic: commitTopic, messages: [{ value: 'commit-lost' }] });
        await brokerDown.promise;
      }),
    );
    // The third sends once more: that send fails, and so does the abort.
    const sendFailed = rejection(
      sending.run(async (tx) => {
        await tx.send({ topic: sendTopic, messages: [{ value: 'send-lost-1' }] });
        await brokerDown.promise;
        await tx.send({ topic: sendTopic, messages: [{ value: 'send-lost-2' }] });
      }),
    );
    await broker.stop();
    brokerDown.resolve();

    await assert.rejects(rawTx.commit());
    // What the services did before: the abort fails too, and was ignored.
    await assert.rejects(rawTx.abort());
    const commitError = await commitFailed;
    assert.ok(commitError instanceof TransactionError, String(commitError));
    assert.equal(commitError.code, TransactionErrorCode.OUTCOME_UNKNOWN);
    const sendError = await sendFailed;
    assert.ok(sendError instanceof TransactionError, String(sendError));
    assert.equal(sendError.code, TransactionErrorCode.ABORTED);
    assert.equal(committing.ready, false);
    assert.equal(sending.ready, false);

    await broker.start();
    // The raw kafkajs producer stays stuck in COMMITTING for good, the broker back or not.
    await assert.rejects(raw.transaction(), /Transaction state exception/);
    await committing.run(async (tx) => tx.send({ topic: commitTopic, messages: [{ value: 'after-commit' }] }));
    await sending.run(async (tx) => tx.send({ topic: sendTopic, messages: [{ value: 'after-send' }] }));
    assert.equal(committing.ready, true);
    assert.equal(sending.ready, true);
    await Promise.all([committing.disconnect(), sending.disconnect(), raw.disconnect()]);

    // The transactions that failed are aborted: the new producer's registration did it.
    for (const [topic, value] of [
      [commitTopic, 'after-commit'],
      [sendTopic, 'after-send'],
    ] as const) {
      const records = await readRecords(kafka, topic, 1, { readCommitted: true, settleMs: 2_000 });
      assert.deepEqual(
        records.map((r) => String(r.message.value)),
        [value],
        topic,
      );
    }
    await topics.drop();
  });

  for (const phase of ['before its commit', 'during its commit'] as const) {
    it(`the broker goes while the filter is inside a transaction, ${phase}: every delivery record exactly once`, async () => {
      const PAYMENTS = 400;
      const pipe = await createPipelineFixture({ kafkaBrokers: [broker.brokers] });
      let filter: FilterProcess | undefined;
      try {
        const endpoints = [
          testEndpoint({ url: 'https://a.example/h', merchant_id: 'mer_restart' }),
          testEndpoint({ url: 'https://b.example/h', merchant_id: 'mer_restart' }),
        ];
        await pipe.produce(
          pipe.topics.endpoints,
          'ENDPOINT',
          endpoints.map((e) => ({ key: e.endpoint_id, value: e })),
        );
        const dispatched = await pipe.collect(pipe.topics.dispatch, 'WEBHOOK_DELIVERY');
        filter = spawnFilter(pipe.serviceEnv());
        const events: PaymentEvent[] = Array.from({ length: PAYMENTS }, (_, i) => ({
          ...sampleValues.PAYMENT_EVENT,
          event_id: `evt_restart_${i}`,
          payment_id: `pay_restart_${i}`,
          merchant_id: 'mer_restart',
          sequence: 1,
          status: 'CONFIRMED',
        }));
        // A steady stream. A batch the broker did not take is sent again (a repeated event is
        // a duplicate the filter drops).
        const producing = (async () => {
          for (let i = 0; i < PAYMENTS; i += 5) {
            const batch = events.slice(i, i + 5).map((e) => ({ key: e.payment_id, value: e }));
            while (
              !(await pipe.produce(pipe.topics.events, 'PAYMENT_EVENT', batch).then(
                () => true,
                () => false,
              ))
            )
              await sleep(500);
            await sleep(20);
          }
        })();
        await waitUntil(() => dispatched.length >= 100, { what: 'some output', timeoutMs: 60_000 });

        // Freeze the filter inside a transaction: once a partition joined it, or once the commit began.
        await filter.pauseInside(phase === 'before its commit' ? 'TRANSACTING' : 'COMMITTING');
        log(`filter paused inside a transaction ${phase} at ${dispatched.length} records; stopping the broker`);
        await broker.stop();
        filter.process.kill('SIGCONT');
        // Before its commit, the open transaction usually needs the broker again (the offsets
        // still to add) and its abort fails; if everything but the commit went out before the
        // freeze, the commit fails instead. Either way the writer replaces its producer.
        const failures =
          phase === 'before its commit'
            ? ['abort failed; the producer will be replaced', 'commit failed; its outcome']
            : ['commit failed; its outcome'];
        await filter.waitForLine(failures, 90_000);
        await broker.start();
        log(`broker back at ${dispatched.length} records`);
        await producing;
        await waitForProgress(
          () => dispatched.length >= PAYMENTS * 2,
          () => dispatched.length,
          { what: 'every delivery record', stallMs: 90_000, timeoutMs: 300_000 },
        );
        await sleep(3_000);
        assert.equal(filter.process.exitCode, null, 'the filter kept running');
        assert.equal(dispatched.length, PAYMENTS * 2, 'no duplicate records');
        assert.equal(new Set(dispatched.map((d) => d.delivery_id)).size, PAYMENTS * 2, 'no missing records');
        await filter.waitForLine('transactional producer replaced', 1_000);
        if (phase === 'during its commit')
          await filter.waitForLine('settled a commit whose outcome was unknown', 1_000);
        await waitUntil(async () => (await fetch(`http://127.0.0.1:${await filter?.port}/readyz`)).ok, {
          what: 'the filter ready again',
          timeoutMs: 30_000,
          intervalMs: 250,
        });
      } finally {
        filter?.process.kill('SIGCONT');
        filter?.process.kill('SIGTERM');
        await filter?.exited;
        await pipe.close({ keepTopics: true });
      }
    });
  }
});

/** A filter process whose log lines (kafkajs's at debug too) the test follows. */
interface FilterProcess {
  readonly process: ChildProcess;
  readonly exited: Promise<unknown>;
  /** The health server's port, once started. */
  readonly port: Promise<number>;
  /** Resolves once a log message containing `text` (or one of them) was written, now or before; rejects after the timeout. */
  waitForLine(text: string | readonly string[], timeoutMs: number): Promise<void>;
  /**
   * Stops the process (SIGSTOP) inside a transaction: after a partition joined it
   * (`TRANSACTING`), or after its commit began and before the commit request went out (`COMMITTING`).
   */
  pauseInside(state: 'TRANSACTING' | 'COMMITTING'): Promise<void>;
}

function spawnFilter(env: Record<string, string>): FilterProcess {
  const child = spawn(process.execPath, [FILTER_MAIN], {
    env: {
      ...process.env,
      ...env,
      FILTER_INSTANCE_ID: 'broker-restart',
      FILTER_SESSION_TIMEOUT_MS: '6000',
      LOG_LEVEL: 'debug',
      KAFKAJS_LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const messages: string[] = [];
  const listeners = new Set<() => void>();
  /** The transaction state kafkajs last reported; whether a partition joined, or the commit went out, since. */
  let state = 'UNINITIALIZED';
  let partitionAdded = false;
  let endTxnSent = false;
  const port = Promise.withResolvers<number>();
  createInterface({ input: child.stdout as NonNullable<typeof child.stdout> }).on('line', (line) => {
    let entry: { msg?: string; port?: number; error?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    const msg = entry.msg ?? '';
    messages.push(msg);
    const transition = /^Transaction state transition \w+ --> (\w+)$/.exec(msg);
    if (transition !== null) {
      state = transition[1] as string;
      partitionAdded = false;
      endTxnSent = false;
    }
    if (msg.startsWith('Response AddPartitionsToTxn') && entry.error === undefined) partitionAdded = true;
    if (msg.startsWith('Request EndTxn')) endTxnSent = true;
    if (msg === 'started' && entry.port !== undefined) port.resolve(entry.port);
    for (const listener of listeners) listener();
  });
  // Frozen before its commit, with a partition in the transaction (so the abort needs the
  // broker); or frozen once the commit began, before the request went out (a stopping broker
  // could still answer it).
  const inside = (wanted: string) => state === wanted && (wanted === 'TRANSACTING' ? partitionAdded : !endTxnSent);

  return {
    process: child,
    exited,
    port: port.promise,
    waitForLine(text, timeoutMs) {
      return new Promise((resolve, reject) => {
        const texts = typeof text === 'string' ? [text] : text;
        const check = () => {
          if (!messages.some((m) => texts.some((t) => m.includes(t)))) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`the filter did not log "${texts.join('" or "')}" within ${timeoutMs} ms`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async pauseInside(wanted) {
      for (let attempt = 0; attempt < 500; attempt++) {
        await new Promise<void>((resolve) => {
          const check = () => {
            if (!inside(wanted)) return;
            listeners.delete(check);
            resolve();
          };
          listeners.add(check);
          check();
        });
        child.kill('SIGSTOP');
        // Lines written before the stop are in the pipe: read them, then look again.
        await sleep(100);
        if (inside(wanted)) return;
        child.kill('SIGCONT');
      }
      throw new Error(`never caught the filter inside a transaction (${wanted})`);
    },
  };
}
