import {
  createPublicClient,
  getAddress,
  http,
  numberToHex,
  type PublicClient,
  parseAbiItem,
  type RpcBlock,
  type RpcTransaction,
  webSocket,
} from 'viem';

/** A native transfer: a transaction with a recipient and a non-zero value. */
export interface NativeTransfer {
  readonly hash: string;
  /**
   * Recipient in lower case: it is only looked up among lower-case deposit addresses, so no
   * checksum (a keccak hash each) is computed for the many transfers to other addresses.
   */
  readonly to: string;
  readonly value: bigint;
}

/** A block as the scanner needs it: its place in the chain and its native transfers. */
export interface ScannedBlock {
  readonly number: number;
  readonly hash: string;
  readonly parentHash: string;
  readonly timeMs: number;
  /** Transactions with a recipient and a non-zero value, in block order. */
  readonly transfers: readonly NativeTransfer[];
}

/** One ERC-20 `Transfer` log. */
export interface TokenTransfer {
  /** Token contract, checksummed. */
  readonly token: string;
  /** Recipient, checksummed. */
  readonly to: string;
  readonly value: bigint;
  readonly txHash: string;
  readonly logIndex: number;
  readonly blockNumber: number;
  readonly blockHash: string;
}

/** What the scanner reads from a chain. */
export interface BlockSource {
  head(): Promise<number>;
  block(number: number): Promise<ScannedBlock>;
  /** The block's hash only (no transactions), or undefined when the chain is not that high. */
  hashAt(number: number): Promise<string | undefined>;
  /** The block's timestamp in milliseconds, or undefined when the chain is not that high. */
  timeAt(number: number): Promise<number | undefined>;
  /** Transfer logs of these tokens in the block range (inclusive). */
  tokenTransfers(tokens: readonly string[], from: number, to: number): Promise<TokenTransfer[]>;
}

const TRANSFER = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)');

/** Options of {@link createBlockSource}. */
export interface BlockSourceOptions {
  /** Per request (per batch over http(s)). */
  readonly timeoutMs: number;
  /**
   * Most requests in one JSON-RPC batch over http(s): requests made in the same tick are sent
   * together. Ignored over ws(s).
   */
  readonly batchSize: number;
}

/** A block source over JSON-RPC (http(s) or ws(s)) with viem. */
export function createBlockSource(rpcUrl: string, options: BlockSourceOptions): BlockSource {
  const transport = /^wss?:/.test(rpcUrl)
    ? webSocket(rpcUrl, { timeout: options.timeoutMs, retryCount: 0 })
    : http(rpcUrl, {
        timeout: options.timeoutMs,
        retryCount: 0,
        batch: options.batchSize > 1 ? { batchSize: options.batchSize, wait: 0 } : false,
      });
  // cacheTime 0: viem otherwise serves a cached block number while new blocks arrive.
  const client: PublicClient = createPublicClient({ transport, cacheTime: 0 });
  /** The block without its transactions, or null when the chain is not that high. */
  const header = (number: number) =>
    client.request({ method: 'eth_getBlockByNumber', params: [numberToHex(number), false] });
  return {
    async head() {
      return Number(await client.getBlockNumber({ cacheTime: 0 }));
    },
    async block(number) {
      // The raw block rather than viem's getBlock: its formatter converts every field of every
      // transaction, where the scanner reads a few fields and keeps few transactions.
      const raw = await client.request({ method: 'eth_getBlockByNumber', params: [numberToHex(number), true] });
      if (raw === null) throw new Error(`block ${number} not found`);
      return scannedBlock(raw, number);
    },
    async hashAt(number) {
      return (await header(number))?.hash ?? undefined;
    },
    async timeAt(number) {
      const raw = await header(number);
      return raw === null ? undefined : Number(raw.timestamp) * 1000;
    },
    async tokenTransfers(tokens, from, to) {
      if (tokens.length === 0) return [];
      const logs = await client.getLogs({
        address: tokens.map((t) => getAddress(t)),
        event: TRANSFER,
        fromBlock: BigInt(from),
        toBlock: BigInt(to),
      });
      return logs
        .filter((log) => log.args.to !== undefined && log.args.value !== undefined && log.blockHash !== null)
        .map((log) => ({
          token: getAddress(log.address),
          to: getAddress(log.args.to as string),
          value: log.args.value as bigint,
          txHash: log.transactionHash as string,
          logIndex: Number(log.logIndex),
          blockNumber: Number(log.blockNumber),
          blockHash: log.blockHash as string,
        }));
    },
  };
}

/**
 * The scanner's view of a JSON-RPC block read with full transactions: its place in the
 * chain and its native transfers, recipients lower-case.
 * @throws when the block is pending or was read without transaction objects
 */
export function scannedBlock(raw: RpcBlock, number: number): ScannedBlock {
  if (raw.hash === null || raw.number === null) throw new Error(`block ${number} is pending`);
  const transfers: NativeTransfer[] = [];
  for (const tx of raw.transactions as readonly (RpcTransaction | string)[]) {
    if (typeof tx === 'string') throw new Error(`block ${number} was read without its transactions`);
    if (tx.to === null || tx.to === undefined) continue;
    const value = tx.value ? BigInt(tx.value) : 0n;
    if (value > 0n) transfers.push({ hash: tx.hash, to: tx.to.toLowerCase(), value });
  }
  return {
    number: Number(raw.number),
    hash: raw.hash,
    parentHash: raw.parentHash,
    timeMs: Number(raw.timestamp) * 1000,
    transfers,
  };
}
