import { request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { processRegistrySecurity, type RegistrySecurity } from './env.ts';
import { ContractError, ContractErrorCode } from './errors.ts';
import type { AvroSchema } from './schema-loader.ts';

/** Compatibility every payhook subject is held to. */
export const SUBJECT_COMPATIBILITY = 'BACKWARD';

/** A Confluent-API schema registry: the library client plus the few admin calls it lacks. */
export interface RegistryClient {
  /** The underlying client, used for encoding and decoding. */
  readonly client: SchemaRegistry;
  /** Base URL of the Confluent-compatible API. */
  readonly url: string;
  /** Sets the subject's compatibility level (idempotent). */
  setCompatibility(subject: string, level?: string): Promise<void>;
  /** Registers the schema under the subject (idempotent: the same schema keeps its id). */
  register(subject: string, schema: AvroSchema): Promise<number>;
  /** Asks the registry whether the schema could be registered as the subject's next version. */
  isCompatible(subject: string, schema: AvroSchema): Promise<boolean>;
  /** The id of this exact schema under the subject, or undefined when it is not registered. */
  idOf(subject: string, schema: AvroSchema): Promise<number | undefined>;
  /** Every subject the registry knows. */
  subjects(): Promise<string[]>;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/**
 * Creates a registry client for a Confluent-compatible API base URL, with basic auth and a
 * private CA when the security (by default the process's `SCHEMA_REGISTRY_USERNAME`,
 * `SCHEMA_REGISTRY_PASSWORD[_FILE]` and `SCHEMA_REGISTRY_CA_FILE`) asks for them. Every
 * registry client of the pipeline is made here.
 * @throws ConfigError when the security variables do not fit together (default security only).
 */
export function createRegistryClient(
  url: string,
  security: RegistrySecurity = processRegistrySecurity(),
): RegistryClient {
  const base = url.replace(/\/+$/, '');
  const secure = base.startsWith('https:');
  const agent = secure && security.ca !== undefined ? new HttpsAgent({ ca: security.ca, keepAlive: true }) : undefined;
  const client = new SchemaRegistry({
    host: base,
    retry: { retries: 3 },
    ...(security.auth === undefined
      ? {}
      : { auth: { username: security.auth.username, password: security.auth.password.reveal() } }),
    ...(agent === undefined ? {} : { agent }),
  });
  const authorization =
    security.auth === undefined
      ? undefined
      : `Basic ${Buffer.from(`${security.auth.username}:${security.auth.password.reveal()}`).toString('base64')}`;

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let response: { status: number; text: string };
    try {
      response = await send(`${base}${path}`, {
        method,
        headers: {
          accept: CONTENT_TYPE,
          'content-type': CONTENT_TYPE,
          ...(authorization === undefined ? {} : { authorization }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(agent === undefined ? {} : { agent }),
      });
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)) {
        throw new ContractError(
          ContractErrorCode.REGISTRY_UNAVAILABLE,
          `schema registry at ${base} presented a certificate that is not trusted (${code}): set SCHEMA_REGISTRY_CA_FILE to the PEM of the CA that signed it`,
          { cause },
        );
      }
      throw new ContractError(ContractErrorCode.REGISTRY_UNAVAILABLE, `schema registry at ${base} is unreachable`, {
        cause,
        retryable: true,
      });
    }
    if (response.status === 401 || response.status === 403) {
      throw new ContractError(
        ContractErrorCode.REGISTRY_UNAVAILABLE,
        `schema registry at ${base} refused ${security.auth === undefined ? 'a client without credentials' : `user ${security.auth.username}`} (${response.status}): check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD (or SCHEMA_REGISTRY_PASSWORD_FILE)`,
      );
    }
    const text = response.text;
    let json: unknown;
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    if (response.status >= 500) {
      throw new ContractError(
        ContractErrorCode.REGISTRY_UNAVAILABLE,
        `schema registry answered ${response.status} to ${method} ${path}`,
        { retryable: true },
      );
    }
    return { status: response.status, json };
  }

  const subjectPath = (subject: string) => `/subjects/${encodeURIComponent(subject)}`;

  return {
    client,
    url: base,
    async setCompatibility(subject, level = SUBJECT_COMPATIBILITY) {
      const { status, json } = await call('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level });
      if (status !== 200) {
        throw new ContractError(
          ContractErrorCode.REGISTRY_UNAVAILABLE,
          `cannot set compatibility of ${subject}: ${status} ${JSON.stringify(json)}`,
        );
      }
    },
    async register(subject, schema) {
      const { status, json } = await call('POST', `${subjectPath(subject)}/versions`, {
        schema: JSON.stringify(schema),
      });
      if (status === 409) {
        throw new ContractError(
          ContractErrorCode.SCHEMA_INCOMPATIBLE,
          `the registry refused ${String(schema.name)} under ${subject} as incompatible: ${messageOf(json)}`,
        );
      }
      if (status !== 200 || typeof (json as { id?: unknown })?.id !== 'number') {
        throw new ContractError(
          ContractErrorCode.REGISTRY_UNAVAILABLE,
          `cannot register ${subject}: ${status} ${messageOf(json)}`,
        );
      }
      return (json as { id: number }).id;
    },
    async isCompatible(subject, schema) {
      const { status, json } = await call('POST', `/compatibility${subjectPath(subject)}/versions/latest`, {
        schema: JSON.stringify(schema),
      });
      if (status === 404) return true; // no earlier version: anything is compatible
      if (status !== 200)
        throw new ContractError(ContractErrorCode.REGISTRY_UNAVAILABLE, `compatibility check failed: ${status}`);
      return (json as { is_compatible?: boolean }).is_compatible === true;
    },
    async idOf(subject, schema) {
      const { status, json } = await call('POST', subjectPath(subject), { schema: JSON.stringify(schema) });
      if (status === 404) return undefined;
      if (status !== 200)
        throw new ContractError(ContractErrorCode.REGISTRY_UNAVAILABLE, `lookup of ${subject} failed: ${status}`);
      return (json as { id: number }).id;
    },
    async subjects() {
      const { json } = await call('GET', '/subjects');
      return Array.isArray(json) ? (json as string[]) : [];
    },
  };
}

/** One HTTP request with node's own client (it takes a CA; `fetch` would need undici's agent). */
function send(
  url: string,
  options: { method: string; headers: Record<string, string>; body?: string; agent?: HttpsAgent },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
      target,
      {
        method: options.method,
        headers: options.headers,
        ...(options.agent === undefined ? {} : { agent: options.agent }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.setTimeout(30_000, () => request.destroy(new Error('the registry did not answer within 30 s')));
    request.on('error', reject);
    request.end(options.body);
  });
}

function messageOf(json: unknown): string {
  if (json !== null && typeof json === 'object' && 'message' in json)
    return String((json as { message: unknown }).message);
  return JSON.stringify(json);
}

export { SchemaType };
