import { readFileSync } from 'node:fs';
import {
  type Abi,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  erc20Abi,
  type Hash,
  type Hex,
  type HttpTransport,
  http,
  numberToHex,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
} from 'viem';
import { type HDAccount, mnemonicToAccount } from 'viem/accounts';

/** Anvil's default mnemonic: its ten default accounts hold 10,000 ETH each on a new chain. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

let accounts: readonly HDAccount[] | undefined;

/**
 * Anvil's ten default funded accounts, derived from {@link ANVIL_MNEMONIC} on first use
 * (derivation takes a few hundred milliseconds, which tests without a chain should not pay).
 */
export function fundedAccounts(): readonly HDAccount[] {
  accounts ??= Array.from({ length: 10 }, (_, addressIndex) => mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex }));
  return accounts;
}

/** The committed TestToken artifact (`contracts/TestToken.json`, built by `scripts/compile-contracts.ts`). */
export interface TestTokenArtifact {
  readonly abi: Abi;
  readonly bytecode: Hex;
  readonly deployedBytecode: Hex;
  /** SHA-256 of the Solidity source it was compiled from. */
  readonly sourceSha256: string;
}

let artifact: TestTokenArtifact | undefined;

/** The TestToken artifact, read once. */
export function testTokenArtifact(): TestTokenArtifact {
  artifact ??= JSON.parse(
    readFileSync(new URL('../../../contracts/TestToken.json', import.meta.url), 'utf8'),
  ) as TestTokenArtifact;
  return artifact;
}

/** ERC-20 functions and events, with TestToken's custom errors so reverts are decoded by name. */
function tokenAbi(): Abi {
  return [...erc20Abi, ...testTokenArtifact().abi.filter((item) => item.type === 'error')];
}

/** A deployed TestToken. */
export interface DeployedToken {
  readonly address: Address;
  readonly name: string;
  readonly symbol: string;
  readonly decimals: number;
  /** Receipt of the deployment transaction. */
  readonly receipt: TransactionReceipt;
}

/** Options of {@link TestChain.deployTestToken}. */
export interface DeployTokenOptions {
  /** @defaultValue `Test USD` */
  readonly name?: string;
  /** @defaultValue `TUSD` */
  readonly symbol?: string;
  /** @defaultValue 6 */
  readonly decimals?: number;
  /** Tokens (in base units) minted to each funded account right after deployment. @defaultValue none */
  readonly mintToEach?: bigint;
}

/** A transaction that {@link TestChain.reorg} puts into one of the replacement blocks. */
export interface ReorgTransaction {
  /** Signed by anvil with this (unlocked) account. @defaultValue the first funded account */
  readonly from?: Address;
  readonly to: Address;
  readonly value?: bigint;
  readonly data?: Hex;
  /** Index of the replacement block, 0 (just above the common ancestor) to depth − 1. @defaultValue 0 */
  readonly block?: number;
}

/** Who signs a helper's transaction: a funded account, by index or as an account. */
export type Sender = number | HDAccount;

/** Clients and helpers for one anvil chain; every send waits for its receipt. */
export interface TestChain {
  readonly url: string;
  readonly chain: Chain;
  /** Reads without a cache (`cacheTime: 0`): block numbers never lag behind the node. */
  readonly publicClient: PublicClient<HttpTransport, Chain>;
  /** Signs as the first funded account (which deploys and mints tokens). */
  readonly walletClient: WalletClient<HttpTransport, Chain, HDAccount>;
  readonly accounts: readonly HDAccount[];
  /** A wallet client that signs as another funded account. */
  wallet(sender: Sender): WalletClient<HttpTransport, Chain, HDAccount>;
  /** Deploys a TestToken from the first funded account. */
  deployTestToken(options?: DeployTokenOptions): Promise<DeployedToken>;
  /** Mints tokens (deployer only). */
  mintToken(token: Address, to: Address, amount: bigint): Promise<TransactionReceipt>;
  /** Sends ether (amount in wei). */
  sendNative(to: Address, amount: bigint, options?: { from?: Sender }): Promise<TransactionReceipt>;
  /** Transfers tokens (amount in base units). */
  transferToken(token: Address, to: Address, amount: bigint, options?: { from?: Sender }): Promise<TransactionReceipt>;
  tokenBalance(token: Address, owner: Address): Promise<bigint>;
  blockNumber(): Promise<bigint>;
  /** Mines `blocks` empty blocks (`anvil_mine`); returns the new head's number. */
  mine(blocks?: number): Promise<bigint>;
  /**
   * Replaces the last `depth` blocks with new ones at the same heights (`anvil_reorg`): their
   * transactions are dropped unless sent again, and `txs` go into the new blocks. The head
   * keeps its number and gets a new hash.
   */
  reorg(depth: number, txs?: readonly ReorgTransaction[]): Promise<void>;
  /** Snapshots the chain (`evm_snapshot`); returns the id for {@link TestChain.revert}. */
  snapshot(): Promise<Hex>;
  /** Returns to a snapshot (`evm_revert`), dropping every later block; false when the id is unknown. */
  revert(id: Hex): Promise<boolean>;
}

