// Scanner benchmark (not a test): catch-up speed with 10,000 watched addresses on a chain full
// of unrelated transfers, against reading the same blocks with viem alone in the same run; and
// latency from a block being mined to its delivery record on webhooks.dispatch.
//
// "viem alone" makes the requests the scanner makes (eth_getBlockByNumber with full
// transactions, in JSON-RPC batches over viem's HTTP transport, as many in flight as the
// scanner's fetchConcurrency) and does nothing with the blocks: no state, no Kafka. It bounds
// what the scanner can reach on this chain. Baseline and scanner runs alternate (--repeat
// times, the scanner on a fresh pipeline each time) and the medians are reported, with the
// cores other work kept busy during each run.
//
//   node bench/scanner.ts [--blocks 1000] [--transfers-per-block 10] [--watched 10000] [--samples 40] [--repeat 3] [--quick]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createFilterApp, filterEnvSchema } from '@payhook/confirmation-filter';
import type { PaymentIntent, ScannerCheckpoint, WebhookDelivery } from '@payhook/contracts';
import { startAnvil } from '@payhook/devstack';
import { createLogger, createMetricsRegistry, parseEnv } from '@payhook/runtime';
import { type ChainConfig, createScannerApp, type ScannerApp, scannerEnvSchema } from '@payhook/scanner';
import {
  createPipelineFixture,
  type PipelineFixture,
  testChain,
  testEnvironment,
  uniqueName,
  waitUntil,
} from '@payhook/testkit';
import { createPublicClient, http, numberToHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { cpuWindow, pidListeningOn } from './lib/proc.ts';
import { machineInfo } from './lib/report.ts';
import { summarize } from './lib/stats.ts';

const { values: args } = parseArgs({
  options: {
    blocks: { type: 'string', default: '1000' },
    'transfers-per-block': { type: 'string', default: '10' },
    watched: { type: 'string', default: '10000' },
    samples: { type: 'string', default: '40' },
    'poll-ms': { type: 'string', default: '250' },
    repeat: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(
    'node bench/scanner.ts [--blocks N] [--transfers-per-block N] [--watched N] [--samples N] [--poll-ms N] [--repeat N] [--quick]\n' +
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
const REPEAT = args.quick ? 1 : num('repeat', args.repeat);
const say = (line: string) => process.stderr.write(`${line}\n`);
const logger = createLogger({ name: 'bench', level: 'error', destination: process.stderr });

/** One timed catch-up: its rate, anvil's CPU per block, and the cores other work kept busy. */
interface Phase {
  readonly blocksPerSecond: number;
  readonly anvilCpuMsPerBlock: number | null;
  readonly otherCores: number | null;
}

const stateDir = mkdtempSync(join(tmpdir(), 'payhook-bench-anvil-'));
const anvil = await startAnvil({ stateDir });
const chain = testChain(anvil.url);
const registryUrl = new URL(testEnvironment.schemaRegistryUrl);
// On a small machine these compete with the scanner: their CPU use is counted as ours, and
// what remains busy is reported as other work.
const watch = {
  anvil: anvil.pid,
  broker: pidListeningOn(Number(testEnvironment.kafkaBrokers[0]?.split(':').at(-1))),
  registry: pidListeningOn(Number(registryUrl.port || 80)),
};
const stops: (() => Promise<void>)[] = [];
let pipe: PipelineFixture | undefined;
let scanner: ScannerApp | undefined;
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
  const blocks = head - first + 1;
  say(`chain head ${head}; catch-up runs with ${WATCHED} payment intents each`);

  const timed = async (work: () => Promise<void>): Promise<Phase> => {
    const cpu = cpuWindow(watch);
    const started = performance.now();
    await work();
    const seconds = (performance.now() - started) / 1000;
    const used = cpu.end();
    const anvilCores = used.byProcess.anvil;
    return {
      blocksPerSecond: Math.round(blocks / seconds),
      anvilCpuMsPerBlock: anvilCores === undefined ? null : Number(((anvilCores * seconds * 1000) / blocks).toFixed(2)),
      otherCores: used.others ?? null,
    };
  };

  // 2. Baseline: the scanner's block requests with viem alone (see the top of this file).
  const scannerChain = { chainId: 31337, rpcUrl: anvil.url, startBlock: first, pollIntervalMs: POLL_MS };
  // The scanner's defaults for reading (fetchConcurrency, rpcBatchSize, blocksPerStep).
  const settings = parseEnv(scannerEnvSchema, { SCANNER_CHAINS: JSON.stringify([scannerChain]) })
    .SCANNER_CHAINS[0] as ChainConfig;
  const client = createPublicClient({
    // As the scanner's transport (services/scanner/src/block-source.ts).
    transport: http(anvil.url, {
      batch: settings.rpcBatchSize > 1 ? { batchSize: settings.rpcBatchSize, wait: 0 } : false,
    }),
    cacheTime: 0,
  });
  const readAlone = async () => {
    let next = first;
    const lane = async () => {
      while (next <= head) {
        const number = next++;
        await client.request({ method: 'eth_getBlockByNumber', params: [numberToHex(number), true] });
      }
    };
    await Promise.all(Array.from({ length: settings.fetchConcurrency }, lane));
  };

  // 3. The scanner catching up over the same blocks, on a fresh pipeline each time.
  const scanOnce = async () => {
    const fresh = await createPipelineFixture();
    for (let i = 0; i < intents.length; i += 500) {
      await fresh.produce(
        fresh.topics.intents,
        'PAYMENT_INTENT',
        intents.slice(i, i + 500).map((p) => ({ key: p.payment_id, value: p })),
      );
    }
    const checkpoints = await fresh.collect(fresh.topics.checkpoints, 'SCANNER_CHECKPOINT');
    const scannerConfig = parseEnv(scannerEnvSchema, {
      ...fresh.serviceEnv(),
      SCANNER_CHAINS: JSON.stringify([scannerChain]),
    });
    pipe = fresh;
    const app = createScannerApp({
      config: scannerConfig,
      logger,
      registry: createMetricsRegistry('scanner'),
      onFatal: () => undefined,
    });
    scanner = app;
    // Catch-up is timed from the first step: loading the intents is start-up, measured apart.
    const startupStart = performance.now();
    await app.start();
    const startupSeconds = (performance.now() - startupStart) / 1000;
    const phase = await timed(() =>
      waitUntil(() => (checkpoints.at(-1) as ScannerCheckpoint | undefined)?.block_number === head, {
        what: 'the scanner at the head',
        timeoutMs: 600_000,
        intervalMs: 20,
      }),
    );
    return { phase, startupSeconds };
  };

  await readAlone(); // warm-up: the first read of a chain is slower for anvil
  const repetitions: { viemAlone: Phase; scanner: Phase; ratio: number; startupSeconds: number }[] = [];
  for (let r = 0; r < REPEAT; r++) {
    await scanner?.stop();
    await pipe?.close();
    const viemAlone = await timed(readAlone);
    const run = await scanOnce();
    const ratio = Number((run.phase.blocksPerSecond / viemAlone.blocksPerSecond).toFixed(2));
    repetitions.push({ viemAlone, scanner: run.phase, ratio, startupSeconds: Number(run.startupSeconds.toFixed(2)) });
    say(
      `catch-up ${r + 1}/${REPEAT}: scanner ${run.phase.blocksPerSecond} blocks/s, viem alone ${viemAlone.blocksPerSecond} blocks/s` +
        ` (other work: ${run.phase.otherCores ?? '?'} / ${viemAlone.otherCores ?? '?'} cores)`,
    );
  }
  const pipeline = pipe as PipelineFixture;
  const scanRate = median(repetitions.map((r) => r.scanner.blocksPerSecond));
  const baselineRate = median(repetitions.map((r) => r.viemAlone.blocksPerSecond));
  const ratio = median(repetitions.map((r) => r.ratio));
  const startupSeconds = median(repetitions.map((r) => r.startupSeconds));
  say(`catch-up (median of ${REPEAT}): scanner ${scanRate} blocks/s, viem alone ${baselineRate} blocks/s`);

  // 4. Block to delivery record: the filter fans out to one endpoint; confirmations = 1.
  const endpointId = uniqueName('ep');
  await pipeline.produce(pipeline.topics.endpoints, 'ENDPOINT', [
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
        deleted_at: null,
        description: '',
        updated_at: Date.now(),
      },
    },
  ]);
  const filter = createFilterApp({
    config: parseEnv(filterEnvSchema, { ...pipeline.serviceEnv(), FILTER_INSTANCE_ID: 'bench' }),
    logger,
    registry: createMetricsRegistry('confirmation-filter'),
  });
  await filter.start();
  stops.push(() => filter.stop());
  const arrivals = new Map<string, number>();
  const consumer = pipeline.kafka.consumer({ groupId: uniqueName('bench-dispatch'), maxWaitTimeInMs: 20 });
  await consumer.connect();
  await consumer.subscribe({ topic: pipeline.topics.dispatch, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const delivery = (await pipeline.codec.decode('WEBHOOK_DELIVERY', message.value)) as WebhookDelivery;
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
    chain: { blocks, transfersPerBlock: PER_BLOCK, watchedAddresses: WATCHED },
    catchUp: {
      scannerBlocksPerSecond: scanRate,
      viemAloneBlocksPerSecond: baselineRate,
      ratio,
      startupSeconds,
      baseline:
        `viem alone: eth_getBlockByNumber with full transactions, JSON-RPC batches of up to ` +
        `${settings.rpcBatchSize}, ${settings.fetchConcurrency} in flight, nothing done with the blocks`,
      scanner: {
        blocksPerStep: settings.blocksPerStep,
        fetchConcurrency: settings.fetchConcurrency,
        rpcBatchSize: settings.rpcBatchSize,
      },
      /** Alternating runs; the figures above are their medians. */
      repetitions,
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
  const cores = (n: number | null) => (n === null ? '?' : n.toFixed(2));
  const md = [
    '# Scanner benchmark',
    '',
    `${results.machine.cpuModel}, ${results.machine.cores} cores, ${results.machine.totalMemoryMb} MB, Node ${results.machine.node}; ${results.at}.`,
    `Chain: ${blocks} blocks × ${PER_BLOCK} transfers, ${WATCHED} watched addresses (local anvil).`,
    `Baseline, ${results.catchUp.baseline}; it and the scanner (its defaults: blocksPerStep ${settings.blocksPerStep}, ` +
      `fetchConcurrency ${settings.fetchConcurrency}, rpcBatchSize ${settings.rpcBatchSize}) alternate ${REPEAT} time(s); medians below.`,
    '',
    '| measure | value | baseline (same run) | ratio | target | met |',
    '| --- | --- | --- | --- | --- | --- |',
    `| catch-up | ${scanRate} blocks/s | viem alone ${baselineRate} blocks/s | ${ratio} | ≥ 200 blocks/s | ${results.catchUp.met ? 'yes' : 'no'} |`,
    `| block → delivery record p50 / p95 / p99 | ${latency.p50} / ${latency.p95} / ${latency.p99} ms | — | — | p99 < ${POLL_MS + 1_000} ms (poll ${POLL_MS} ms + 1 s) | ${results.blockToDispatchMs.met ? 'yes' : 'no'} |`,
    '',
    '| run | scanner blocks/s | viem alone blocks/s | ratio | anvil CPU ms/block (scanner / alone) | other work, cores (scanner / alone) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...repetitions.map(
      (r, i) =>
        `| ${i + 1} | ${r.scanner.blocksPerSecond} | ${r.viemAlone.blocksPerSecond} | ${r.ratio} | ` +
        `${r.scanner.anvilCpuMsPerBlock ?? '?'} / ${r.viemAlone.anvilCpuMsPerBlock ?? '?'} | ` +
        `${cores(r.scanner.otherCores)} / ${cores(r.viemAlone.otherCores)} |`,
    ),
    '',
  ].join('\n');
  writeFileSync(new URL('./results/scanner.md', import.meta.url), md);
  process.stdout.write(md);
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await scanner?.stop().catch(() => undefined);
  await pipe?.close();
  await anvil.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
process.exit(0);

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
