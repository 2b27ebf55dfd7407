import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Endpoint, PaymentIntent } from '@payhook/contracts';
import { devStackSettings, stackDown, stackStatus, stackUp } from '@payhook/devstack';
import { generateSecret } from '@payhook/signing';
import {
  createPipelineFixture,
  type Merchant,
  type RunningService,
  startMerchant,
  startService,
  stopServices,
  testChain,
} from '@payhook/testkit';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { renderNextSteps } from './next-steps.ts';
import type { DemoOptions } from './options.ts';
import { progressOf, renderProgress } from './progress.ts';
import { type DemoSummary, renderSummary, summarize } from './summary.ts';

/** Where the demo writes: its terminal. */
export interface DemoIo {
  out(line: string): void;
  err(line: string): void;
  /** Redraws the status block in place (a TTY), or prints it now and then. */
  readonly tty: boolean;
}

const FLAKY = '/flaky';

/** Runs the whole demo; resolves with the summary (or rejects); `signal` aborts it (Ctrl-C). */
export async function runDemo(options: DemoOptions, io: DemoIo, signal: AbortSignal): Promise<DemoSummary> {
  const settings = devStackSettings(process.env);
  const wasRunning = (await stackStatus(settings)).every((c) => c.ready);
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };
  try {
    io.err(wasRunning ? 'local stack: already running' : 'local stack: starting Kafka, the registry and anvil');
    const stack = await stackUp(settings, (line) => io.err(`  ${line}`));
    if (!wasRunning && !options.keep) cleanups.push(async () => void (await stackDown(settings, { keepData: false })));

    const prefix = `demo-${randomBytes(3).toString('hex')}.`;
    io.err(`pipeline: provisioning topics and schemas under the prefix ${prefix}`);
    const pipe = await createPipelineFixture({
      prefix,
      tiers: options.tiers,
      partitions: 3,
      kafkaBrokers: [stack.kafkaBrokers],
      schemaRegistryUrl: stack.schemaRegistryUrl,
    });
    // Without --keep nothing of the demo's pipeline outlives it: no topics pile up on a stack
    // that was already running, and no hint points at topics that are gone.
    cleanups.push(() => pipe.close({ keepTopics: options.keep }));

    const chain = testChain(stack.anvilRpcUrl);
    const token = await chain.deployTestToken({ symbol: 'USDC', decimals: 6, mintToEach: 1_000_000_000_000n });
    const merchant: Merchant = await startMerchant();
    cleanups.push(() => merchant.close());
    const endpoints: Endpoint[] = [];
    for (let i = 0; i <= options.endpoints; i++) {
      const path = i === options.endpoints ? FLAKY : `/shop-${i + 1}`;
      const secret = generateSecret();
      merchant.endpoint(path, secret, { failFirst: path === FLAKY ? 2 : 0 });
      endpoints.push({
        endpoint_id: `ep_demo_${path.slice(1)}`,
        merchant_id: 'mer_demo',
        url: `${merchant.baseUrl}${path}`,
        secrets: [{ secret, active_from: Date.now() - 60_000, expires_at: null }],
        event_types: ['payment.confirmed'],
        rate_limit_per_second: null,
        timeout_ms: null,
        enabled: true,
        disabled_reason: null,
        deleted_at: null,
        description: '',
        updated_at: Date.now(),
      });
    }
    await pipe.produce(
      pipe.topics.endpoints,
      'ENDPOINT',
      endpoints.map((e) => ({ key: e.endpoint_id, value: e })),
    );

    // Beside the stack's state, not in it: stopping a stack the demo started deletes its state.
    const logDir = join(dirname(settings.stateDir), 'demo-logs', prefix.slice(0, -1));
    mkdirSync(logDir, { recursive: true });
    const head = Number(await chain.blockNumber());
    const env = pipe.serviceEnv();
    const services: RunningService[] = [
      startService(
        'scanner',
        {
          ...env,
          SCANNER_CHAINS: JSON.stringify([
            {
              chainId: 31337,
              rpcUrl: stack.anvilRpcUrl,
              startBlock: head + 1,
              pollIntervalMs: 250,
              tokens: [token.address],
            },
          ]),
        },
        logDir,
      ),
      startService('confirmation-filter', { ...env, FILTER_INSTANCE_ID: prefix.slice(0, -1) }, logDir),
      startService(
        'dispatcher',
        { ...env, DISPATCHER_DEV_ALLOW_LIST: '127.0.0.1', DISPATCHER_RETRY_JITTER: '0' },
        logDir,
      ),
    ];
    cleanups.push(() => stopServices(services));
    io.err(`services: scanner, confirmation-filter, dispatcher started (logs in ${logDir})`);

    const events = await pipe.collect(pipe.topics.events, 'PAYMENT_EVENT');
    const attempts = await pipe.collect(pipe.topics.attempts, 'DELIVERY_ATTEMPT');
    const intents: PaymentIntent[] = Array.from({ length: options.payments }, (_, i) => {
      const native = i % 2 === 0;
      return {
        payment_id: `pay_demo_${i + 1}`,
        merchant_id: 'mer_demo',
        chain_id: 31337,
        deposit_address: privateKeyToAccount(generatePrivateKey()).address,
        asset: native
          ? { kind: 'NATIVE', token_address: null, symbol: 'ETH', decimals: 18 }
          : { kind: 'ERC20', token_address: token.address, symbol: 'USDC', decimals: 6 },
        amount_expected: native ? '10000000000000000' : '25000000',
        required_confirmations: options.confirmations,
        expires_at: Date.now() + 3_600_000,
        created_at: Date.now(),
      };
    });
    await pipe.produce(
      pipe.topics.intents,
      'PAYMENT_INTENT',
      intents.map((p) => ({ key: p.payment_id, value: p })),
    );
    // Let the scanner see the intents before their payments land.
    await new Promise((r) => setTimeout(r, 3_000));

    const started = Date.now();
    const minedAt = new Map<number, number>();
    const fundedIn = new Map<string, number>();
    for (const intent of intents) {
      if (signal.aborted) throw new Error('interrupted');
      const to = intent.deposit_address as `0x${string}`;
      const receipt =
        intent.asset.kind === 'NATIVE'
          ? await chain.sendNative(to, BigInt(intent.amount_expected))
          : await chain.transferToken(token.address, to, BigInt(intent.amount_expected));
      minedAt.set(Number(receipt.blockNumber), Date.now());
      fundedIn.set(intent.payment_id, Number(receipt.blockNumber));
    }

    const expected = intents.length * endpoints.length;
    const deadline = started + options.timeoutSeconds * 1000;
    let drawn = 0;
    const draw = () => {
      const lines = renderProgress(
        progressOf(intents.length, events, attempts, merchant.received),
        expected,
        Date.now() - started,
      );
      if (io.tty) {
        if (drawn > 0) io.out(`\x1b[${drawn}A\x1b[J${lines.join('\n')}`);
        else io.out(lines.join('\n'));
        drawn = lines.length;
      } else
        io.out(
          lines
            .slice(1)
            .map((l) => l.trim())
            .join(' | '),
        );
    };
    let lastMine = 0;
    let lastDraw = 0;
    for (;;) {
      if (signal.aborted) throw new Error('interrupted');
      const now = Date.now();
      const p = progressOf(intents.length, events, attempts, merchant.received);
      if (p.verified >= expected || now > deadline) break;
      // One block every half second until every payment has its confirmations.
      if (p.confirmed < intents.length && now - lastMine >= 500) {
        const block = Number(await chain.mine(1));
        minedAt.set(block, Date.now());
        lastMine = now;
      }
      if (now - lastDraw >= (io.tty ? 300 : 3_000)) {
        draw();
        lastDraw = now;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    draw();
    const summary = summarize({
      intents,
      endpoints: endpoints.length,
      events,
      attempts,
      received: merchant.received,
      confirmedAt: (paymentId) => {
        const block = fundedIn.get(paymentId);
        return block === undefined ? undefined : minedAt.get(block + options.confirmations - 1);
      },
    });
    for (const line of renderSummary(summary)) io.out(line);
    const nextSteps = renderNextSteps({
      kafkaBrokers: stack.kafkaBrokers,
      schemaRegistryUrl: stack.schemaRegistryUrl,
      prefix,
      tiers: pipe.tiers,
      keep: options.keep,
      keepRunning: options.keepRunning,
      startedStack: !wasRunning,
      logDir,
    });
    for (const line of nextSteps) io.out(line);
    if (options.keepRunning) {
      io.err('everything keeps running: Ctrl-C stops it');
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    }
    return summary;
  } finally {
    io.err(
      options.keep
        ? 'stopping the services and the merchant; the local stack and the demo’s topics stay (--keep)'
        : 'stopping what the demo started',
    );
    await cleanup();
  }
}
