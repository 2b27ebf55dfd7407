// Generated from schemas/ by `npm run generate:types`. Do not edit by hand.

/** Kind of asset. */
export type AssetKind = 'NATIVE' | 'ERC20';

/** What a payment is paid in: the chain's native coin or an ERC-20 token. */
export interface Asset {
  /** NATIVE for the chain's coin, ERC20 for a token contract. */
  kind: AssetKind;
  /** ERC-20 contract address (EIP-55 checksummed); null for NATIVE. */
  token_address: null | string;
  /** Display symbol, e.g. ETH or USDC. */
  symbol: string;
  /** Decimals of the asset's base unit (18 for ETH). */
  decimals: number;
}

/** A payment the gateway expects: the compacted payments.intents topic, keyed by payment_id. */
export interface PaymentIntent {
  /** Unique payment id. */
  payment_id: string;
  /** Merchant that owns the payment; selects the webhook endpoints. */
  merchant_id: string;
  /** EIP-155 chain id the payment is made on. */
  chain_id: number;
  /** Address the customer pays to (EIP-55 checksummed), unique per payment. */
  deposit_address: string;
  /** What the payment is made in. */
  asset: Asset;
  /** Expected amount, a decimal string of integer base units (uint256). */
  amount_expected: string;
  /** Blocks on top of the funding transaction before the payment is confirmed. */
  required_confirmations: number;
  /** When an unpaid payment expires. Milliseconds since the epoch. */
  expires_at: number;
  /** When the intent was created. Milliseconds since the epoch. */
  created_at: number;
}

/** Payment state. */
export type PaymentStatus = 'PENDING' | 'DETECTED' | 'CONFIRMED' | 'UNDERPAID' | 'OVERPAID' | 'EXPIRED' | 'REORGED';

/** One transfer into the deposit address. */
export interface Funding {
  /** Transaction hash. */
  tx_hash: string;
  /** Log index of the ERC-20 Transfer; -1 for a native transfer. */
  log_index: number;
  /** Block that includes the transfer. */
  block_number: number;
  /** Hash of that block. */
  block_hash: string;
  /** Amount in integer base units. */
  amount: string;
}

/** One payment state change, on payments.events keyed by payment_id. Carries the full payment state. */
export interface PaymentEvent {
  /** Deterministic id of this state change: the same change always has the same id. */
  event_id: string;
  /** Payment this event is about. */
  payment_id: string;
  /** Merchant that owns the payment. */
  merchant_id: string;
  /** Position of this event in the payment's history, from 1. */
  sequence: number;
  /** State the payment entered. */
  status: PaymentStatus;
  /** State the payment left; null for the first event. */
  previous_status: null | PaymentStatus;
  /** EIP-155 chain id. */
  chain_id: number;
  /** Deposit address (EIP-55 checksummed). */
  address: string;
  /** What the payment is made in. */
  asset: Asset;
  /** Expected amount in integer base units. */
  amount_expected: string;
  /** Amount received so far on the canonical chain, in integer base units. */
  amount_received: string;
  /** Funding transactions on the canonical chain. */
  tx_hashes: Array<string>;
  /** Block of the latest funding transaction; null when there is none. */
  block_number: null | number;
  /** Hash of that block; null when there is none. */
  block_hash: null | string;
  /** Confirmations of the latest funding transaction when the event was emitted. */
  confirmations: number;
  /** When the scanner observed the change. Milliseconds since the epoch. */
  occurred_at: number;
  /** Every funding transfer on the canonical chain, so the payment's state can be rebuilt from its latest event. */
  funding: Array<Funding>;
}

/** One signing secret and its validity window. */
export interface EndpointSecret {
  /** The signing secret, sealed: enc:v1:<key id>:<base64url of nonce, AES-256-GCM ciphertext and tag> under the key-encryption key named, the endpoint id as associated data; or, written before sealing or without a key configured, the Standard Webhooks secret itself (whsec_ followed by base64 key bytes). */
  secret: string;
  /** First instant the secret signs. Milliseconds since the epoch. */
  active_from: number;
  /** Instant it stops signing; null while it is current. */
  expires_at: null | number;
}

/** A merchant's webhook endpoint: the compacted endpoints topic, keyed by endpoint_id. Signing secrets are sealed under PAYHOOK_SECRETS_KEY when one is configured. */
export interface Endpoint {
  /** Unique endpoint id. */
  endpoint_id: string;
  /** Merchant whose payments this endpoint receives. */
  merchant_id: string;
  /** Where deliveries are POSTed; https unless the host is on the development allow-list. */
  url: string;
  /** Signing secrets. Every secret active at send time signs; two overlap during a rotation. */
  secrets: Array<EndpointSecret>;
  /** Subscribed event types, e.g. payment.confirmed. */
  event_types: Array<string>;
  /** Sustained deliveries per second to this endpoint; null for the service default. */
  rate_limit_per_second: null | number;
  /** Per-request timeout override in milliseconds; null for the service default. */
  timeout_ms: null | number;
  /** Disabled endpoints receive nothing. */
  enabled: boolean;
  /** Why the endpoint was disabled (an operator, or 410 Gone); null while enabled. */
  disabled_reason: null | string;
  /** When the endpoint was deleted: it stays disabled and is hidden from listings, its id is never reused; null while it exists. */
  deleted_at: null | number;
  /** When this version of the endpoint was written. Milliseconds since the epoch. */
  updated_at: number;
  /** What the endpoint is for, as its owner wrote it; empty when none was given. */
  description: string;
}

