import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Chain,
  chainById,
  DEFAULT_EVENT_TYPES,
  EVENT_TYPE_BY_STATUS,
  EVENT_TYPES,
  EventType,
  eventTypeOf,
  isEventType,
  KNOWN_CHAINS,
  loadSchemas,
  type PaymentStatus,
} from '@payhook/contracts';
import { anvil, arbitrum, base, bsc, mainnet, optimism, polygon, sepolia } from 'viem/chains';

describe('known chains', () => {
  it('each chain has a unique id, is found by it, and has sane defaults', () => {
    const ids = KNOWN_CHAINS.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
    assert.equal(KNOWN_CHAINS.length, Object.keys(Chain).length);
    for (const chain of KNOWN_CHAINS) {
      assert.equal(chainById(chain.id), chain);
      assert.ok(Number.isInteger(chain.defaultConfirmations) && chain.defaultConfirmations >= 1, chain.name);
    }
    assert.equal(chainById(5), undefined);
    assert.equal(chainById(Number.NaN), undefined);
  });

  it('the confirmation defaults follow each chain: deep on Polygon, one on the local chain', () => {
    assert.equal(chainById(1)?.defaultConfirmations, 12);
    assert.ok((chainById(137)?.defaultConfirmations ?? 0) >= 100);
    assert.equal(chainById(31337)?.defaultConfirmations, 1);
    assert.deepEqual(
      KNOWN_CHAINS.filter((c) => c.testnet).map((c) => c.id),
      [31337, 11155111],
    );
  });

  it("native coins agree with viem's chain definitions", () => {
    for (const definition of [mainnet, optimism, bsc, polygon, base, arbitrum, sepolia, anvil]) {
      const chain = chainById(definition.id);
      assert.ok(chain, `${definition.name} is known`);
      assert.equal(chain.nativeSymbol, definition.nativeCurrency.symbol, definition.name);
      assert.equal(chain.nativeDecimals, definition.nativeCurrency.decimals, definition.name);
    }
  });
});

describe('webhook event types', () => {
  const statuses = (() => {
    const event = loadSchemas().PAYMENT_EVENT as { fields: { name: string; type: { symbols?: string[] } }[] };
    return event.fields.find((f) => f.name === 'status')?.type.symbols as PaymentStatus[];
  })();

  it('every payment status of the schema maps to an event type, PENDING to none', () => {
    assert.deepEqual(Object.keys(EVENT_TYPE_BY_STATUS).sort(), [...statuses].sort());
    for (const status of statuses) {
      const type = eventTypeOf(status);
      if (status === 'PENDING') assert.equal(type, null);
      else assert.equal(type, `payment.${status.toLowerCase()}`);
    }
  });

  it('every event type is announced by exactly one status', () => {
    const produced = statuses.map(eventTypeOf).filter((t) => t !== null);
    assert.deepEqual([...produced].sort(), [...EVENT_TYPES].sort());
    assert.equal(new Set(produced).size, produced.length);
  });

  it('endpoints subscribe to confirmed payments by default; strings are checked against the list', () => {
    assert.deepEqual(DEFAULT_EVENT_TYPES, [EventType.CONFIRMED]);
    assert.equal(EventType.CONFIRMED, 'payment.confirmed');
    assert.ok(isEventType('payment.reorged'));
    assert.ok(!isEventType('payment.refunded'));
    assert.ok(!isEventType('PAYMENT.CONFIRMED'));
  });
});
