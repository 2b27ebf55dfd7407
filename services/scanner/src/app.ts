import {
  createContractCodec,
  createRegistryClient,
  loadSchemas,
  type PaymentEvent,
  type PaymentIntent,
  type PipelineTopics,
  pipelineTopics,
  type ScannerCheckpoint,
} from '@payhook/contracts';
import {
  createKafkaClient,
  createTableReader,
  createTransactionalWriter,
  type TransactionalWriter,
} from '@payhook/kafka';
import type { Logger, ReadinessCheck, Registry } from '@payhook/runtime';
import { createBlockSource } from './block-source.ts';
import { type ChainScanner, createChainScanner } from './chain-scanner.ts';
import type { ScannerConfig } from './config.ts';
import { createScannerMetrics, type ScannerMetrics } from './metrics.ts';
import { PaymentBook } from './payment-book.ts';

/** What the composition root hands the scanner. */
export interface ScannerDeps {
  readonly config: ScannerConfig;
  readonly logger: Logger;
  readonly registry: Registry;
  /**
   * Called when a chain's loop ends for good (it was fenced by a newer scanner, or a commit
   * failed without telling whether it went through: a restart reads the checkpoint back), or
   * when the intents stop being read.
   */
  readonly onFatal: (error: unknown) => void;
}

/** A running scanner: one loop per configured chain. */
export interface ScannerApp {
  readonly topics: PipelineTopics;
  readonly metrics: ScannerMetrics;
  readonly readiness: readonly ReadinessCheck[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The transactional id of a chain's scanner: stable, so a second instance fences the first. */
export function scannerTransactionalId(prefix: string, chainId: number): string {
  return `${prefix}payhook-scanner-${chainId}`;
}

export function createScannerApp(deps: ScannerDeps): ScannerApp {
  const { config, logger } = deps;
  const metrics = createScannerMetrics(deps.registry);
  const topics = pipelineTopics(config.PAYHOOK_RETRY_TIERS, config.PAYHOOK_TOPIC_PREFIX);
  const kafka = createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: 'payhook-scanner', logger });
  const codec = createContractCodec(createRegistryClient(config.SCHEMA_REGISTRY_URL), loadSchemas());
  const intents = createTableReader<PaymentIntent>({
    kafka,
    topic: topics.intents,
    decode: (_k, v) => codec.decode('PAYMENT_INTENT', v),
    logger,
    // New intents would no longer reach the scanner; a restart reads them, and funds their
    // payments from the blocks scanned meanwhile.
    onFailed: (error) => deps.onFatal(error),
  });
  const writers: TransactionalWriter[] = [];
  const scanners: ChainScanner[] = [];
  let started = false;

  return {
    topics,
    metrics,
    readiness: [
      { name: 'intents', check: () => intents.caughtUp || 'payment intents are still loading' },
      {
        name: 'chains',
        check: () => {
          if (!started) return 'starting';
          const down = config.SCANNER_CHAINS.filter((_, i) => scanners[i]?.healthy !== true).map((c) => c.chainId);
          return down.length === 0 || `RPC unavailable for chain ${down.join(', ')}`;
        },
      },
    ],
    async start() {
      // 1. Fence any older scanner of these chains before reading their state: its open
      //    transaction is aborted, so what is read below is final.
      for (const chain of config.SCANNER_CHAINS) {
        const writer = createTransactionalWriter({
          kafka,
          transactionalId: scannerTransactionalId(config.PAYHOOK_TOPIC_PREFIX, chain.chainId),
          logger,
        });
        await writer.connect();
        writers.push(writer);
      }
      // 2. Rebuild: intents, each payment's latest event, each chain's checkpoint.
      const events = createTableReader<PaymentEvent>({
        kafka,
        topic: topics.events,
        decode: (_k, v) => codec.decode('PAYMENT_EVENT', v),
        logger,
      });
      const checkpoints = createTableReader<ScannerCheckpoint>({
        kafka,
        topic: topics.checkpoints,
        decode: (_k, v) => codec.decode('SCANNER_CHECKPOINT', v),
        logger,
      });
      await Promise.all([intents.start(), events.start(), checkpoints.start()]);
      const books = new Map(config.SCANNER_CHAINS.map((c) => [c.chainId, new PaymentBook(c.chainId)]));
      for (const intent of intents.values()) books.get(intent.chain_id)?.track(intent, events.get(intent.payment_id));
      // New intents join while scanning (they have no events yet).
      intents.onChange((_id, intent) => {
        if (intent !== undefined) books.get(intent.chain_id)?.track(intent);
      });
      const startCheckpoints = new Map(
        config.SCANNER_CHAINS.map((c) => [c.chainId, checkpoints.get(String(c.chainId))]),
      );
      await Promise.all([events.stop(), checkpoints.stop()]);

      // 3. One loop per chain.
      for (const [index, chain] of config.SCANNER_CHAINS.entries()) {
        const scanner = createChainScanner({
          chain,
          source: createBlockSource(chain.rpcUrl, { timeoutMs: chain.rpcTimeoutMs, batchSize: chain.rpcBatchSize }),
          book: books.get(chain.chainId) as PaymentBook,
          writer: writers[index] as TransactionalWriter,
          codec,
          topics,
          logger,
          metrics,
          checkpoint: startCheckpoints.get(chain.chainId),
        });
        scanners.push(scanner);
        scanner.run().catch(deps.onFatal);
        logger.info(
          {
            chainId: chain.chainId,
            from: startCheckpoints.get(chain.chainId)?.block_number ?? chain.startBlock ?? 'head',
          },
          'scanning chain',
        );
      }
      started = true;
    },
    async stop() {
      await Promise.all(scanners.map((s) => s.stop()));
      await Promise.all(writers.map((w) => w.disconnect()));
      await intents.stop();
    },
  };
}
