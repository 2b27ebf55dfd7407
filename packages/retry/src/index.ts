export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitSnapshot,
  CircuitState,
  type CircuitStateChange,
  circuitBreakerDefaults,
} from './circuit-breaker.ts';
export {
  CircuitBreakerRegistry,
  type CircuitBreakerRegistryOptions,
  circuitBreakerRegistryDefaults,
} from './circuit-breaker-registry.ts';
export { RetryErrorCode, RetryOptionError } from './errors.ts';
export {
  type DeadLetterDecision,
  DeadLetterReason,
  type HoldStepInput,
  holdStep,
  maxAttempts,
  type NextStepInput,
  nextStep,
  nextStepDefaults,
  type RetryDecision,
  type RetryStep,
  tierCapMs,
} from './next-step.ts';
export { parseRetryAfter, type RetryAfterOptions, retryAfterDefaults } from './retry-after.ts';
export { burstOf, type RateLimit, TokenBucket } from './token-bucket.ts';
export {
  TokenBucketRegistry,
  type TokenBucketRegistryOptions,
  tokenBucketRegistryDefaults,
} from './token-bucket-registry.ts';
