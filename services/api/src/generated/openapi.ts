// Generated from services/api/openapi.json by openapi-typescript: run `npm run generate:openapi`.

export interface paths {
    "/v1/payments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List payments
         * @description The key's merchant's payments (every merchant's for an operator key), newest first, with their current state from the read model.
         */
        get: operations["listPayments"];
        put?: never;
        /**
         * Create a payment intent
         * @description Validated as `payhook payments create` validates it, then written to the payments.intents topic; the scanner watches its deposit address from then on.
         */
        post: operations["createPayment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/payments/{payment_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a payment with its state and history
         * @description The intent as the compacted payments.intents topic holds it, its current state and every state change (block, transaction hashes, confirmations) from payments.events. Another merchant's payment is a 404.
         */
        get: operations["getPayment"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/endpoints/{endpoint_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an endpoint
         * @description With its health over the last 24 h; never its signing secret. Another merchant's endpoint, or a deleted one, is a 404.
         */
        get: operations["getEndpoint"];
        put?: never;
        post?: never;
        /**
         * Delete an endpoint
         * @description What `payhook endpoints delete` does: the endpoint is disabled for good, its secrets are removed and it leaves the listings (a 404 from now on); the dispatcher parks its records still in flight in the DLQ as endpoint_disabled. Its id is never reused.
         */
        delete: operations["deleteEndpoint"];
        options?: never;
        head?: never;
        /**
         * Change an endpoint
         * @description What `payhook endpoints update` does (`description` too): a new URL is checked as at creation, and the next delivery (a retry too) goes to it. The id, and so the webhook-ids, and the secrets stay. Nothing is written when no value changes.
         */
        patch: operations["updateEndpoint"];
        trace?: never;
    };
    "/v1/endpoints/{endpoint_id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Give an endpoint a new signing secret, with an overlap
         * @description What `payhook endpoints rotate-secret` does: a new secret signs from now on, and the older ones keep signing for the overlap (every delivery then carries one signature per secret), so a receiver can switch without losing a webhook. The new secret is in this response only.
         */
        post: operations["rotateEndpointSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/endpoints/{endpoint_id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a signed webhook.test event to an endpoint
         * @description Writes a delivery of a new webhook.test event to webhooks.dispatch: the dispatcher signs and sends it like a payment event (retry tiers, DLQ and attempts included), whatever the endpoint subscribes to. Follow it with GET /v1/deliveries/{delivery_id}.
         */
        post: operations["testEndpoint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/endpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List endpoints
         * @description The key's merchant's endpoints (every merchant's for an operator key), by endpoint id, each with its health over the last 24 h; deleted ones are left out.
         */
        get: operations["listEndpoints"];
        put?: never;
        /**
         * Register an endpoint
         * @description Validated as `payhook endpoints add` validates it (the URL with the delivery policy). The response holds the signing secret: it is never shown again.
         */
        post: operations["createEndpoint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List deliveries
         * @description Deliveries of the key's merchant (every merchant's for an operator key), newest first, from the read model the API builds from webhooks.dispatch, the retry tiers, webhooks.attempts and webhooks.dlq.
         */
        get: operations["listDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deliveries/{delivery_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a delivery with its attempts
         * @description Every attempt (time, tier, status, duration, error class, held and parked decisions with their reason, replayed or not) and when the next one is due. Another merchant's delivery is a 404.
         */
        get: operations["getDelivery"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deliveries/{delivery_id}/resend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a delivery again
         * @description What `payhook resend --delivery` does: its latest record (from the DLQ first) is re-published to webhooks.dispatch with the same key and body, so the endpoint receives the same webhook-id; retry state is dropped and the replay headers are set. Takes no body.
         */
        post: operations["resendDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/event-types": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List event types with the JSON Schema of their bodies
         * @description Every type an endpoint can subscribe to, with the JSON Schema (2020-12) of the webhook body, generated from the PaymentEvent contract and the body the dispatcher sends; and webhook.test, which no endpoint subscribes to: POST /v1/endpoints/{endpoint_id}/test sends it.
         */
        get: operations["listEventTypes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/endpoints/{endpoint_id}/recover": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replay an endpoint's dead-lettered deliveries
         * @description What `payhook replay --from dlq --endpoint <id> --since … --until …` does, as a background job: every delivery of the endpoint dead-lettered in the window is re-published to webhooks.dispatch with its webhook-id. Follow it with GET /v1/jobs/{job_id} on any API replica (jobs are kept in the api.jobs topic).
         */
        post: operations["recoverEndpoint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{job_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a job with its progress and counts
         * @description Every replica shows every job (they are kept in the api.jobs topic), its progress written about every second while it runs; a running job whose process stopped is shown failed with error ABANDONED. Another merchant's job is a 404.
         */
        get: operations["getJob"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/operator/overview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The pipeline's latency and lag
         * @description Operator keys and operator links only. Request durations per minute over the last hour from the read model, and the consumer lag of the confirmation filter's and the dispatcher's groups, read from the broker at each call.
         */
        get: operations["getOperatorOverview"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/merchants/{merchant_id}/portal-links": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Make a link into a merchant's console
         * @description Operator API keys only. The link's token acts as a key of that merchant (another merchant's objects are 404) until it expires (API_PORTAL_LINK_TTL_MS, 15 minutes by default); no long-lived key reaches the browser. Takes no body.
         */
        post: operations["createMerchantPortalLink"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/operator/portal-links": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Make a link into the operator console
         * @description Operator API keys only. The link's token acts as an operator key (every merchant) until it expires. Takes no body.
         */
        post: operations["createOperatorPortalLink"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description An RFC 9457 problem document */
        Problem: {
            /**
             * @description urn:payhook:problem:<slug>
             * @example urn:payhook:problem:not-found
             */
            type: string;
            title: string;
            status: number;
            detail: string;
            /** @description The request path */
            instance: string;
            errors?: {
                /** @description The field as the client named it, e.g. amount_expected */
                field: string;
                detail: string;
            }[];
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listPayments: {
        parameters: {
            query?: {
                /** @description The payment state: pending until its first event, then the state its latest event entered */
                status?: "pending" | "detected" | "confirmed" | "underpaid" | "overpaid" | "expired" | "reorged";
                /** @description Payments created at or after this time */
                created_after?: string;
                /** @description Payments created before this time */
                created_before?: string;
                /** @description `next_cursor` of the previous page */
                cursor?: string;
                /** @description Objects per page, 1 to 250; default 50 */
                limit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of payments */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: {
                            payment_id: string;
                            merchant_id: string;
                            /** @description EIP-155 chain id */
                            chain_id: number;
                            /** @description EIP-55 checksummed */
                            deposit_address: string;
                            asset: {
                                kind: "native" | "erc20";
                                token_address: string | null;
                                symbol: string;
                                decimals: number;
                            };
                            /** @description Integer base units (wei for ETH), as a decimal string */
                            amount_expected: string;
                            required_confirmations: number;
                            /**
                             * Format: date-time
                             * @description When an unfunded payment expires
                             */
                            expires_at: string;
                            /**
                             * Format: date-time
                             * @description When the payment intent was created
                             */
                            created_at: string;
                            /** @description The payment state: pending until its first event, then the state its latest event entered */
                            status: "pending" | "detected" | "confirmed" | "underpaid" | "overpaid" | "expired" | "reorged";
                        }[];
                        next_cursor: string | null;
                        done: boolean;
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A query parameter is not acceptable (named in `errors`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createPayment: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a create safe to retry: the same key with the same body returns the first response (with Idempotent-Replayed: true); with another body, 422. Remembered for 24 h (API_IDEMPOTENCY_TTL_MS) by every API replica */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @description Required with an operator key; a merchant key may give only its own merchant
                     * @example mer_01
                     */
                    merchant_id?: string;
                    /** @description EIP-155 id of a known chain, e.g. 1, 8453 or 31337 */
                    chain_id: number;
                    /** @description Checksummed or all-lowercase; unique across payments */
                    deposit_address: string;
                    /** @description Integer base units, above zero, up to uint256 */
                    amount_expected: string;
                    /** @description An ERC-20 token; the chain's native coin when absent */
                    token?: {
                        /** @description ERC-20 contract address */
                        address: string;
                        /** @description 0 to 255 */
                        decimals: number;
                        /** @description 1 to 32 visible characters */
                        symbol: string;
                    };
                    /** @description 1 to 10000; default: the chain's */
                    required_confirmations?: number;
                    /** @description A duration from 1s to 365d, e.g. 30m; default 1h */
                    expires_in?: string;
                    /**
                     * @description Default: a random pay_… id; refused when taken
                     * @example mer_01
                     */
                    payment_id?: string;
                };
            };
        };
        responses: {
            /** @description The payment intent written */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        payment_id: string;
                        merchant_id: string;
                        /** @description EIP-155 chain id */
                        chain_id: number;
                        /** @description EIP-55 checksummed */
                        deposit_address: string;
                        asset: {
                            kind: "native" | "erc20";
                            token_address: string | null;
                            symbol: string;
                            decimals: number;
                        };
                        /** @description Integer base units (wei for ETH), as a decimal string */
                        amount_expected: string;
                        required_confirmations: number;
                        /**
                         * Format: date-time
                         * @description When an unfunded payment expires
                         */
                        expires_at: string;
                        /**
                         * Format: date-time
                         * @description When the payment intent was created
                         */
                        created_at: string;
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The payment id or the deposit address is taken */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A field is not acceptable (named in `errors`), or the Idempotency-Key was reused */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getPayment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                payment_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The payment */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        payment_id: string;
                        merchant_id: string;
                        /** @description EIP-155 chain id */
                        chain_id: number;
                        /** @description EIP-55 checksummed */
                        deposit_address: string;
                        asset: {
                            kind: "native" | "erc20";
                            token_address: string | null;
                            symbol: string;
                            decimals: number;
                        };
                        /** @description Integer base units (wei for ETH), as a decimal string */
                        amount_expected: string;
                        required_confirmations: number;
                        /**
                         * Format: date-time
                         * @description When an unfunded payment expires
                         */
                        expires_at: string;
                        /**
                         * Format: date-time
                         * @description When the payment intent was created
                         */
                        created_at: string;
                        /** @description The payment state: pending until its first event, then the state its latest event entered */
                        status: "pending" | "detected" | "confirmed" | "underpaid" | "overpaid" | "expired" | "reorged";
                        /** @description Integer base units received so far ("0" while pending) */
                        amount_received: string;
                        /** @description Every state change, by sequence */
                        history: {
                            /** @description The payment event (the webhook body `id`) */
                            event_id: string;
                            /** @description Position in the payment's history, from 1 */
                            sequence: number;
                            /** @description The payment state: pending until its first event, then the state its latest event entered */
                            status: "pending" | "detected" | "confirmed" | "underpaid" | "overpaid" | "expired" | "reorged";
                            previous_status: ("pending" | "detected" | "confirmed" | "underpaid" | "overpaid" | "expired" | "reorged") | null;
                            /** @description Integer base units received on the canonical chain then */
                            amount_received: string;
                            /** @description Funding transactions on the canonical chain then */
                            tx_hashes: string[];
                            block_number: number | null;
                            block_hash: string | null;
                            /** @description Confirmations of the latest funding transaction then */
                            confirmations: number;
                            /**
                             * Format: date-time
                             * @description When the scanner observed the change
                             */
                            occurred_at: string;
                        }[];
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such payment for this key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                endpoint_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The endpoint */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        endpoint_id: string;
                        merchant_id: string;
                        url: string;
                        event_types: string[];
                        enabled: boolean;
                        disabled_reason: string | null;
                        rate_limit_per_second: number | null;
                        timeout_ms: number | null;
                        /** @description What the endpoint is for; empty when none was given */
                        description: string;
                        /**
                         * Format: date-time
                         * @description When this version of the endpoint was written
                         */
                        updated_at: string;
                        /** @description The endpoint's deliveries over the last 24 h, from the read model */
                        health: {
                            /**
                             * Format: date-time
                             * @description Start of the window: 24 h ago
                             */
                            since: string;
                            /** @description Requests made in the window (waits taken without a request are not counted) */
                            requests: number;
                            /** @description Of those, the ones answered 2xx */
                            delivered: number;
                            success_rate: number | null;
                            last_attempt: {
                                /**
                                 * Format: date-time
                                 * @description When it was made
                                 */
                                attempted_at: string;
                                /** @description held: moved to a retry tier without a request; parked: sent to the DLQ without a request (reason says why) */
                                outcome: "delivered" | "retry_scheduled" | "dead_lettered" | "endpoint_disabled" | "held" | "parked";
                                status_code: number | null;
                                error_class: string | null;
                            } | null;
                            /** @description The dispatcher's circuit breaker for this endpoint is open: its latest entry waited on the open circuit and the next try is still ahead */
                            circuit_open: boolean;
                            circuit_open_until: string | null;
                            retry_after_until: string | null;
                        };
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such endpoint for this key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                endpoint_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such endpoint for this key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    updateEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                endpoint_id: string;
            };
            cookie?: never;
        };
        /** @description The fields to change; the others keep their values. At least one. */
        requestBody: {
            content: {
                "application/json": {
                    /** @description https (http only for hosts on the development allow-list); checked as at creation */
                    url?: string;
                    /** @description Replaces the subscribed event types */
                    event_types?: string[];
                    /** @description Above 0, at most 10000; null: the dispatcher's default */
                    rate_limit_per_second?: number | null;
                    /** @description 100 to 300000; null: the dispatcher's default */
                    timeout_ms?: number | null;
                    /** @description What the endpoint is for: up to 500 visible characters */
                    description?: string;
                    /** @description false stops deliveries (they are parked as endpoint_disabled); true resumes them */
                    enabled?: boolean;
                };
            };
        };
        responses: {
            /** @description The endpoint as changed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        endpoint_id: string;
                        merchant_id: string;
                        url: string;
                        event_types: string[];
                        enabled: boolean;
                        disabled_reason: string | null;
                        rate_limit_per_second: number | null;
                        timeout_ms: number | null;
                        /** @description What the endpoint is for; empty when none was given */
                        description: string;
                        /**
                         * Format: date-time
                         * @description When this version of the endpoint was written
                         */
                        updated_at: string;
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such endpoint for this key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A field is not acceptable (named in `errors`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    rotateEndpointSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                endpoint_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @description How long the older secrets keep signing, 0s to 30d, e.g. 1h; default 24h
                     * @example 24h
                     */
                    overlap?: string;
                };
            };
        };
        responses: {
            /** @description The new secret (shown only here) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        endpoint_id: string;
                        /** @description The new signing secret (whsec_…): shown in this response only */
                        secret: string;
                        /**
                         * Format: date-time
                         * @description Until then every delivery is signed with the older secrets too
                         */
                        previous_secrets_expire_at: string;
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such endpoint for this key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A field is not acceptable (named in `errors`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    testEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                endpoint_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The test delivery, written */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Sent as webhook-id; follow it with GET /v1/deliveries/{delivery_id} */
                        delivery_id: string;
                        /** @description The test event (evt_test_…): the body `id` */
                        event_id: string;
                        /** @enum {string} */
                        event_type: "webhook.test";
                        endpoint_id: string;
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such endpoint for this key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listEndpoints: {
        parameters: {
            query?: {
                /** @description Objects per page, 1 to 250; default 50 */
                limit?: string;
                /** @description From the previous page */
                iterator?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of endpoints */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: {
                            endpoint_id: string;
                            merchant_id: string;
                            url: string;
                            event_types: string[];
                            enabled: boolean;
                            disabled_reason: string | null;
                            rate_limit_per_second: number | null;
                            timeout_ms: number | null;
                            /** @description What the endpoint is for; empty when none was given */
                            description: string;
                            /**
                             * Format: date-time
                             * @description When this version of the endpoint was written
                             */
                            updated_at: string;
                            /** @description The endpoint's deliveries over the last 24 h, from the read model */
                            health: {
                                /**
                                 * Format: date-time
                                 * @description Start of the window: 24 h ago
                                 */
                                since: string;
                                /** @description Requests made in the window (waits taken without a request are not counted) */
                                requests: number;
                                /** @description Of those, the ones answered 2xx */
                                delivered: number;
                                success_rate: number | null;
                                last_attempt: {
                                    /**
                                     * Format: date-time
                                     * @description When it was made
                                     */
                                    attempted_at: string;
                                    /** @description held: moved to a retry tier without a request; parked: sent to the DLQ without a request (reason says why) */
                                    outcome: "delivered" | "retry_scheduled" | "dead_lettered" | "endpoint_disabled" | "held" | "parked";
                                    status_code: number | null;
                                    error_class: string | null;
                                } | null;
                                /** @description The dispatcher's circuit breaker for this endpoint is open: its latest entry waited on the open circuit and the next try is still ahead */
                                circuit_open: boolean;
                                circuit_open_until: string | null;
                                retry_after_until: string | null;
                            };
                        }[];
                        iterator: string | null;
                        done: boolean;
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A query parameter is not acceptable */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createEndpoint: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a create safe to retry: the same key with the same body returns the first response (with Idempotent-Replayed: true); with another body, 422. Remembered for 24 h (API_IDEMPOTENCY_TTL_MS) by every API replica */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @description Required with an operator key; a merchant key may give only its own merchant
                     * @example mer_01
                     */
                    merchant_id?: string;
                    /** @description https (http only for hosts on the development allow-list) */
                    url: string;
                    /** @description Default: ["payment.confirmed"] */
                    event_types?: string[];
                    /** @description Above 0, at most 10000 */
                    rate_limit_per_second?: number;
                    /** @description 100 to 300000 */
                    timeout_ms?: number;
                    /**
                     * @description Default: a random ep_… id; refused when taken
                     * @example mer_01
                     */
                    endpoint_id?: string;
                    /** @description What the endpoint is for: up to 500 visible characters */
                    description?: string;
                };
            };
        };
        responses: {
            /** @description The endpoint, with its signing secret (shown only here) */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        endpoint_id: string;
                        merchant_id: string;
                        url: string;
                        event_types: string[];
                        enabled: boolean;
                        disabled_reason: string | null;
                        rate_limit_per_second: number | null;
                        timeout_ms: number | null;
                        /** @description What the endpoint is for; empty when none was given */
                        description: string;
                        /**
                         * Format: date-time
                         * @description When this version of the endpoint was written
                         */
                        updated_at: string;
                        /** @description The signing secret (whsec_…): shown in this response only */
                        secret: string;
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The endpoint id is taken, or the endpoint this Idempotency-Key created has changed since (its first response is not repeated) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A field is not acceptable (named in `errors`), or the Idempotency-Key was reused */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listDeliveries: {
        parameters: {
            query?: {
                endpoint_id?: string;
                payment_id?: string;
                /** @description delivered: an attempt got a 2xx; failed: in the DLQ (see failure_reason) and not delivered; retrying: otherwise */
                status?: "delivered" | "retrying" | "failed";
                /** @description Deliveries created at or after this time */
                since?: string;
                /** @description Deliveries created before this time */
                until?: string;
                /** @description `next_cursor` of the previous page */
                cursor?: string;
                /** @description Objects per page, 1 to 250; default 50 */
                limit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of deliveries */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: {
                            /** @description Sent as webhook-id: the same on every attempt, replay and resend */
                            delivery_id: string;
                            endpoint_id: string;
                            merchant_id: string;
                            payment_id: string;
                            event_id: string;
                            /** @example payment.confirmed */
                            event_type: string;
                            /** @description delivered: an attempt got a 2xx; failed: in the DLQ (see failure_reason) and not delivered; retrying: otherwise */
                            status: "delivered" | "retrying" | "failed";
                            failure_reason: string | null;
                            /** @description Attempts logged: requests, and decisions taken without one */
                            attempt_count: number;
                            last_attempt_at: string | null;
                            next_attempt_at: string | null;
                            replayed_at: string | null;
                            /**
                             * Format: date-time
                             * @description When the delivery was created
                             */
                            created_at: string;
                        }[];
                        next_cursor: string | null;
                        done: boolean;
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A query parameter is not acceptable (named in `errors`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                delivery_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The delivery */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Sent as webhook-id: the same on every attempt, replay and resend */
                        delivery_id: string;
                        endpoint_id: string;
                        merchant_id: string;
                        payment_id: string;
                        event_id: string;
                        /** @example payment.confirmed */
                        event_type: string;
                        /** @description delivered: an attempt got a 2xx; failed: in the DLQ (see failure_reason) and not delivered; retrying: otherwise */
                        status: "delivered" | "retrying" | "failed";
                        failure_reason: string | null;
                        /** @description Attempts logged: requests, and decisions taken without one */
                        attempt_count: number;
                        last_attempt_at: string | null;
                        next_attempt_at: string | null;
                        replayed_at: string | null;
                        /**
                         * Format: date-time
                         * @description When the delivery was created
                         */
                        created_at: string;
                        /** @description The exact JSON body that is signed and sent, as a string */
                        body: string;
                        /** @description In the order they were made */
                        attempts: {
                            /** @description The request number, from 1; for a decision taken without a request, the requests made before it */
                            attempt: number;
                            /**
                             * Format: date-time
                             * @description When the attempt started (or the decision was taken)
                             */
                            attempted_at: string;
                            /** @description Where the record was read: dispatch, or a retry tier label */
                            tier: string;
                            /** @description held: moved to a retry tier without a request; parked: sent to the DLQ without a request (reason says why) */
                            outcome: "delivered" | "retry_scheduled" | "dead_lettered" | "endpoint_disabled" | "held" | "parked";
                            status_code: number | null;
                            duration_ms: number;
                            error_class: string | null;
                            error_message: string | null;
                            reason: string | null;
                            /** @description Whether the attempt belongs to a replayed delivery */
                            replayed: boolean;
                            replayed_at: string | null;
                            next_attempt_at: string | null;
                            response_excerpt: string | null;
                        }[];
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such delivery for this key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    resendDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                delivery_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Re-published: the dispatcher sends it within moments */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description rs_…: sent as the payhook-replay-id header */
                        resend_id: string;
                        delivery_id: string;
                        /** @description Records re-published to webhooks.dispatch */
                        sent: number;
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such delivery for this key, or its records are no longer kept */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listEventTypes: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every event type */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: {
                            /** @example payment.confirmed */
                            name: string;
                            description: string;
                            /** @description Whether an endpoint that names no event types receives it */
                            default_subscription: boolean;
                            /** @description The JSON Schema (2020-12) of the body */
                            schema: {
                                [key: string]: unknown;
                            };
                        }[];
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A query parameter was given: there are none */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    recoverEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                endpoint_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * Format: date-time
                     * @description Dead-lettered at or after this time
                     */
                    since: string;
                    /**
                     * Format: date-time
                     * @description Dead-lettered before this time; default: now
                     */
                    until?: string;
                    /** @description Count what would be sent; write nothing. Default false */
                    dry_run?: boolean;
                };
            };
        };
        responses: {
            /** @description The job, started */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description job_…: also the payhook-replay-id header of what it sends */
                        job_id: string;
                        /** @enum {string} */
                        kind: "recover";
                        endpoint_id: string;
                        status: "running" | "succeeded" | "failed";
                        dry_run: boolean;
                        /**
                         * Format: date-time
                         * @description Start of the window
                         */
                        since: string;
                        until: string | null;
                        progress: number | null;
                        /** @description DLQ records read */
                        scanned: number;
                        /** @description The endpoint's deliveries in the window */
                        matched: number;
                        /** @description Re-published to webhooks.dispatch (0 on a dry run) */
                        sent: number;
                        /** @description Records that do not decode, skipped */
                        undecodable: number;
                        error: string | null;
                        /**
                         * Format: date-time
                         * @description When the job was started
                         */
                        created_at: string;
                        finished_at: string | null;
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such endpoint for this key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A field is not acceptable (named in `errors`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description job_…: also the payhook-replay-id header of what it sends */
                        job_id: string;
                        /** @enum {string} */
                        kind: "recover";
                        endpoint_id: string;
                        status: "running" | "succeeded" | "failed";
                        dry_run: boolean;
                        /**
                         * Format: date-time
                         * @description Start of the window
                         */
                        since: string;
                        until: string | null;
                        progress: number | null;
                        /** @description DLQ records read */
                        scanned: number;
                        /** @description The endpoint's deliveries in the window */
                        matched: number;
                        /** @description Re-published to webhooks.dispatch (0 on a dry run) */
                        sent: number;
                        /** @description Records that do not decode, skipped */
                        undecodable: number;
                        error: string | null;
                        /**
                         * Format: date-time
                         * @description When the job was started
                         */
                        created_at: string;
                        finished_at: string | null;
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such job for this key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getOperatorOverview: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The figures */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * Format: date-time
                         * @description When the figures were read
                         */
                        measured_at: string;
                        /** @description Request durations of every endpoint per minute over the last hour, oldest first (nearest-rank percentiles; 0 in a minute without requests) */
                        latency: {
                            /**
                             * Format: date-time
                             * @description The minute's start
                             */
                            minute: string;
                            requests: number;
                            p50_ms: number;
                            p95_ms: number;
                            p99_ms: number;
                        }[];
                        /** @description The confirmation filter's and the dispatcher's consumer groups, measured as `payhook lag` does */
                        lag: {
                            group_id: string;
                            role: "filter" | "dispatcher";
                            /** @description As the broker reports it (Stable, Empty, Dead, …) */
                            state: string;
                            members: number;
                            /** @description Records not yet consumed (transaction markers excluded) */
                            lag_records: number;
                            /** @description The longest wait among them (retry tiers: only time past the due time counts) */
                            lag_seconds: number;
                            topics: {
                                topic: string;
                                /** @description Records not yet consumed (transaction markers excluded) */
                                lag_records: number;
                                /** @description The longest wait among them (retry tiers: only time past the due time counts) */
                                lag_seconds: number;
                            }[];
                        }[];
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A merchant key or link */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The broker did not answer, or the read model is not open yet */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createMerchantPortalLink: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The merchant */
                merchant_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The link */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Opens the console with the token in the fragment (#token=…), which browsers never send to a server, so it stays out of access logs */
                        url: string;
                        /** @description pht_…: a bearer credential for /v1 until expires_at, scoped as role says */
                        token: string;
                        role: "merchant" | "operator";
                        /** @description null for an operator link */
                        merchant_id: string | null;
                        /** Format: date-time */
                        expires_at: string;
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not an operator API key (merchant keys and portal tokens cannot make links) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createOperatorPortalLink: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The link */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Opens the console with the token in the fragment (#token=…), which browsers never send to a server, so it stays out of access logs */
                        url: string;
                        /** @description pht_…: a bearer credential for /v1 until expires_at, scoped as role says */
                        token: string;
                        role: "merchant" | "operator";
                        /** @description null for an operator link */
                        merchant_id: string | null;
                        /** Format: date-time */
                        expires_at: string;
                    };
                };
            };
            /** @description No API key, or one that is malformed, unknown or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not an operator API key (merchant keys and portal tokens cannot make links) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests for this API key: wait for Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
