import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { contractsEnv } from '@payhook/contracts';
import { createDevAllowList, type DevAllowList, EMPTY_ALLOW_LIST } from '@payhook/http-delivery';
import { kafkaEnv } from '@payhook/kafka';
import { envField } from '@payhook/runtime';
import { secretsKeyEnv } from '@payhook/signing';
import { z } from 'zod';
import { parsePortalKey } from './portal-tokens.ts';

/** The API's environment. */
export const apiEnvSchema = z.object({
  ...kafkaEnv,
  ...contractsEnv,
  /** Endpoints' signing secrets are sealed under this key before they are written. */
  ...secretsKeyEnv,
  LOG_LEVEL: envField.logLevel().default('info'),
  /** The API, with `/metrics`, `/healthz`, `/readyz` on the same port. */
  PAYHOOK_HTTP_PORT: envField.port().default(8080),
  PAYHOOK_HTTP_HOST: z.string().default('0.0.0.0'),
  /** Largest request body accepted; larger ones get 413. */
  API_BODY_LIMIT_BYTES: envField.positiveInt().default(65_536),
  /** Requests per API key per minute; more get 429 with Retry-After. */
  API_RATE_LIMIT_PER_MINUTE: envField.positiveInt().default(600),
  /**
   * How long an Idempotency-Key is remembered, in milliseconds; at most the api.idempotency
   * topic's retention (a week), after which its records are deleted.
   */
  API_IDEMPOTENCY_TTL_MS: envField
    .positiveInt()
    .max(7 * 86_400_000, "must be at most 604800000 (a week: the api.idempotency topic's retention)")
    .default(86_400_000),
  /**
   * Hosts, IPs or CIDRs an endpoint URL may use over http or at private addresses (development
   * only): the dispatcher's variable, so an endpoint the API accepts is one it will send to.
   */
  DISPATCHER_DEV_ALLOW_LIST: z
    .string()
    .transform((raw, ctx): DevAllowList => {
      try {
        return createDevAllowList(
          raw
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0),
        );
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .default(EMPTY_ALLOW_LIST),
  API_SHUTDOWN_DEADLINE_MS: envField.positiveInt().default(15_000),
  /**
   * The read model's SQLite file (payment histories, deliveries and attempts), created with its
   * directory; deleting it rebuilds it from the topics. `:memory:` keeps it in the process.
   */
  API_READ_MODEL_PATH: z.string().min(1).default('.local/api/read-model.sqlite'),
  /** The read model's page cache in MiB (SQLite's `cache_size`): how much of its indexes stays in memory. */
  API_READ_MODEL_CACHE_MB: envField.positiveInt().max(65_536, 'must be at most 65536 (64 GiB)').default(64),
  /**
   * Signs portal tokens (HMAC-SHA256): base64 of at least 32 random bytes, the same on every API
   * replica. Unset: a random key per process (links die with it and work on that replica only).
   */
  PAYHOOK_PORTAL_KEY: envField.parsed(parsePortalKey).optional(),
  /** The same, from a file (a mounted Kubernetes Secret); it wins when both are set. */
  PAYHOOK_PORTAL_KEY_FILE: envField
    .parsed((path) => {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        throw new Error(`cannot read ${path} (${(error as { code?: string }).code ?? 'unreadable'})`);
      }
      return parsePortalKey(text);
    })
    .optional(),
  /** How long a portal link works, in milliseconds (at most a day). */
  API_PORTAL_LINK_TTL_MS: envField.positiveInt().max(86_400_000, 'must be at most 86400000 (a day)').default(900_000),
  /** The API's public origin for portal links, e.g. https://pay.example.com; default: the request's Host. */
  API_PUBLIC_URL: envField.httpUrl().optional(),
  /** The pipeline's consumer groups (before the prefix) whose lag the operator overview shows. */
  FILTER_GROUP_ID: z.string().min(1).default('payhook-confirmation-filter'),
  DISPATCHER_GROUP_ID: z.string().min(1).default('payhook-dispatcher'),
  /** The console's static build, served under /console/ (`npm run build` makes it). */
  API_CONSOLE_DIR: z
    .string()
    .min(1)
    .default(fileURLToPath(new URL('../../console/dist/web', import.meta.url))),
});

/** The parsed environment. */
export type ApiConfig = z.infer<typeof apiEnvSchema>;
