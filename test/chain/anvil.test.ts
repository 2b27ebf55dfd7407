// The local chain the scanner is tested against: a real anvil of its own (free port, own
// folder, so the dev stack's chain is left alone), the committed TestToken, and the chain
// behaviour the scanner depends on: logs, block numbers, reorgs, outages.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ANVIL_CHAIN_ID, type AnvilNode, rpcChainId, startAnvil } from '@payhook/devstack';
import { type TestChain, testChain, testTokenArtifact } from '@payhook/testkit';
import { type Address, erc20Abi, getAbiItem, parseEther, parseUnits } from 'viem';

const transferEvent = getAbiItem({ abi: erc20Abi, name: 'Transfer' });

describe('the local chain (anvil)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'payhook-anvil-'));
  let node: AnvilNode;
  let chain: TestChain;
  let alice: Address;
  let bob: Address;
  let carol: Address;

  before(async () => {
    node = await startAnvil({ stateDir: dir });
    chain = testChain(node.url);
    [alice, bob, carol] = chain.accounts.slice(0, 3).map((a) => a.address) as [Address, Address, Address];
  });

  after(async () => {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers eth_chainId with 31337 and funds the ten default accounts', async () => {
    assert.equal(await rpcChainId(node.url), ANVIL_CHAIN_ID);
    assert.equal(await chain.publicClient.getChainId(), 31337);
    assert.equal(chain.accounts.length, 10);
    const balances = await Promise.all(chain.accounts.map((a) => chain.publicClient.getBalance(a)));
    assert.equal(balances.filter((b) => b >= parseEther('1000')).length, 10);
    assert.ok(node.pid !== undefined && node.pid > 0);
  });

  it('ships a TestToken artifact built from the committed source', () => {
    const source = readFileSync(new URL('../../contracts/TestToken.sol', import.meta.url));
    const artifact = testTokenArtifact();
    assert.equal(artifact.sourceSha256, createHash('sha256').update(source).digest('hex'));
    assert.match(artifact.bytecode, /^0x[0-9a-f]{200,}$/);
  });

  it('deploys the token with its constructor settings; a transfer is one Transfer log', async () => {
    const token = await chain.deployTestToken({ name: 'Test Euro', symbol: 'TEUR', decimals: 2 });
    const read = (functionName: 'name' | 'symbol' | 'decimals' | 'totalSupply') =>
      chain.publicClient.readContract({ address: token.address, abi: erc20Abi, functionName });
    assert.deepEqual(await Promise.all([read('name'), read('symbol'), read('decimals')]), ['Test Euro', 'TEUR', 2]);

    await chain.mintToken(token.address, alice, parseUnits('1000', 2));
    const receipt = await chain.transferToken(token.address, bob, parseUnits('12.34', 2));
    const logs = await chain.publicClient.getLogs({
      address: token.address,
      event: transferEvent,
      fromBlock: token.receipt.blockNumber,
      toBlock: receipt.blockNumber,
    });
    assert.deepEqual(
      logs.map((l) => [l.args.from, l.args.to, l.args.value]),
      [
        ['0x0000000000000000000000000000000000000000', alice, 100_000n],
        [alice, bob, 1_234n],
      ],
    );
    assert.equal(logs[1]?.transactionHash, receipt.transactionHash);
    assert.equal(logs[1]?.blockHash, receipt.blockHash);
    assert.equal(await chain.tokenBalance(token.address, alice), 98_766n);
    assert.equal(await chain.tokenBalance(token.address, bob), 1_234n);
    assert.equal(await read('totalSupply'), 100_000n);
  });

  it('spends allowances with transferFrom and refuses overdrafts and foreign mints', async () => {
    const token = await chain.deployTestToken({ mintToEach: 500n });
    const approve = await chain.walletClient.writeContract({
      address: token.address,
      abi: erc20Abi,
      functionName: 'approve',
      args: [carol, 300n],
    });
    await chain.publicClient.waitForTransactionReceipt({ hash: approve });
    const spend = await chain.wallet(2).writeContract({
      address: token.address,
      abi: erc20Abi,
      functionName: 'transferFrom',
      args: [alice, bob, 200n],
    });
    await chain.publicClient.waitForTransactionReceipt({ hash: spend });
    const allowance = await chain.publicClient.readContract({
      address: token.address,
      abi: erc20Abi,
      functionName: 'allowance',
      args: [alice, carol],
    });
    assert.equal(allowance, 100n);
    assert.equal(await chain.tokenBalance(token.address, alice), 300n);
    assert.equal(await chain.tokenBalance(token.address, bob), 700n);

    await assert.rejects(chain.transferToken(token.address, carol, 301n), /InsufficientBalance/);
    await assert.rejects(
      chain.wallet(1).writeContract({
        address: token.address,
        abi: testTokenArtifact().abi,
        functionName: 'mint',
        args: [bob, 1n],
      }),
      /NotMinter/,
    );
    assert.equal(await chain.tokenBalance(token.address, bob), 700n);
  });

  it('mines N empty blocks on request, and no block without a transaction otherwise', async () => {
    const start = await chain.blockNumber();
    assert.equal(await chain.mine(5), start + 5n);
    assert.equal(await chain.blockNumber(), start + 5n);
    const blocks = await Promise.all(
      [1n, 2n, 3n, 4n, 5n].map((i) => chain.publicClient.getBlock({ blockNumber: start + i })),
    );
    assert.equal(blocks.filter((b) => b.transactions.length === 0).length, 5);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(await chain.blockNumber(), start + 5n);
  });

  it("shows a native transfer in its block's transactions", async () => {
    const receipt = await chain.sendNative(carol, parseEther('1.5'), { from: 1 });
    const block = await chain.publicClient.getBlock({ blockNumber: receipt.blockNumber, includeTransactions: true });
    assert.equal(block.hash, receipt.blockHash);
    assert.deepEqual(
      block.transactions.map((tx) => [tx.hash, tx.from.toLowerCase(), tx.to?.toLowerCase(), tx.value]),
      [[receipt.transactionHash, bob.toLowerCase(), carol.toLowerCase(), parseEther('1.5')]],
    );
  });

  it('replaces the last blocks on a reorg: same height, new hashes, dropped transactions', async () => {
    const sent = await chain.sendNative(bob, 1_000n);
    await chain.mine(2);
    const head = await chain.blockNumber();
    const heights = [head - 3n, head - 2n, head - 1n, head];
    const hashesBefore = await Promise.all(
      heights.map(async (n) => (await chain.publicClient.getBlock({ blockNumber: n })).hash),
    );
    assert.equal(sent.blockNumber, head - 2n);

    await chain.reorg(3, [{ to: carol, value: 7n, block: 1 }]);

    assert.equal(await chain.blockNumber(), head);
    const after = await Promise.all(heights.map((n) => chain.publicClient.getBlock({ blockNumber: n })));
    const hashesAfter = after.map((b) => b.hash);
    assert.equal(hashesAfter[0], hashesBefore[0], 'the common ancestor stays');
    assert.equal(hashesAfter.slice(1).filter((h, i) => h !== hashesBefore[i + 1]).length, 3);
    assert.deepEqual(
      after.map((b) => b.transactions.length),
      [1, 0, 1, 0],
    );
    await assert.rejects(
      chain.publicClient.getTransactionReceipt({ hash: sent.transactionHash }),
      /could not be found/,
    );
    const replacement = await chain.publicClient.getBlock({ blockNumber: head - 1n, includeTransactions: true });
    assert.deepEqual(
      replacement.transactions.map((tx) => [tx.to?.toLowerCase(), tx.value]),
      [[carol.toLowerCase(), 7n]],
    );
    assert.equal(after[1]?.parentHash, hashesBefore[0]);

    // The chain goes on from the new head, and the reorged-out sender's nonce is reusable.
    const next = await chain.sendNative(bob, 1n);
    assert.equal(next.blockNumber, head + 1n);
  });

  it('returns to a snapshot, dropping the blocks after it', async () => {
    const id = await chain.snapshot();
    const head = await chain.blockNumber();
    await chain.mine(3);
    assert.equal(await chain.blockNumber(), head + 3n);
    assert.equal(await chain.revert(id), true);
    assert.equal(await chain.blockNumber(), head);
  });

  it('refuses connections while stopped, and resumes the same chain when started again', async () => {
    const head = await chain.publicClient.getBlock();
    await node.stop();
    assert.equal(node.pid, undefined);
    assert.equal(await rpcChainId(node.url), undefined);
    await assert.rejects(chain.publicClient.getBlockNumber(), /HTTP request failed|fetch failed/);
    await node.stop(); // a second stop is a no-op

    await node.start();
    assert.ok(node.pid !== undefined);
    assert.equal(await rpcChainId(node.url), ANVIL_CHAIN_ID);
    const resumed = await chain.publicClient.getBlock({ blockNumber: head.number });
    assert.equal(resumed.hash, head.hash);
    const receipt = await chain.sendNative(carol, 1n);
    assert.equal(receipt.blockNumber, head.number + 1n);
    // Past states survive the restart, so a reorg still reaches behind it.
    await chain.reorg(2);
    assert.equal(await chain.blockNumber(), head.number + 1n);
    assert.notEqual((await chain.publicClient.getBlock({ blockNumber: head.number })).hash, head.hash);
  });
});
