import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRetryTiers } from '@payhook/contracts';
import { configWarnings } from '../src/config-warnings.ts';

const base = {
  tiers: parseRetryTiers('5s,1m,10m,1h,6h,24h'),
  lastTierRepeats: 0,
  jitter: 0.1,
  maxDeliveryAgeMs: 3 * 86_400_000,
  breakerCoolDownMs: 30_000,
  maxRetryAfterMs: 3_600_000,
};

describe('dispatcher configuration warnings', () => {
  it('says nothing for the defaults', () => {
    assert.deepEqual(configWarnings(base), []);
  });

  it('warns when the maximum age ends deliveries before their retries are spent', () => {
    const [warning, ...rest] = configWarnings({ ...base, maxDeliveryAgeMs: 86_400_000 });
    assert.equal(rest.length, 0);
    assert.equal(warning?.level, 'warn');
    assert.match(warning?.message ?? '', /DISPATCHER_MAX_DELIVERY_AGE .* max_age_exceeded/);
  });

  it('notes waits longer than the last tier, which held records pass through several times', () => {
    const warnings = configWarnings({ ...base, tiers: parseRetryTiers('1s,2s,4s') });
    assert.deepEqual(
      warnings.map((w) => [w.level, w.message.split(' ')[0]]),
      [
        ['info', 'DISPATCHER_BREAKER_COOLDOWN_MS'],
        ['info', 'DISPATCHER_MAX_RETRY_AFTER'],
      ],
    );
    assert.match(warnings[0]?.message ?? '', /about 8 times/);
  });
});
