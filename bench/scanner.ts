// Scanner benchmark (not a test): catch-up speed with 10,000 watched addresses on a chain full
// of unrelated transfers, against reading the same blocks with viem alone in the same run; and
// latency from a block being mined to its delivery record on webhooks.dispatch.
//
//   node bench/scanner.ts [--blocks 1000] [--transfers-per-block 10] [--watched 10000] [--samples 40] [--quick]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createFilterApp, filterEnvSchema } from '@payhook/confirmation-filter';
import type { PaymentIntent, ScannerCheckpoint, WebhookDelivery } from '@payhook/contracts';
import { startAnvil } from '@payhook/devstack';
import { createLogger, createMetricsRegistry, parseEnv } from '@payhook/runtime';
import { createScannerApp, scannerEnvSchema } from '@payhook/scanner';
import { createPipelineFixture, testChain, uniqueName, waitUntil } from '@payhook/testkit';
import { createPublicClient, http } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { machineInfo } from './lib/report.ts';
import { summarize } from './lib/stats.ts';

const { values: args } = parseArgs({
  options: {
    blocks: { type: 'string', default: '1000' },
    'transfers-per-block': { type: 'string', default: '10' },
    watched: { type: 'string', default: '10000' },
    samples: { type: 'string', default: '40' },
    'poll-ms': { type: 'string', default: '250' },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(
    'node bench/scanner.ts [--blocks N] [--transfers-per-block N] [--watched N] [--samples N] [--poll-ms N] [--quick]\n' +
      'Needs the local broker and registry (npm run payhook -- dev up); starts its own anvil.\n' +
      'Writes bench/results/scanner.json and bench/results/scanner.md.\n',
  );
  process.exit(0);
}
const num = (name: string, raw: string | undefined) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`--${name} must be a positive integer, got "${raw}"\n`);
    process.exit(2);
  }
  return n;
};
const BLOCKS = args.quick ? 200 : num('blocks', args.blocks);
const PER_BLOCK = num('transfers-per-block', args['transfers-per-block']);
const WATCHED = args.quick ? 2_000 : num('watched', args.watched);
const SAMPLES = args.quick ? 10 : num('samples', args.samples);
const POLL_MS = num('poll-ms', args['poll-ms']);
const say = (line: string) => process.stderr.write(`${line}\n`);
const logger = createLogger({ name: 'bench', level: 'error', destination: process.stderr });

