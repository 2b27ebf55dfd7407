import { ConfigError, type ConfigIssue, type Environment, envField, parseEnv } from '@payhook/runtime';
import { z } from 'zod';
import { DEFAULT_RETRY_TIERS, parseRetryTiers, type RetryTier } from './retry-tiers.ts';
import { fileField, type Secret, secretField, secretFileField } from './secret.ts';

/**
 * How clients reach a registry that asks for credentials (HTTP basic auth, as Confluent-compatible
 * registries do) or serves https with a private CA.
 */
export const registrySecurityEnv = {
  SCHEMA_REGISTRY_USERNAME: z.string().optional(),
  /** Never logged: it parses to a value that prints as `[redacted]`. */
  SCHEMA_REGISTRY_PASSWORD: secretField().optional(),
  /** The password from a file (a mounted Kubernetes Secret). */
  SCHEMA_REGISTRY_PASSWORD_FILE: secretFileField().optional(),
  /** PEM file of the CA that signed an https registry's certificate; default: the system's CAs. */
  SCHEMA_REGISTRY_CA_FILE: fileField().optional(),
} as const;
const registrySecuritySchema = z.object(registrySecurityEnv);
/** The parsed {@link registrySecurityEnv}. */
export type RegistrySecurityEnv = z.infer<typeof registrySecuritySchema>;

/** Credentials and trust of the registry client. */
export interface RegistrySecurity {
  readonly auth?: { readonly username: string; readonly password: Secret } | undefined;
  /** PEM of the CA that signed an https registry's certificate. */
  readonly ca?: string | undefined;
}

/**
 * The registry security a parsed environment describes, after checking its variables fit together.
 * @throws ConfigError naming the variable that is missing or set without the one it needs.
 */
export function registrySecurityOf(env: RegistrySecurityEnv): RegistrySecurity {
  const issues: ConfigIssue[] = [];
  if (env.SCHEMA_REGISTRY_PASSWORD !== undefined && env.SCHEMA_REGISTRY_PASSWORD_FILE !== undefined) {
    issues.push({
      variable: 'SCHEMA_REGISTRY_PASSWORD_FILE',
      problem: 'is set beside SCHEMA_REGISTRY_PASSWORD: set one of them',
    });
  }
  const password = env.SCHEMA_REGISTRY_PASSWORD_FILE ?? env.SCHEMA_REGISTRY_PASSWORD;
  if (password !== undefined && env.SCHEMA_REGISTRY_USERNAME === undefined) {
    issues.push({
      variable: 'SCHEMA_REGISTRY_USERNAME',
      problem: `is required when ${env.SCHEMA_REGISTRY_PASSWORD_FILE !== undefined ? 'SCHEMA_REGISTRY_PASSWORD_FILE' : 'SCHEMA_REGISTRY_PASSWORD'} is set (a password without a user)`,
    });
  }
  if (password === undefined && env.SCHEMA_REGISTRY_USERNAME !== undefined) {
    issues.push({
      variable: 'SCHEMA_REGISTRY_PASSWORD',
      problem: 'is required with SCHEMA_REGISTRY_USERNAME (or SCHEMA_REGISTRY_PASSWORD_FILE)',
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    ...(env.SCHEMA_REGISTRY_USERNAME !== undefined && password !== undefined
      ? { auth: { username: env.SCHEMA_REGISTRY_USERNAME, password } }
      : {}),
    ...(env.SCHEMA_REGISTRY_CA_FILE === undefined ? {} : { ca: env.SCHEMA_REGISTRY_CA_FILE.text }),
  };
}

let processSecurity: RegistrySecurity | undefined;

/**
 * The registry security of the process's environment, parsed on first use and kept: what a
 * registry client gets when its caller names none.
 * @throws ConfigError naming the variable that is wrong.
 */
export function processRegistrySecurity(env: Environment = process.env): RegistrySecurity {
  if (env !== process.env) return registrySecurityOf(parseEnv(registrySecuritySchema, env));
  processSecurity ??= registrySecurityOf(parseEnv(registrySecuritySchema, env));
  return processSecurity;
}

/** Environment variables naming the registry and the retry tiers; compose into a service's schema. */
export const contractsEnv = {
  /** Base URL of the Confluent-compatible registry API. */
  SCHEMA_REGISTRY_URL: envField.httpUrl().default('http://127.0.0.1:8081/apis/ccompat/v7'),
  /** Comma-separated tier delays, e.g. `5s,1m,10m,1h,6h,24h`. */
  PAYHOOK_RETRY_TIERS: z
    .string()
    .transform((spec, ctx): RetryTier[] => {
      try {
        return parseRetryTiers(spec);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^retry tiers: /, '') });
        return z.NEVER;
      }
    })
    .default([...DEFAULT_RETRY_TIERS]),
  /** Prefix of every topic (and so of every registry subject), e.g. `staging.`; empty by default. */
  PAYHOOK_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'may hold only letters, digits, ".", "_" and "-"')
    .default(''),
  ...registrySecurityEnv,
} as const;
