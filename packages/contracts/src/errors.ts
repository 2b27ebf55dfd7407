import { PayhookError } from '@payhook/runtime';

/** Stable error codes of the contracts package. */
export const ContractErrorCode = {
  SCHEMA_UNREADABLE: 'CONTRACT_SCHEMA_UNREADABLE',
  /** The registry refused a schema as incompatible with the subject's earlier versions. */
  SCHEMA_INCOMPATIBLE: 'CONTRACT_SCHEMA_INCOMPATIBLE',
  REGISTRY_UNAVAILABLE: 'CONTRACT_REGISTRY_UNAVAILABLE',
  /** The schema a producer carries is not registered under the topic's subject. */
  SCHEMA_NOT_REGISTERED: 'CONTRACT_SCHEMA_NOT_REGISTERED',
  /** A value does not match the schema it is encoded with. */
  ENCODE_INVALID: 'CONTRACT_ENCODE_INVALID',
  /** The bytes do not start with the wire format's magic byte 0. */
  DECODE_MAGIC_BYTE: 'CONTRACT_DECODE_MAGIC_BYTE',
  /** The schema id in the bytes is unknown to the registry. */
  DECODE_UNKNOWN_SCHEMA: 'CONTRACT_DECODE_UNKNOWN_SCHEMA',
  /** The Avro body cannot be read with the writer's schema, or not resolved to the reader's. */
  DECODE_INVALID: 'CONTRACT_DECODE_INVALID',
} as const;
export type ContractErrorCode = (typeof ContractErrorCode)[keyof typeof ContractErrorCode];

/** An error of the contracts package. Decode errors mark poison records: never retryable. */
export class ContractError extends PayhookError {
  constructor(code: ContractErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(code, message, options);
  }
}
