import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreakerRegistry, CircuitState, type CircuitStateChange, RetryOptionError } from '@payhook/retry';
import { manualClock } from './manual-clock.ts';

describe('CircuitBreakerRegistry', () => {
  it('returns the same breaker for a key and separate breakers per key', () => {
    const registry = new CircuitBreakerRegistry({ clock: manualClock(), failureThreshold: 1 });
    assert.equal(registry.get('a'), registry.get('a'));
    registry.get('a').onFailure();
    assert.equal(registry.get('a').state, CircuitState.OPEN);
    assert.equal(registry.get('b').state, CircuitState.CLOSED);
    assert.equal(registry.size, 2);
  });

  it('reports state changes with the endpoint key', () => {
    const changes: CircuitStateChange[] = [];
    const registry = new CircuitBreakerRegistry({
      clock: manualClock(),
      failureThreshold: 1,
      onStateChange: (c) => changes.push(c),
    });
    registry.get('ep_9').onFailure();
    assert.deepEqual(
      changes.map((c) => [c.key, c.to]),
      [['ep_9', 'open']],
    );
  });

  it('drops closed breakers that sat idle, and keeps open ones', () => {
    const clock = manualClock();
    const registry = new CircuitBreakerRegistry({ clock, idleMs: 60_000, failureThreshold: 1, coolDownMs: 1_000_000 });
    registry.get('idle-closed');
    registry.get('idle-open').onFailure();
    clock.advance(30_000);
    registry.get('recent');
    clock.advance(30_000);
    assert.equal(registry.sweep(), 1);
    assert.equal(registry.peek('idle-closed'), undefined);
    assert.equal(registry.peek('idle-open')?.state, CircuitState.OPEN);
    assert.notEqual(registry.peek('recent'), undefined);
  });

  it('keeps a breaker that is used, however old it is', () => {
    const clock = manualClock();
    const registry = new CircuitBreakerRegistry({ clock, idleMs: 60_000 });
    for (let i = 0; i < 10; i++) {
      registry.get('busy');
      clock.advance(50_000);
    }
    registry.sweep();
    assert.notEqual(registry.peek('busy'), undefined);
  });

  it('sweeps by itself as breakers are used', () => {
    const clock = manualClock();
    const registry = new CircuitBreakerRegistry({ clock, idleMs: 60_000 });
    for (let i = 0; i < 100; i++) registry.get(`ep_${i}`);
    clock.advance(60_000);
    registry.get('new');
    assert.equal(registry.size, 1);
  });

  it('stays within maxBreakers, dropping the least recently used closed breaker first', () => {
    const clock = manualClock();
    const registry = new CircuitBreakerRegistry({ clock, maxBreakers: 3, failureThreshold: 1 });
    registry.get('open-oldest').onFailure();
    registry.get('closed-1');
    registry.get('closed-2');
    registry.get('closed-1');
    registry.get('new');
    assert.equal(registry.size, 3);
    assert.equal(registry.peek('closed-2'), undefined);
    assert.equal(registry.peek('open-oldest')?.state, CircuitState.OPEN);
  });

  it('drops the least recently used breaker when every one is open', () => {
    const registry = new CircuitBreakerRegistry({ clock: manualClock(), maxBreakers: 2, failureThreshold: 1 });
    registry.get('a').onFailure();
    registry.get('b').onFailure();
    registry.get('c');
    assert.equal(registry.size, 2);
    assert.equal(registry.peek('a'), undefined);
  });

  it('forgets a deleted endpoint', () => {
    const registry = new CircuitBreakerRegistry({ clock: manualClock(), failureThreshold: 1 });
    registry.get('gone').onFailure();
    assert.equal(registry.delete('gone'), true);
    assert.equal(registry.get('gone').state, CircuitState.CLOSED);
  });

  it('rejects bad options up front', () => {
    assert.throws(() => new CircuitBreakerRegistry({ maxBreakers: 0 }), RetryOptionError);
    assert.throws(() => new CircuitBreakerRegistry({ idleMs: -1 }), RetryOptionError);
    assert.throws(() => new CircuitBreakerRegistry({ failureThreshold: 0 }), RetryOptionError);
  });
});
