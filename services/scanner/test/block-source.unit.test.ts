import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RpcBlock, RpcTransaction } from 'viem';
import { scannedBlock } from '../src/block-source.ts';

const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as const;
const tx = (n: number, to: string | null, value: string) =>
  ({
    hash: hash(1000 + n),
    to,
    value,
    from: '0x0000000000000000000000000000000000000001',
  }) as unknown as RpcTransaction;
const block = (transactions: RpcBlock['transactions'], fields: Partial<RpcBlock> = {}) =>
  ({
    number: '0x2a',
    hash: hash(42),
    parentHash: hash(41),
    timestamp: '0x64',
    transactions,
    ...fields,
  }) as RpcBlock;

describe('scannedBlock', () => {
  it('keeps transactions with a recipient and a value, in order, recipients in lower case', () => {
    const recipient = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
    const scanned = scannedBlock(
      block([
        tx(1, recipient, '0x3e8'),
        tx(2, null, '0x1'),
        tx(3, '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', '0x0'),
        tx(4, '0x90F79bf6EB2c4f870365E785982E1f101E93b906', '0x1'),
      ]),
      42,
    );
    assert.deepEqual(scanned, {
      number: 42,
      hash: hash(42),
      parentHash: hash(41),
      timeMs: 100_000,
      transfers: [
        { hash: hash(1001), to: recipient.toLowerCase(), value: 1000n },
        { hash: hash(1004), to: '0x90f79bf6eb2c4f870365e785982e1f101e93b906', value: 1n },
      ],
    });
  });

  it('refuses a pending block and one read without its transactions', () => {
    assert.throws(() => scannedBlock(block([], { hash: null }), 42), /pending/);
    assert.throws(() => scannedBlock(block([hash(7)]), 42), /without its transactions/);
  });
});
