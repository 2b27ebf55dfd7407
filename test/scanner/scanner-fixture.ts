import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Asset, PaymentEvent, PaymentIntent, PaymentStatus } from '@payhook/contracts';
import { type AnvilNode, startAnvil } from '@payhook/devstack';
import { createLogger, createMetricsRegistry, parseEnv } from '@payhook/runtime';
import { createScannerApp, type ScannerApp, scannerEnvSchema } from '@payhook/scanner';
import {
  createPipelineFixture,
  type DeployedToken,
  type PipelineFixture,
  type TestChain,
  testChain,
  uniqueName,
  waitUntil,
} from '@payhook/testkit';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

/** What a test intent asks for. */
export interface IntentOptions {
  readonly amount: bigint;
  readonly asset?: Asset;
  readonly confirmations?: number;
  readonly expiresInMs?: number;
}

/** A private pipeline, a chain of its own, and a scanner over both. */
export interface ScannerFixture {
  readonly pipe: PipelineFixture;
  readonly anvil: AnvilNode;
  readonly chain: TestChain;
  scanner: ScannerApp | undefined;
  /** The environment to run the scanner on this pipeline and chain. */
  scannerEnv(chain?: Record<string, unknown>): Record<string, string>;
  startScanner(chain?: Record<string, unknown>): Promise<ScannerApp>;
  /** An intent to a fresh deposit address, created now and not yet written. */
  newIntent(options: IntentOptions): PaymentIntent;
  /** Writes an intent to the intents topic. */
  publishIntent(intent: PaymentIntent): Promise<void>;
  /** Writes an intent to a fresh deposit address. */
  createIntent(options: IntentOptions): Promise<PaymentIntent>;
  /** Every event of a payment, in order. */
  eventsOf(paymentId: string): Promise<PaymentEvent[]>;
  /** Waits until the payment's events are exactly these statuses (and stay so briefly). */
  waitForStatuses(paymentId: string, statuses: PaymentStatus[], timeoutMs?: number): Promise<PaymentEvent[]>;
  close(): Promise<void>;
}

export async function createScannerFixture(): Promise<ScannerFixture> {
  const pipe = await createPipelineFixture();
  const stateDir = mkdtempSync(join(tmpdir(), 'payhook-anvil-'));
  const anvil = await startAnvil({ stateDir });
  const chain = testChain(anvil.url);
  const allEvents = await pipe.collect(pipe.topics.events, 'PAYMENT_EVENT');

  const fixture: ScannerFixture = {
    pipe,
    anvil,
    chain,
    scanner: undefined,
    scannerEnv(extra = {}) {
      return {
        ...pipe.serviceEnv(),
        SCANNER_CHAINS: JSON.stringify([
          {
            chainId: 31337,
            rpcUrl: anvil.url,
            pollIntervalMs: 100,
            maxBackoffMs: 1_000,
            rpcTimeoutMs: 2_000,
            ...extra,
          },
        ]),
      };
    },
    async startScanner(extra = {}) {
      const config = parseEnv(scannerEnvSchema, fixture.scannerEnv(extra));
      const logger = createLogger({
        name: 'scanner-test',
        level: process.env.TEST_LOG_LEVEL ?? 'error',
        destination: process.stderr,
      });
      const app = createScannerApp({
        config,
        logger,
        registry: createMetricsRegistry('scanner'),
        onFatal: (error) => logger.error({ err: error }, 'scanner loop ended'),
      });
      await app.start();
      fixture.scanner = app;
      return app;
    },
    newIntent({ amount, asset, confirmations = 2, expiresInMs = 3_600_000 }) {
      return {
        payment_id: uniqueName('pay'),
        merchant_id: 'mer_scan',
        chain_id: 31337,
        deposit_address: privateKeyToAccount(generatePrivateKey()).address,
        asset: asset ?? { kind: 'NATIVE', token_address: null, symbol: 'ETH', decimals: 18 },
        amount_expected: amount.toString(),
        required_confirmations: confirmations,
        expires_at: Date.now() + expiresInMs,
        created_at: Date.now(),
      };
    },
    async publishIntent(intent) {
      await pipe.produce(pipe.topics.intents, 'PAYMENT_INTENT', [{ key: intent.payment_id, value: intent }]);
    },
    async createIntent(options) {
      const intent = fixture.newIntent(options);
      await fixture.publishIntent(intent);
      return intent;
    },
    async eventsOf(paymentId) {
      return allEvents.filter((e) => e.payment_id === paymentId).sort((a, b) => a.sequence - b.sequence);
    },
    async waitForStatuses(paymentId, statuses, timeoutMs = 20_000) {
      let events: PaymentEvent[] = [];
      await waitUntil(
        async () => {
          events = await fixture.eventsOf(paymentId);
          return events.length >= statuses.length;
        },
        { what: `${statuses.join(' → ')} for ${paymentId}`, timeoutMs, intervalMs: 200 },
      );
      return events;
    },
    async close() {
      await fixture.scanner?.stop().catch(() => undefined);
      await anvil.stop();
      rmSync(stateDir, { recursive: true, force: true });
      await pipe.close();
    },
  };
  return fixture;
}

/** A scanner fixture with a test token (USDT, 6 decimals) deployed, and its scanner watching it. */
export async function startScannerWithToken(): Promise<{ fx: ScannerFixture; token: DeployedToken }> {
  const fx = await createScannerFixture();
  const token = await fx.chain.deployTestToken({ symbol: 'USDT', decimals: 6, mintToEach: 1_000_000_000n });
  await fx.startScanner({ tokens: [token.address] });
  return { fx, token };
}
