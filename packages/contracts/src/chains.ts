/** What the pipeline knows about one EVM chain. */
export interface ChainInfo {
  /** EIP-155 chain id. */
  readonly id: number;
  /** Display name. */
  readonly name: string;
  /** Symbol of the chain's native coin. */
  readonly nativeSymbol: string;
  /** Decimals of the native coin's base unit (18: wei). */
  readonly nativeDecimals: number;
  /**
   * Blocks on top of a funding transaction before a payment counts as confirmed, unless the
   * payment sets its own. Chosen per chain from its block time and reorg history: about the
   * same few minutes of safety everywhere, more on chains known for deep reorgs.
   */
  readonly defaultConfirmations: number;
  /** Whether the chain's coins have no value (testnets and local development chains). */
  readonly testnet: boolean;
}

/**
 * The EVM chains payments can be made on, as data. L2 confirmation counts are higher than
 * Ethereum's because their blocks are far shorter; the counts guard against the sequencer's
 * own reorgs, not against L1 finality.
 */
export const Chain = {
  ETHEREUM: {
    id: 1,
    name: 'Ethereum',
    nativeSymbol: 'ETH',
    nativeDecimals: 18,
    defaultConfirmations: 12,
    testnet: false,
  },
  OPTIMISM: {
    id: 10,
    name: 'OP Mainnet',
    nativeSymbol: 'ETH',
    nativeDecimals: 18,
    defaultConfirmations: 30,
    testnet: false,
  },
  BNB: {
    id: 56,
    name: 'BNB Smart Chain',
    nativeSymbol: 'BNB',
    nativeDecimals: 18,
    defaultConfirmations: 15,
    testnet: false,
  },
  // Polygon PoS has seen reorgs dozens of blocks deep: wait about four minutes.
  POLYGON: {
    id: 137,
    name: 'Polygon PoS',
    nativeSymbol: 'POL',
    nativeDecimals: 18,
    defaultConfirmations: 128,
    testnet: false,
  },
  BASE: {
    id: 8453,
    name: 'Base',
    nativeSymbol: 'ETH',
    nativeDecimals: 18,
    defaultConfirmations: 30,
    testnet: false,
  },
  ARBITRUM: {
    id: 42161,
    name: 'Arbitrum One',
    nativeSymbol: 'ETH',
    nativeDecimals: 18,
    defaultConfirmations: 40,
    testnet: false,
  },
  SEPOLIA: {
    id: 11155111,
    name: 'Sepolia',
    nativeSymbol: 'ETH',
    nativeDecimals: 18,
    defaultConfirmations: 3,
    testnet: true,
  },
  /** The local development chain (anvil, hardhat): blocks are mined on demand. */
  ANVIL: {
    id: 31337,
    name: 'Anvil (local)',
    nativeSymbol: 'ETH',
    nativeDecimals: 18,
    defaultConfirmations: 1,
    testnet: true,
  },
} as const satisfies Record<string, ChainInfo>;
export type ChainKey = keyof typeof Chain;
/** The id of a known chain. */
export type KnownChainId = (typeof Chain)[ChainKey]['id'];

/** Every known chain, ordered by id. */
export const KNOWN_CHAINS: readonly ChainInfo[] = Object.values(Chain).sort((a, b) => a.id - b.id);

const BY_ID: ReadonlyMap<number, ChainInfo> = new Map(KNOWN_CHAINS.map((chain) => [chain.id, chain]));

/** The known chain with this EIP-155 id, or `undefined`. */
export function chainById(id: number): ChainInfo | undefined {
  return BY_ID.get(id);
}