/** Clients and helpers for the anvil chain at `url` (chain id 31337 unless given). */
export function testChain(url: string, options: { chainId?: number } = {}): TestChain {
  const chain = defineChain({
    id: options.chainId ?? 31337,
    name: 'anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  // No retries: the node is local, and a test that stops it wants to see the failure at once.
  const transport = http(url, { retryCount: 0 });
  const publicClient = createPublicClient({ chain, transport, cacheTime: 0, pollingInterval: 50 });
  const funded = fundedAccounts();
  const wallets = new Map<Address, WalletClient<HttpTransport, Chain, HDAccount>>();
  const wallet = (sender: Sender) => {
    const account = typeof sender === 'number' ? funded[sender] : sender;
    if (account === undefined) throw new Error(`there is no funded account ${String(sender)}`);
    let client = wallets.get(account.address);
    if (client === undefined) {
      client = createWalletClient({ chain, transport, account, cacheTime: 0, pollingInterval: 50 });
      wallets.set(account.address, client);
    }
    return client;
  };
  const deployer = wallet(0);

  const confirmed = async (hash: Hash): Promise<TransactionReceipt> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
    return receipt;
  };
  const request = <T>(method: string, params: unknown[]): Promise<T> =>
    // anvil_* and evm_* methods are not in viem's typed RPC schema.
    (publicClient.request as (args: { method: string; params: unknown[] }) => Promise<T>)({ method, params });

  const mintToken = async (token: Address, to: Address, amount: bigint) =>
    confirmed(
      await deployer.writeContract({
        address: token,
        abi: testTokenArtifact().abi,
        functionName: 'mint',
        args: [to, amount],
      }),
    );

  return {
    url,
    chain,
    publicClient,
    walletClient: deployer,
    accounts: funded,
    wallet,

    async deployTestToken(opts = {}) {
      const { abi, bytecode } = testTokenArtifact();
      const name = opts.name ?? 'Test USD';
      const symbol = opts.symbol ?? 'TUSD';
      const decimals = opts.decimals ?? 6;
      const receipt = await confirmed(await deployer.deployContract({ abi, bytecode, args: [name, symbol, decimals] }));
      const address = receipt.contractAddress;
      if (address == null) throw new Error('the deployment created no contract');
      if (opts.mintToEach !== undefined) {
        for (const account of funded) await mintToken(address, account.address, opts.mintToEach);
      }
      return { address, name, symbol, decimals, receipt };
    },

    mintToken,

    async sendNative(to, amount, opts = {}) {
      return confirmed(await wallet(opts.from ?? 0).sendTransaction({ to, value: amount }));
    },

    async transferToken(token, to, amount, opts = {}) {
      return confirmed(
        await wallet(opts.from ?? 0).writeContract({
          address: token,
          abi: tokenAbi(),
          functionName: 'transfer',
          args: [to, amount],
        }),
      );
    },

    tokenBalance: (token, owner) =>
      publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [owner] }),

    blockNumber: () => publicClient.getBlockNumber({ cacheTime: 0 }),

    async mine(blocks = 1) {
      await request('anvil_mine', [numberToHex(blocks)]);
      return publicClient.getBlockNumber({ cacheTime: 0 });
    },

    async reorg(depth, txs = []) {
      const pairs = txs.map((tx) => [
        {
          from: tx.from ?? funded[0]?.address,
          to: tx.to,
          ...(tx.value === undefined ? {} : { value: numberToHex(tx.value) }),
          ...(tx.data === undefined ? {} : { input: tx.data }),
        },
        tx.block ?? 0,
      ]);
      await request('anvil_reorg', [depth, pairs]);
    },

    snapshot: () => request<Hex>('evm_snapshot', []),
    revert: (id) => request<boolean>('evm_revert', [id]),
  };
}
