import { createPublicClient, getAddress, http, type PublicClient, parseAbiItem, webSocket } from 'viem';

/** A block as the scanner needs it: its place in the chain and its native transfers. */
export interface ScannedBlock {
  readonly number: number;
  readonly hash: string;
  readonly parentHash: string;
  readonly timeMs: number;
  /** Transactions with a recipient and a non-zero value. */
  readonly transfers: readonly { readonly hash: string; readonly to: string; readonly value: bigint }[];
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
  /** Transfer logs of these tokens in the block range (inclusive). */
  tokenTransfers(tokens: readonly string[], from: number, to: number): Promise<TokenTransfer[]>;
}

const TRANSFER = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)');

/** A block source over JSON-RPC (http(s) or ws(s)) with viem. */
export function createBlockSource(rpcUrl: string, options: { timeoutMs: number }): BlockSource {
  const transport = /^wss?:/.test(rpcUrl)
    ? webSocket(rpcUrl, { timeout: options.timeoutMs, retryCount: 0 })
    : http(rpcUrl, { timeout: options.timeoutMs, retryCount: 0, batch: { batchSize: 50, wait: 0 } });
  // cacheTime 0: viem otherwise serves a cached block number while new blocks arrive.
  const client: PublicClient = createPublicClient({ transport, cacheTime: 0 });
  return {
    async head() {
      return Number(await client.getBlockNumber({ cacheTime: 0 }));
    },
    async block(number) {
      const block = await client.getBlock({ blockNumber: BigInt(number), includeTransactions: true });
      if (block.hash === null || block.number === null) throw new Error(`block ${number} is pending`);
      return {
        number: Number(block.number),
        hash: block.hash,
        parentHash: block.parentHash,
        timeMs: Number(block.timestamp) * 1000,
        transfers: block.transactions
          .filter((tx) => tx.to !== null && tx.value > 0n)
          .map((tx) => ({ hash: tx.hash, to: getAddress(tx.to as string), value: tx.value })),
      };
    },
    async hashAt(number) {
      const block = await client.getBlock({ blockNumber: BigInt(number) }).catch((error: unknown) => {
        if ((error as { name?: string }).name === 'BlockNotFoundError') return undefined;
        throw error;
      });
      return block?.hash ?? undefined;
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
