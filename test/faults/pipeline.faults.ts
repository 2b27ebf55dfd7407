// The fault-injection suite (npm run test:faults): under a steady stream of payments, kill -9
// each service in turn, take the receiver down for longer than the first retry tiers, cut the
// RPC, and restart the broker. Then account for every payment. The counts go to
// bench/results/faults.json.
//
// The pipeline runs on a broker of its own (free ports, a temporary directory), so restarting it
// touches no one else's; the schema registry is the test environment's. Services run under a
// supervisor that starts them again when they exit on their own, as Kubernetes would. The
// accounting waits as long as deliveries keep coming, and fails once they stall.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { deliveryId } from '@payhook/confirmation-filter';
import { measureLag } from '@payhook/consumer-lag';
import type { PaymentIntent } from '@payhook/contracts';
import { type AnvilNode, type KafkaBroker, startAnvil, startKafkaBroker } from '@payhook/devstack';
import {
  createPipelineFixture,
  type Merchant,
  type PipelineFixture,
  type SupervisedService,
  startMerchant,
  superviseService,
  type TestChain,
  testChain,
  waitForProgress,
  waitUntil,
} from '@payhook/testkit';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { faultSuiteEndpoints } from './endpoints.ts';
import { logServices, unexpectedExits } from './supervisor.ts';

const STREAM_MS = 70_000;
const PAY_EVERY_MS = 400;
/** The accounting fails when nothing moved for this long (longer than the last retry tier and a restart). */
const STALL_MS = 120_000;
/** And ends in any case after this long. */
const ACCOUNTING_LIMIT_MS = 300_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`[faults] ${line}\n`);

let broker: KafkaBroker;
let pipe: PipelineFixture;
let anvil: AnvilNode;
let chain: TestChain;
let merchant: Merchant;
const services = new Map<string, SupervisedService>();
const logDir = mkdtempSync(join(tmpdir(), 'payhook-faults-'));
const kafkaDir = mkdtempSync(join(tmpdir(), 'payhook-faults-kafka-'));
const anvilDir = mkdtempSync(join(tmpdir(), 'payhook-faults-anvil-'));

function serviceEnv(name: string, tokenlessChain: string): Record<string, string> {
  const env = pipe.serviceEnv();
  if (name === 'scanner') return { ...env, SCANNER_CHAINS: tokenlessChain };
  if (name === 'confirmation-filter')
    return { ...env, FILTER_INSTANCE_ID: 'faults', FILTER_SESSION_TIMEOUT_MS: '6000' };
  return {
    ...env,
    DISPATCHER_DEV_ALLOW_LIST: '127.0.0.1',
    DISPATCHER_RETRY_JITTER: '0',
    DISPATCHER_SESSION_TIMEOUT_MS: '6000',
  };
}

before(async () => {
  broker = await startKafkaBroker({ stateDir: kafkaDir, progress: log });
  log(`broker of its own on ${broker.brokers}`);
  pipe = await createPipelineFixture({ tiers: '2s,4s,8s,16s,30s', partitions: 3, kafkaBrokers: [broker.brokers] });
  anvil = await startAnvil({ stateDir: anvilDir });
  chain = testChain(anvil.url);
  merchant = await startMerchant();
});
after(async () => {
  await Promise.all([...services.values()].map((s) => s.stop()));
  await merchant?.close();
  // The broker and its topics go away together.
  await pipe?.close({ keepTopics: true });
  await broker?.stop();
  await anvil?.stop();
  rmSync(kafkaDir, { recursive: true, force: true });
  rmSync(anvilDir, { recursive: true, force: true });
  log(`service logs in ${logDir}`);
});

