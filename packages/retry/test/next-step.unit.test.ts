import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RETRY_TIERS, parseRetryTiers } from '@payhook/contracts';
import { holdStep, maxAttempts, nextStep, RetryOptionError, type RetryStep, tierCapMs } from '@payhook/retry';

const failedAtMs = 1_700_000_000_000;
const noJitter = { jitter: 0 } as const;

function retry(step: RetryStep) {
  assert.equal(step.kind, 'retry');
  return step;
}

describe('nextStep tier progression', () => {
  it('walks every default tier in order and then dead-letters', () => {
    const seen: string[] = [];
    let attempt = 1;
    for (;;) {
      const step = nextStep({ tiers: DEFAULT_RETRY_TIERS, attempt, failedAtMs, ...noJitter });
      if (step.kind === 'dead-letter') {
        assert.deepEqual(step, { kind: 'dead-letter', reason: 'retries_exhausted' });
        break;
      }
      const tier = DEFAULT_RETRY_TIERS[attempt - 1];
      assert.ok(tier !== undefined);
      assert.deepEqual(step.tier, tier);
      assert.equal(step.tierIndex, attempt - 1);
      assert.equal(step.topic, `webhooks.retry.${tier.label}`);
      assert.equal(step.dueAtMs, failedAtMs + tier.delayMs);
      seen.push(step.tier.label);
      attempt += 1;
    }
    assert.deepEqual(seen, ['5s', '1m', '10m', '1h', '6h', '24h']);
    assert.equal(attempt, maxAttempts(DEFAULT_RETRY_TIERS));
  });

  it('sends the first failed attempt to the first tier', () => {
    const step = retry(nextStep({ tiers: DEFAULT_RETRY_TIERS, attempt: 1, failedAtMs, ...noJitter }));
    assert.equal(step.tier.label, '5s');
    assert.equal(step.dueAtMs, failedAtMs + 5_000);
  });

  it('repeats the last tier as many extra times as asked', () => {
    const tiers = parseRetryTiers('1s,1m');
    const labels = [1, 2, 3, 4].map((attempt) => {
      const step = nextStep({ tiers, attempt, failedAtMs, lastTierRepeats: 2, ...noJitter });
      return step.kind === 'retry' ? step.tier.label : step.kind;
    });
    assert.deepEqual(labels, ['1s', '1m', '1m', '1m']);
    assert.equal(nextStep({ tiers, attempt: 5, failedAtMs, lastTierRepeats: 2 }).kind, 'dead-letter');
    assert.equal(maxAttempts(tiers, 2), 5);
  });

  it('dead-letters straight away with a single tier already used', () => {
    const tiers = parseRetryTiers('30s');
    assert.equal(nextStep({ tiers, attempt: 1, failedAtMs, ...noJitter }).kind, 'retry');
    assert.equal(nextStep({ tiers, attempt: 2, failedAtMs, ...noJitter }).kind, 'dead-letter');
  });
});

describe('nextStep jitter', () => {
  const tiers = parseRetryTiers('10s');

  it('adds delay in proportion to the random draw, never less than the tier delay', () => {
    const due = (random: number) =>
      retry(nextStep({ tiers, attempt: 1, failedAtMs, jitter: 0.2, random: () => random })).dueAtMs - failedAtMs;
    assert.equal(due(0), 10_000);
    assert.equal(due(0.5), 11_000);
    assert.equal(due(0.999_999), 12_000);
    for (let r = 0; r < 1; r += 0.01) {
      const delay = due(r);
      assert.ok(delay >= 10_000 && delay <= 12_000, `delay ${delay} for draw ${r}`);
    }
  });

  it('applies the default jitter of 10% with the injected random source', () => {
    const step = retry(nextStep({ tiers, attempt: 1, failedAtMs, random: () => 0.5 }));
    assert.equal(step.dueAtMs, failedAtMs + 10_500);
  });

  it('rounds fractional delays up, so jitter never makes a retry early', () => {
    const odd = [{ label: 'odd', delayMs: 1_000.4 }];
    const step = retry(nextStep({ tiers: odd, attempt: 1, failedAtMs, jitter: 0 }));
    assert.equal(step.dueAtMs, failedAtMs + 1_001);
  });

  it('does not draw a random number when jitter is zero', () => {
    const random = () => assert.fail('random must not be called');
    assert.doesNotThrow(() => nextStep({ tiers, attempt: 1, failedAtMs, jitter: 0, random }));
  });
});

