import { Counter, Gauge, Histogram, type Registry } from '@payhook/runtime';

/** The scanner's metrics, labelled by chain id (a handful of values). */
export interface ScannerMetrics {
  readonly head: Gauge<'chain'>;
  readonly lastBlock: Gauge<'chain'>;
  readonly blocksBehind: Gauge<'chain'>;
  readonly stepDuration: Histogram<'chain'>;
  readonly rpcErrors: Counter<'chain'>;
  readonly events: Counter<'chain' | 'status'>;
  readonly reorgs: Counter<'chain'>;
  readonly reorgDepth: Histogram<'chain'>;
  readonly deepReorgs: Counter<'chain'>;
  readonly watched: Gauge<'chain'>;
  readonly latePayments: Counter<'chain'>;
  readonly blocksReread: Counter<'chain'>;
}

export function createScannerMetrics(registry: Registry): ScannerMetrics {
  const registers = [registry];
  return {
    head: new Gauge({
      name: 'payhook_scanner_chain_head',
      help: 'Latest block number the RPC reports',
      labelNames: ['chain'],
      registers,
    }),
    lastBlock: new Gauge({
      name: 'payhook_scanner_last_block',
      help: 'Last block fully scanned and committed',
      labelNames: ['chain'],
      registers,
    }),
    blocksBehind: new Gauge({
      name: 'payhook_scanner_blocks_behind',
      help: 'Chain head minus the last scanned block',
      labelNames: ['chain'],
      registers,
    }),
    stepDuration: new Histogram({
      name: 'payhook_scanner_step_duration_seconds',
      help: 'Duration of one scan step (read blocks and logs, evaluate, commit)',
      labelNames: ['chain'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    rpcErrors: new Counter({
      name: 'payhook_scanner_rpc_errors_total',
      help: 'Failed RPC calls',
      labelNames: ['chain'],
      registers,
    }),
    events: new Counter({
      name: 'payhook_scanner_events_total',
      help: 'Payment state changes written, by the state entered',
      labelNames: ['chain', 'status'],
      registers,
    }),
    reorgs: new Counter({
      name: 'payhook_scanner_reorgs_total',
      help: 'Reorgs detected',
      labelNames: ['chain'],
      registers,
    }),
    reorgDepth: new Histogram({
      name: 'payhook_scanner_reorg_depth_blocks',
      help: 'Blocks rolled back per reorg',
      labelNames: ['chain'],
      buckets: [1, 2, 3, 5, 8, 13, 21, 34, 64],
      registers,
    }),
    deepReorgs: new Counter({
      name: 'payhook_scanner_deep_reorgs_total',
      help: 'Reorgs that orphaned funding of an already confirmed payment (deeper than its confirmations)',
      labelNames: ['chain'],
      registers,
    }),
    watched: new Gauge({
      name: 'payhook_scanner_watched_addresses',
      help: 'Deposit addresses of payments that can still change',
      labelNames: ['chain'],
      registers,
    }),
    latePayments: new Counter({
      name: 'payhook_scanner_late_payments_total',
      help: 'Payments found in blocks the scanner had scanned before their intents arrived',
      labelNames: ['chain'],
      registers,
    }),
    blocksReread: new Counter({
      name: 'payhook_scanner_blocks_reread_total',
      help: 'Blocks read again from the chain for intents that arrived late (older than those kept in memory)',
      labelNames: ['chain'],
      registers,
    }),
  };
}