it('every confirmed payment is delivered to every endpoint through crashes, outages and a broker restart', async () => {
  const endpoints = faultSuiteEndpoints(merchant, 'faults');
  await pipe.produce(
    pipe.topics.endpoints,
    'ENDPOINT',
    endpoints.map((e) => ({ key: e.endpoint_id, value: e })),
  );
  const events = await pipe.collect(pipe.topics.events, 'PAYMENT_EVENT');
  const chainConfig = JSON.stringify([
    {
      chainId: 31337,
      rpcUrl: anvil.url,
      startBlock: Number(await chain.blockNumber()) + 1,
      pollIntervalMs: 200,
      maxBackoffMs: 2_000,
      // Well inside the accounting's stall limit: a stuck step ends in a supervised restart.
      stepTimeoutMs: 30_000,
    },
  ]);
  for (const name of ['scanner', 'confirmation-filter', 'dispatcher'])
    services.set(name, superviseService(name, serviceEnv(name, chainConfig), logDir, { log }));
  const start = (name: string) => services.get(name)?.start();
  const kill = (name: string) => services.get(name)?.kill();
  for (const name of services.keys()) start(name);
  await sleep(4_000);

  // The steady stream: a payment every PAY_EVERY_MS, a block every half second.
  const intents: PaymentIntent[] = [];
  let streaming = true;
  let rpcDown = false;
  const stream = (async () => {
    let n = 0;
    while (streaming) {
      const intent: PaymentIntent = {
        payment_id: `pay_faults_${++n}`,
        merchant_id: 'mer_faults',
        chain_id: 31337,
        deposit_address: privateKeyToAccount(generatePrivateKey()).address,
        asset: { kind: 'NATIVE', token_address: null, symbol: 'ETH', decimals: 18 },
        amount_expected: '1000',
        required_confirmations: 2,
        expires_at: Date.now() + 3_600_000,
        created_at: Date.now(),
      };
      try {
        await pipe.produce(pipe.topics.intents, 'PAYMENT_INTENT', [{ key: intent.payment_id, value: intent }]);
      } catch {
        n--;
        await sleep(500); // the broker is restarting: the merchant's system would retry too
        continue;
      }
      intents.push(intent);
      await sleep(PAY_EVERY_MS);
      if (!rpcDown) {
        await chain.sendNative(intent.deposit_address as `0x${string}`, 1_000n).catch(() => intents.pop());
      } else intents.pop();
    }
  })();
  const miner = (async () => {
    while (streaming) {
      if (!rpcDown) await chain.mine(1).catch(() => undefined);
      await sleep(500);
    }
  })();

  const t0 = Date.now();
  const at = async (ms: number) => sleep(Math.max(0, t0 + ms - Date.now()));
  await at(6_000);
  log('kill -9 scanner');
  kill('scanner');
  await at(9_000);
  start('scanner');
  await at(14_000);
  log('kill -9 confirmation-filter');
  kill('confirmation-filter');
  await at(17_000);
  start('confirmation-filter');
  await at(22_000);
  log('kill -9 dispatcher');
  kill('dispatcher');
  await at(25_000);
  start('dispatcher');
  await at(30_000);
  log('receiver down for 12 s (longer than the 2 s and 4 s tiers)');
  merchant.setDown(true);
  await at(42_000);
  merchant.setDown(false);
  await at(45_000);
  log('RPC down for 6 s');
  rpcDown = true;
  await anvil.stop();
  await at(51_000);
  await anvil.start();
  rpcDown = false;
  await at(55_000);
  log('restarting the broker');
  const restartStarted = Date.now();
  await broker.stop();
  await broker.start();
  const brokerRestartMs = Date.now() - restartStarted;
  log(`broker back after ${(brokerRestartMs / 1000).toFixed(1)} s`);
  await at(STREAM_MS);
  streaming = false;
  await Promise.all([stream, miner]);
  await chain.mine(3);
  log(`stream ended: ${intents.length} payments paid; accounting`);

  // Accounting: every paid payment confirmed exactly once, and delivered to both endpoints.
  const confirmedEvent = (id: string) => events.find((e) => e.payment_id === id && e.status === 'CONFIRMED');
  const confirmedCount = () => intents.filter((i) => confirmedEvent(i.payment_id) !== undefined).length;
  const confirmMs = await waitForProgress(() => confirmedCount() === intents.length, confirmedCount, {
    what: 'every payment confirmed',
    stallMs: STALL_MS,
    timeoutMs: ACCOUNTING_LIMIT_MS,
  }).catch((error: unknown) => {
    log(`confirmed ${confirmedCount()} of ${intents.length} payments`);
    logServices(services, log);
    throw error;
  });
  const expected = new Map<string, string>();
  for (const intent of intents) {
    const event = confirmedEvent(intent.payment_id);
    for (const endpoint of endpoints)
      expected.set(deliveryId(event?.event_id as string, endpoint.endpoint_id), intent.payment_id);
  }
  const verifiedIds = () => new Set(merchant.received.filter((r) => r.verified).map((r) => r.webhookId));
  const deliveredCount = () => {
    const verified = verifiedIds();
    return [...expected.keys()].filter((id) => verified.has(id)).length;
  };
  const dispatched = await pipe.collect(pipe.topics.dispatch, 'WEBHOOK_DELIVERY');
  const attempts = await pipe.collect(pipe.topics.attempts, 'DELIVERY_ATTEMPT');
  let deliverMs: number;
  try {
    deliverMs = await waitForProgress(() => deliveredCount() === expected.size, deliveredCount, {
      what: 'every webhook delivered and verified',
      stallMs: STALL_MS,
      timeoutMs: ACCOUNTING_LIMIT_MS,
    });
  } catch (error) {
    // Where the missing ones stopped: never fanned out, or fanned out and not delivered.
    const missing = [...expected.keys()].filter((id) => !verifiedIds().has(id));
    const fannedOut = new Set(dispatched.map((d) => d.delivery_id));
    const lastAttempt = new Map(attempts.map((a) => [a.delivery_id, `${a.outcome}/${a.tier}/${a.error_class}`]));
    log(
      `missing ${missing.length}: ${missing.filter((id) => !fannedOut.has(id)).length} never reached webhooks.dispatch`,
    );
    for (const id of missing.slice(0, 10))
      log(`  ${id} (${expected.get(id)}): last attempt ${lastAttempt.get(id) ?? 'none'}`);
    logServices(services, log);
    throw error;
  }
  await sleep(2_000);
  // The dispatcher, last restarted before the broker was, commits past every delivery record:
  // a write that failed while the broker was away was tried again, not left holding its
  // partition's commit point until a restart.
  const admin = pipe.kafka.admin();
  await admin.connect();
  let waiting: unknown[] = [];
  try {
    await waitUntil(
      async () => {
        const group = { groupId: `${pipe.prefix}payhook-dispatcher`, topics: [pipe.topics.dispatch] };
        const [lag] = await measureLag(admin, pipe.kafka, [group], pipe.topics);
        const partitions = lag?.partitions.filter((p) => p.topic === pipe.topics.dispatch) ?? [];
        // A partition no record went to has nothing to commit.
        const empty = (p: (typeof partitions)[number]) => p.committedOffset === null && p.endOffset === '0';
        waiting = partitions.filter(
          (p) => !empty(p) && (p.committedOffset === null || p.oldestUnconsumedAtMs !== null),
        );
        return partitions.length > 0 && waiting.length === 0;
      },
      { what: 'the dispatcher committed past every delivery record', timeoutMs: 60_000, intervalMs: 1_000 },
    );
  } catch (error) {
    log(`partitions of ${pipe.topics.dispatch} still holding uncommitted records: ${JSON.stringify(waiting)}`);
    logServices(services, log);
    throw error;
  } finally {
    await admin.disconnect();
  }

  const confirmations = new Map<string, number>();
  for (const e of events)
    if (e.status === 'CONFIRMED') confirmations.set(e.payment_id, (confirmations.get(e.payment_id) ?? 0) + 1);
  const received = merchant.received.filter((r) => r.verified);
  const perId = new Map<string, number>();
  for (const r of received) perId.set(r.webhookId, (perId.get(r.webhookId) ?? 0) + 1);
  const counts = {
    measuredAt: new Date().toISOString(),
    faults: [
      'kill -9 scanner',
      'kill -9 confirmation-filter',
      'kill -9 dispatcher',
      'receiver down 12 s',
      'RPC down 6 s',
      'broker restart',
    ],
    paymentsPaid: intents.length,
    paymentsConfirmed: [...confirmations.keys()].length,
    confirmedEventsDuplicated: [...confirmations.values()].filter((n) => n > 1).length,
    webhooksExpected: expected.size,
    webhooksDeliveredAndVerified: [...expected.keys()].filter((id) => perId.has(id)).length,
    webhooksLost: [...expected.keys()].filter((id) => !perId.has(id)).length,
    deliveriesReceivedTwiceOrMore: [...perId.values()].filter((n) => n > 1).length,
    unexpectedWebhookIds: [...perId.keys()].filter((id) => !expected.has(id)).length,
    badSignatures: merchant.received.filter((r) => !r.verified).length,
    // Exits the test did not cause (the supervisor started the service again), per service.
    serviceRestarts: unexpectedExits(services),
    seconds: {
      brokerRestart: Math.round(brokerRestartMs / 1000),
      untilAllConfirmed: Math.round(confirmMs / 1000),
      untilAllDelivered: Math.round(deliverMs / 1000),
    },
  };
  mkdirSync(new URL('../../bench/results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('../../bench/results/faults.json', import.meta.url), `${JSON.stringify(counts, null, 2)}\n`);
  log(JSON.stringify(counts));

  assert.equal(counts.paymentsConfirmed, counts.paymentsPaid, 'every paid payment confirmed');
  assert.equal(counts.confirmedEventsDuplicated, 0, 'confirmed exactly once');
  assert.equal(counts.webhooksLost, 0, 'no webhook lost');
  assert.equal(counts.unexpectedWebhookIds, 0, 'every duplicate carries a known webhook-id');
  assert.equal(counts.badSignatures, 0);
});
