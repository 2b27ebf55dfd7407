export { activeSecrets, type EndpointSecret } from './active-secrets.ts';
export { secretsKeyEnv, secretsKeyRingOf } from './env.ts';
export {
  InvalidSecretError,
  NoSecretError,
  SealedSecretError,
  SecretProblem,
  SecretsKeyError,
  SigningErrorCode,
  SigningInputError,
} from './errors.ts';
export {
  isSealed,
  openSecret,
  readSecretsKeyRingFile,
  SEALED_PREFIX,
  type SecretsKey,
  SecretsKeyRing,
  sealSecrets,
} from './sealed-secrets.ts';
export {
  formatSecret,
  type GenerateSecretOptions,
  generateSecret,
  generateSecretDefaults,
  MAX_SECRET_BYTES,
  MIN_SECRET_BYTES,
  parseSecret,
  SECRET_PREFIX,
  type SecretInput,
} from './secret.ts';
export { SIGNATURE_VERSION, type SignInput, sign, signatureOf, WebhookHeader, type WebhookHeaders } from './sign.ts';
export {
  type IncomingHeaders,
  VerifyFailure,
  type VerifyInput,
  type VerifyResult,
  verify,
  verifyDefaults,
} from './verify.ts';