/** One delivery of one event to one endpoint: webhooks.dispatch, every retry tier and the DLQ, keyed by endpoint_id. Retry state travels in headers. */
export interface WebhookDelivery {
  /** Sent as webhook-id; stable across retries and replays so receivers can deduplicate. */
  delivery_id: string;
  /** Payment event this delivery carries. */
  event_id: string;
  /** Event type, e.g. payment.confirmed. */
  event_type: string;
  /** Destination endpoint. */
  endpoint_id: string;
  /** Merchant that owns the endpoint. */
  merchant_id: string;
  /** Payment the event is about. */
  payment_id: string;
  /** The exact JSON body that is signed and sent. */
  body: string;
  /** When the delivery was created. Milliseconds since the epoch. */
  created_at: number;
}

/** Attempt outcome. HELD: moved to a retry tier without a request (an open circuit, a Retry-After still running, an endpoint that leaves an attempt unanswered); PARKED: sent to the DLQ without a request (see error_class). Readers that do not know a symbol read DEAD_LETTERED. */
export type AttemptOutcome = 'DELIVERED' | 'RETRY_SCHEDULED' | 'DEAD_LETTERED' | 'ENDPOINT_DISABLED' | 'HELD' | 'PARKED';

/** The outcome of one HTTP attempt (or of a decision taken without one): webhooks.attempts, keyed by delivery_id. */
export interface DeliveryAttempt {
  /** The delivery (webhook-id) attempted. */
  delivery_id: string;
  /** Payment event delivered. */
  event_id: string;
  /** Payment the event is about. */
  payment_id: string;
  /** Endpoint attempted. */
  endpoint_id: string;
  /** Attempt number, from 1. For a decision taken without a request (HELD, PARKED): the requests made before it, from 0. */
  attempt: number;
  /** Where the record was read: dispatch, or a retry tier label. */
  tier: string;
  /** What happened. */
  outcome: AttemptOutcome;
  /** HTTP status; null when no response arrived or no request was made. */
  status_code: null | number;
  /** From request start to response end. */
  duration_ms: number;
  /** Stable error code when the attempt failed, e.g. TIMEOUT or HTTP_5XX; null on success. */
  error_class: null | string;
  /** Short, secret-free description of the failure. */
  error_message: null | string;
  /** When the attempt started. Milliseconds since the epoch. */
  attempted_at: number;
  /** When an operator replayed the delivery this attempt belongs to; null for a delivery that was never replayed. */
  replayed_at: null | number;
  /** When the next attempt is due; null when there is none. */
  next_attempt_at: null | number;
  /** The start of the response body (at most 512 bytes, as UTF-8), for the merchant's diagnosis; null when no body arrived or no request was made. */
  response_excerpt: null | string;
}

/** A block height and its hash. */
export interface BlockRef {
  /** Block number. */
  number: number;
  /** Block hash. */
  hash: string;
}

/** The last block a chain's scanner fully processed: the compacted scanner.checkpoints topic, keyed by chain_id, written in the same transaction as the events. */
export interface ScannerCheckpoint {
  /** EIP-155 chain id. */
  chain_id: number;
  /** Last block processed. */
  block_number: number;
  /** Its hash, to detect a reorg across a restart. */
  block_hash: string;
  /** When the checkpoint was written. Milliseconds since the epoch. */
  updated_at: number;
  /** The last blocks processed, oldest first, to find the common ancestor after a reorg, across restarts too. */
  recent_blocks: Array<BlockRef>;
}

export type ApiKeyRole = 'MERCHANT' | 'OPERATOR';

/** An API key of the HTTP API: the compacted api-keys topic, keyed by key_id. Only the SHA-256 of the key's secret part is stored; the key itself (phk_<key_id>_<secret>) is shown once, when it is created. */
export interface ApiKey {
  /** Unique key id: 16 hexadecimal digits, the part of the key between phk_ and the secret. */
  key_id: string;
  /** The merchant a MERCHANT key belongs to; null for an OPERATOR key. */
  merchant_id: null | string;
  /** MERCHANT keys see and write their merchant's objects only; OPERATOR keys see every merchant's. */
  role: ApiKeyRole;
  /** Hex SHA-256 of the key's secret part (the text after phk_<key_id>_). */
  secret_sha256: string;
  /** What the key is for, as given at creation; empty when none was given. */
  description: string;
  /** When the key was created. Milliseconds since the epoch. */
  created_at: number;
  /** When the key was revoked: it authenticates nothing from then on; null while valid. */
  revoked_at: null | number;
}

/** The value type of each contract. */
export interface ContractTypes {
  PAYMENT_INTENT: PaymentIntent;
  PAYMENT_EVENT: PaymentEvent;
  ENDPOINT: Endpoint;
  WEBHOOK_DELIVERY: WebhookDelivery;
  DELIVERY_ATTEMPT: DeliveryAttempt;
  SCANNER_CHECKPOINT: ScannerCheckpoint;
  API_KEY: ApiKey;
}
