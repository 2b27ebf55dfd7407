export {
  API_KEY_PREFIX,
  apiKeySecretMatches,
  hashApiKeySecret,
  type IssuedApiKey,
  issueApiKey,
  parseApiKey,
} from './api-keys.ts';
export {
  buildEndpoint,
  ENDPOINT_OPTIONS,
  type EndpointFieldNames,
  type EndpointInput,
  type NewEndpoint,
} from './endpoint.ts';
export {
  DELETED_REASON,
  deleteEndpoint,
  type EndpointChanges,
  type EndpointUpdate,
  rotateEndpointSecret,
  type SecretRotation,
  updateEndpoint,
} from './endpoint-changes.ts';
export { InputError, InputErrorCode } from './errors.ts';
export {
  buildPaymentIntent,
  DECIMALS_RANGE,
  DEFAULT_EXPIRES_IN,
  findIntentConflict,
  type IntentConflict,
  PAYMENT_INTENT_OPTIONS,
  type PaymentIntentFieldNames,
  type PaymentIntentInput,
} from './payment-intent.ts';
export {
  CONFIRMATIONS_RANGE,
  formatDuration,
  MAX_DESCRIPTION_LENGTH,
  MAX_EXPIRES_IN_MS,
  MAX_OVERLAP_MS,
  MAX_UINT256,
  MAX_URL_LENGTH,
  parseAddress,
  parseAmount,
  parseChain,
  parseDescription,
  parseDuration,
  parseEventTypeList,
  parseEventTypes,
  parseId,
  parseInteger,
  parseRate,
  parseSymbol,
  parseUrl,
  TIMEOUT_MS_RANGE,
} from './validation.ts';
