import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchingProducerClosedError } from '@payhook/kafka';
import { createLogger } from '@payhook/runtime';
import { persistentSink } from '../src/persistent-sink.ts';

const logger = createLogger({ name: 'test', level: 'silent' });

/** A sink that fails its first `failures` sends with `error`, then takes them; counts calls. */
function flakySink(failures: number, error: Error = new Error('broker unavailable')) {
  const sink = {
    calls: 0,
    async send() {
      sink.calls++;
      if (sink.calls <= failures) throw error;
      return 'acknowledged';
    },
  };
  return sink;
}

describe('persistent sink', () => {
  it('tries a failed write again until the broker takes it', async () => {
    const inner = flakySink(3);
    const sink = persistentSink(inner, { signal: new AbortController().signal, logger, firstDelayMs: 1 });
    assert.equal(await sink.send('t', { value: null }), 'acknowledged');
    assert.equal(inner.calls, 4);
  });

  it('gives up with the last error once the shutdown deadline aborts', async () => {
    const inner = flakySink(Number.POSITIVE_INFINITY);
    const shutdown = new AbortController();
    const sink = persistentSink(inner, { signal: shutdown.signal, logger, firstDelayMs: 5 });
    const sent = sink.send('t', { value: null });
    setTimeout(() => shutdown.abort(), 30);
    await assert.rejects(sent, /broker unavailable/);
    const calls = inner.calls;
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(inner.calls, calls, 'no write after giving up');
  });

  it('does not try again a write refused because the producer is closed', async () => {
    const inner = flakySink(1, new BatchingProducerClosedError());
    const sink = persistentSink(inner, { signal: new AbortController().signal, logger, firstDelayMs: 1 });
    await assert.rejects(sink.send('t', { value: null }), BatchingProducerClosedError);
    assert.equal(inner.calls, 1);
  });
});
