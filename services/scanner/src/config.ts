import { chainById, contractsEnv } from '@payhook/contracts';
import { kafkaEnv } from '@payhook/kafka';
import { envField } from '@payhook/runtime';
import { isAddress } from 'viem';
import { z } from 'zod';

/** One chain the scanner watches. */
const chainSchema = z
  .object({
    /** EIP-155 chain id; must be a known chain unless `confirmations` is given. */
    chainId: z.number().int().positive(),
    /** http(s) or ws(s) JSON-RPC URL. May carry an API key: it is never logged. */
    rpcUrl: z.url({ protocol: /^(https?|wss?)$/, error: 'must be an http(s):// or ws(s):// URL' }),
    /** Confirmations required by default for this chain's payments. */
    confirmations: z.number().int().min(1).optional(),
    pollIntervalMs: z.number().int().positive().default(2_000),
    /** First block to scan on the very first run; default: the head at that moment. */
    startBlock: z.number().int().min(0).optional(),
    blocksPerStep: z.number().int().positive().max(5_000).default(100),
    /**
     * Block requests kept in flight while catching up. With http(s) they travel in JSON-RPC
     * batches of `rpcBatchSize`, so several batches are in flight and the node answers them
     * side by side.
     */
    fetchConcurrency: z.number().int().positive().max(100).default(20),
    /** Most JSON-RPC requests in one http(s) batch (providers cap it; 1 turns batching off). */
    rpcBatchSize: z.number().int().positive().max(1_000).default(5),
    /** ERC-20 contracts whose Transfer logs are watched. */
    tokens: z.array(z.string().refine((a) => isAddress(a, { strict: false }), 'must be a 0x address')).default([]),
    maxBackoffMs: z.number().int().positive().default(30_000),
    rpcTimeoutMs: z.number().int().positive().default(10_000),
    /**
     * Longest a scan step may go without moving on to its next read or write (a range of
     * blocks, its logs, the transaction). A step past it is stuck below (a request that never
     * settles): the scanner stops with an error so that its supervisor starts it again from
     * the committed checkpoint.
     */
    stepTimeoutMs: z.number().int().positive().default(90_000),
    /**
     * How far a payment's block time may precede its intent's `created_at` (block times trail
     * inclusion by up to a slot, and clocks differ). An intent that joins after blocks from
     * this long before its creation on were scanned is funded from those blocks too.
     */
    lateIntentSlackMs: z.number().int().min(0).default(60_000),
    /**
     * Most blocks back from the last scanned one that are read again for intents that join
     * late (after a restart, or when the intents topic lags far behind the chain).
     */
    lateIntentMaxBlocks: z.number().int().positive().default(2_000),
  })
  .refine((c) => c.stepTimeoutMs > c.rpcTimeoutMs, {
    message: 'must be longer than rpcTimeoutMs',
    path: ['stepTimeoutMs'],
  })
  .refine((c) => c.confirmations !== undefined || chainById(c.chainId) !== undefined, {
    message: 'unknown chain: give "confirmations" for a chain payhook does not know',
    path: ['chainId'],
  });
export type ChainConfig = z.infer<typeof chainSchema>;

const chainsJson = z.string().transform((raw, ctx): ChainConfig[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON array of chains' });
    return z.NEVER;
  }
  const result = z.array(chainSchema).min(1, 'must name at least one chain').safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? `[${issue.path.join('.')}] ` : '';
    ctx.addIssue({ code: 'custom', message: `${where}${issue?.message ?? 'invalid'}` });
    return z.NEVER;
  }
  const ids = result.data.map((c) => c.chainId);
  if (new Set(ids).size !== ids.length) {
    ctx.addIssue({ code: 'custom', message: 'names a chain id twice' });
    return z.NEVER;
  }
  return result.data;
});

/** The scanner's environment. */
export const scannerEnvSchema = z.object({
  ...kafkaEnv,
  ...contractsEnv,
  LOG_LEVEL: envField.logLevel().default('info'),
  PAYHOOK_HTTP_PORT: envField.port().default(9465),
  PAYHOOK_HTTP_HOST: z.string().default('0.0.0.0'),
  /** JSON array: `[{"chainId":1,"rpcUrl":"https://…","tokens":["0x…"]}]` (see ChainConfig). */
  SCANNER_CHAINS: chainsJson,
});
export type ScannerConfig = z.infer<typeof scannerEnvSchema>;