const stateDir = mkdtempSync(join(tmpdir(), 'payhook-bench-anvil-'));
const anvil = await startAnvil({ stateDir });
const chain = testChain(anvil.url);
const pipe = await createPipelineFixture();
const stops: (() => Promise<void>)[] = [];
try {
  // 1. A chain full of unrelated transfers, with a few payments to watched addresses in it.
  say(`building ${BLOCKS} blocks with ${PER_BLOCK} transfers each`);
  const rpc = (method: string, params: unknown[]) => chain.publicClient.request({ method, params } as never);
  await rpc('evm_setAutomine', [false]);
  const first = Number(await chain.blockNumber()) + 1;
  const strangers = Array.from({ length: 20 }, () => privateKeyToAccount(generatePrivateKey()).address);
  const intents: PaymentIntent[] = Array.from({ length: WATCHED }, (_, i) => ({
    payment_id: `pay_bench_${i}`,
    merchant_id: 'mer_bench',
    chain_id: 31337,
    deposit_address: privateKeyToAccount(generatePrivateKey()).address,
    asset: { kind: 'NATIVE', token_address: null, symbol: 'ETH', decimals: 18 },
    amount_expected: '1000',
    required_confirmations: 1,
    expires_at: Date.now() + 86_400_000,
    created_at: Date.now(),
  }));
  const wallets = chain.accounts.slice(1, 9).map((_, i) => chain.wallet(i + 1));
  const nonces = await Promise.all(
    wallets.map((w) => chain.publicClient.getTransactionCount({ address: w.account.address })),
  );
  for (let b = 0; b < BLOCKS; b++) {
    await Promise.all(
      Array.from({ length: PER_BLOCK }, (_, t) => {
        const w = t % wallets.length;
        const wallet = wallets[w] as (typeof wallets)[number];
        const paying = t === 0 && b % 10 === 0;
        const to = paying
          ? (intents[b % intents.length] as PaymentIntent).deposit_address
          : strangers[(b + t) % strangers.length];
        const nonce = nonces[w] as number;
        nonces[w] = nonce + 1;
        return wallet.sendTransaction({ to: to as `0x${string}`, value: paying ? 1_000n : 1n, nonce, gas: 21_000n });
      }),
    );
    await rpc('anvil_mine', ['0x1']);
  }
  await rpc('evm_setAutomine', [true]);
  const head = Number(await chain.blockNumber());
  say(`chain head ${head}; writing ${WATCHED} payment intents`);
  for (let i = 0; i < intents.length; i += 500) {
    await pipe.produce(
      pipe.topics.intents,
      'PAYMENT_INTENT',
      intents.slice(i, i + 500).map((p) => ({ key: p.payment_id, value: p })),
    );
  }

  // 2. Baseline: the same blocks read with viem alone (same batching, no Kafka, no state).
  const client = createPublicClient({
    transport: http(anvil.url, { batch: { batchSize: 50, wait: 0 } }),
    cacheTime: 0,
  });
  const baselineStart = performance.now();
  for (let n = first; n <= head; n += 10) {
    const numbers = Array.from({ length: Math.min(10, head - n + 1) }, (_, i) => BigInt(n + i));
    await Promise.all(numbers.map((blockNumber) => client.getBlock({ blockNumber, includeTransactions: true })));
  }
  const baselineSeconds = (performance.now() - baselineStart) / 1000;
  const baselineRate = (head - first + 1) / baselineSeconds;

  // 3. The scanner catching up over the same blocks.
  const checkpoints = await pipe.collect(pipe.topics.checkpoints, 'SCANNER_CHECKPOINT');
  const scannerConfig = parseEnv(scannerEnvSchema, {
    ...pipe.serviceEnv(),
    SCANNER_CHAINS: JSON.stringify([
      { chainId: 31337, rpcUrl: anvil.url, startBlock: first, blocksPerStep: 100, pollIntervalMs: POLL_MS },
    ]),
  });
  const scanner = createScannerApp({
    config: scannerConfig,
    logger,
    registry: createMetricsRegistry('scanner'),
    onFatal: () => undefined,
  });
  // Catch-up is timed from the first step: loading the 10,000 intents is start-up, measured apart.
  const startupStart = performance.now();
  await scanner.start();
  const startupSeconds = (performance.now() - startupStart) / 1000;
  const scanStart = performance.now();
  stops.push(() => scanner.stop());
  await waitUntil(() => (checkpoints.at(-1) as ScannerCheckpoint | undefined)?.block_number === head, {
    what: 'the scanner at the head',
    timeoutMs: 600_000,
    intervalMs: 20,
  });
  const scanSeconds = (performance.now() - scanStart) / 1000;
  const scanRate = (head - first + 1) / scanSeconds;
  say(`catch-up: scanner ${scanRate.toFixed(0)} blocks/s, viem alone ${baselineRate.toFixed(0)} blocks/s`);

  // 4. Block to delivery record: the filter fans out to one endpoint; confirmations = 1.
  const endpointId = uniqueName('ep');
  await pipe.produce(pipe.topics.endpoints, 'ENDPOINT', [
    {
      key: endpointId,
      value: {
        endpoint_id: endpointId,
        merchant_id: 'mer_bench',
        url: 'https://merchant.example/hook',
        secrets: [],
        event_types: ['payment.confirmed'],
        rate_limit_per_second: null,
        timeout_ms: null,
        enabled: true,
        disabled_reason: null,
        updated_at: Date.now(),
      },
    },
  ]);
  const filter = createFilterApp({
    config: parseEnv(filterEnvSchema, { ...pipe.serviceEnv(), FILTER_INSTANCE_ID: 'bench' }),
    logger,
    registry: createMetricsRegistry('confirmation-filter'),
  });
  await filter.start();
  stops.push(() => filter.stop());
  const arrivals = new Map<string, number>();
  const consumer = pipe.kafka.consumer({ groupId: uniqueName('bench-dispatch'), maxWaitTimeInMs: 20 });
  await consumer.connect();
  await consumer.subscribe({ topic: pipe.topics.dispatch, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const delivery = (await pipe.codec.decode('WEBHOOK_DELIVERY', message.value)) as WebhookDelivery;
      arrivals.set(delivery.payment_id, Date.now());
    },
  });
  stops.push(() => consumer.disconnect());
  const fresh = intents.slice(-SAMPLES);
  const latencies: number[] = [];
  for (const intent of fresh) {
    await chain.sendNative(intent.deposit_address as `0x${string}`, 1_000n);
    const minedAt = Date.now();
    await waitUntil(() => arrivals.has(intent.payment_id), {
      what: 'the delivery record',
      timeoutMs: 30_000,
      intervalMs: 5,
    });
    latencies.push((arrivals.get(intent.payment_id) as number) - minedAt);
  }
  const latency = summarize(latencies);
  say(`block to delivery record: p50 ${latency.p50} ms, p99 ${latency.p99} ms (poll interval ${POLL_MS} ms)`);

  const results = {
    machine: machineInfo(),
    at: new Date().toISOString(),
    chain: { blocks: head - first + 1, transfersPerBlock: PER_BLOCK, watchedAddresses: WATCHED },
    catchUp: {
      scannerBlocksPerSecond: Math.round(scanRate),
      viemAloneBlocksPerSecond: Math.round(baselineRate),
      ratio: Number((scanRate / baselineRate).toFixed(2)),
      startupSeconds: Number(startupSeconds.toFixed(2)),
      target: '≥ 200 blocks/s',
      met: scanRate >= 200,
    },
    blockToDispatchMs: {
      ...latency,
      pollIntervalMs: POLL_MS,
      target: 'p99 < poll interval + 1000 ms',
      met: latency.p99 < POLL_MS + 1_000,
    },
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/scanner.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  const md = [
    '# Scanner benchmark',
    '',
    `${results.machine.cpuModel}, ${results.machine.cores} cores, ${results.machine.totalMemoryMb} MB, Node ${results.machine.node}; ${results.at}.`,
    `Chain: ${results.chain.blocks} blocks × ${PER_BLOCK} transfers, ${WATCHED} watched addresses (local anvil).`,
    '',
    '| measure | value | baseline (same run) | ratio | target | met |',
    '| --- | --- | --- | --- | --- | --- |',
    `| catch-up | ${results.catchUp.scannerBlocksPerSecond} blocks/s | viem alone ${results.catchUp.viemAloneBlocksPerSecond} blocks/s | ${results.catchUp.ratio} | ≥ 200 blocks/s | ${results.catchUp.met ? 'yes' : 'no'} |`,
    `| block → delivery record p50 / p95 / p99 | ${latency.p50} / ${latency.p95} / ${latency.p99} ms | — | — | p99 < ${POLL_MS + 1_000} ms (poll ${POLL_MS} ms + 1 s) | ${results.blockToDispatchMs.met ? 'yes' : 'no'} |`,
    '',
  ].join('\n');
  writeFileSync(new URL('./results/scanner.md', import.meta.url), md);
  process.stdout.write(md);
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await pipe.close();
  await anvil.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
process.exit(0);