describe('nextStep Retry-After', () => {
  const tiers = parseRetryTiers('5s,1m,10m');

  it('moves a longer wait to the first tier that covers it, due at the time asked for', () => {
    const step = retry(nextStep({ tiers, attempt: 1, failedAtMs, retryAfterMs: 40_000, ...noJitter }));
    assert.equal(step.tier.label, '1m');
    assert.equal(step.dueAtMs, failedAtMs + 40_000);
  });

  it('caps a wait beyond the last tier at that tier, so no record is due later than its tier allows', () => {
    const step = retry(
      nextStep({ tiers, attempt: 1, failedAtMs, retryAfterMs: 86_400_000, jitter: 0.1, random: () => 0.5 }),
    );
    assert.equal(step.tier.label, '10m');
    assert.equal(step.dueAtMs, failedAtMs + 630_000);
  });

  it('keeps the attempt in its own tier when the wait fits, and never pulls it earlier than that tier', () => {
    const step = retry(
      nextStep({ tiers, attempt: 2, failedAtMs, retryAfterMs: 1_000, jitter: 0.5, random: () => 0.5 }),
    );
    assert.equal(step.tier.label, '1m');
    assert.equal(step.dueAtMs, failedAtMs + 75_000);
    const zero = retry(nextStep({ tiers, attempt: 1, failedAtMs, retryAfterMs: 0, ...noJitter }));
    assert.equal(zero.dueAtMs, failedAtMs + 5_000);
    const withinJitter = retry(nextStep({ tiers, attempt: 1, failedAtMs, retryAfterMs: 5_400, jitter: 0.1 }));
    assert.equal(withinJitter.tier.label, '5s', 'a wait within the tier and its jitter stays there');
  });

  it('ignores a null Retry-After and still dead-letters when the tiers are spent', () => {
    assert.equal(
      retry(nextStep({ tiers, attempt: 1, failedAtMs, retryAfterMs: null, ...noJitter })).dueAtMs,
      failedAtMs + 5_000,
    );
    assert.equal(nextStep({ tiers, attempt: 4, failedAtMs, retryAfterMs: 10_000 }).kind, 'dead-letter');
  });

  it('holds the invariant: due no later than the decision time plus the tier cap, for any wait', () => {
    for (const jitter of [0, 0.1, 0.5]) {
      for (const retryAfterMs of [0, 1, 4_999, 5_000, 5_501, 59_999, 66_001, 3_600_000, 1e12]) {
        for (const attempt of [1, 2, 3]) {
          const step = retry(nextStep({ tiers, attempt, failedAtMs, retryAfterMs, jitter, random: () => 0.999 }));
          assert.ok(
            step.dueAtMs - failedAtMs <= tierCapMs(step.tier, jitter),
            `${retryAfterMs} ms at attempt ${attempt}, jitter ${jitter}: due ${step.dueAtMs - failedAtMs} in ${step.tier.label}`,
          );
          assert.ok(step.tierIndex >= attempt - 1, "never an earlier tier than the attempt's own");
        }
      }
    }
  });
});

describe('holdStep: waiting without a request', () => {
  const tiers = parseRetryTiers('1s,2s,4s');

  it('places the wait in the first tier that covers it, from the first tier on', () => {
    const at = (waitMs: number) => retry(holdStep({ tiers, failedAtMs, waitMs, ...noJitter }));
    assert.deepEqual(
      [at(0), at(900), at(1_500), at(3_000)].map((s) => s.tier.label),
      ['1s', '1s', '2s', '4s'],
    );
    assert.equal(at(3_000).dueAtMs, failedAtMs + 3_000);
    const capped = at(25_000);
    assert.equal(capped.tier.label, '4s');
    assert.equal(capped.dueAtMs, failedAtMs + 4_000, 'the rest of a long wait is taken again from the last tier');
  });

  it('spreads records held together over the jitter, within the tier cap', () => {
    const due = (random: number) =>
      retry(holdStep({ tiers, failedAtMs, waitMs: 1_800, jitter: 0.1, random: () => random })).dueAtMs - failedAtMs;
    assert.equal(due(0), 1_800);
    assert.equal(due(0.5), 1_890);
    assert.ok(due(0.999) <= tierCapMs({ label: '2s', delayMs: 2_000 }, 0.1));
  });

  it('never dead-letters for waiting, only past the maximum age', () => {
    const young = holdStep({ tiers, failedAtMs, waitMs: 1e9, firstSeenAtMs: failedAtMs - 1_000, maxAgeMs: 60_000 });
    assert.equal(young.kind, 'retry');
    const old = holdStep({ tiers, failedAtMs, waitMs: 10, firstSeenAtMs: failedAtMs - 60_000, maxAgeMs: 60_000 });
    assert.deepEqual(old, { kind: 'dead-letter', reason: 'max_age_exceeded' });
  });
});

describe('nextStep maximum age', () => {
  const tiers = parseRetryTiers('1s,2s');

  it('dead-letters a failed attempt past the maximum age, even with tiers left', () => {
    const step = nextStep({ tiers, attempt: 1, failedAtMs, firstSeenAtMs: failedAtMs - 5_000, maxAgeMs: 5_000 });
    assert.deepEqual(step, { kind: 'dead-letter', reason: 'max_age_exceeded' });
    assert.equal(
      nextStep({ tiers, attempt: 1, failedAtMs, firstSeenAtMs: failedAtMs - 4_999, maxAgeMs: 5_000 }).kind,
      'retry',
    );
  });

  it('reports spent attempts before age', () => {
    const step = nextStep({ tiers, attempt: 3, failedAtMs, firstSeenAtMs: 0, maxAgeMs: 1 });
    assert.deepEqual(step, { kind: 'dead-letter', reason: 'retries_exhausted' });
  });
});

describe('nextStep input checks', () => {
  const tiers = DEFAULT_RETRY_TIERS;
  const rejects = (option: string, input: Partial<Parameters<typeof nextStep>[0]>) =>
    assert.throws(
      () => nextStep({ tiers, attempt: 1, failedAtMs, ...input }),
      (e: unknown) => e instanceof RetryOptionError && e.option === option && e.code === 'PAYHOOK_RETRY_INVALID_OPTION',
    );

  it('rejects out-of-range inputs, naming the option', () => {
    rejects('tiers', { tiers: [] });
    rejects('attempt', { attempt: 0 });
    rejects('attempt', { attempt: 1.5 });
    rejects('failedAtMs', { failedAtMs: Number.NaN });
    rejects('jitter', { jitter: -0.1 });
    rejects('jitter', { jitter: 1.5 });
    rejects('lastTierRepeats', { lastTierRepeats: -1 });
    rejects('retryAfterMs', { retryAfterMs: -5 });
    rejects('random', { random: () => 1 });
    rejects('random', { random: () => Number.NaN });
    rejects('maxAgeMs', { maxAgeMs: 0 });
    rejects('firstSeenAtMs', { firstSeenAtMs: -1 });
  });
});
