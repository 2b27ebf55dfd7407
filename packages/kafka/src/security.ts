import type { ConnectionOptions } from 'node:tls';
import type { Secret } from '@payhook/contracts';
import { ConfigError, type ConfigIssue, type Environment, parseEnv } from '@payhook/runtime';
import type { SASLOptions } from 'kafkajs';
import { type KafkaSecurityEnv, kafkaSecurityEnvSchema, type SaslMechanism } from './env.ts';

/** How a client authenticates to the brokers and protects the connection. */
export interface KafkaSecurity {
  /** TLS; undefined: plaintext. */
  readonly tls?:
    | {
        /** PEM of the CA that signed the brokers' certificates; undefined: the system's CAs. */
        readonly ca?: string | undefined;
        /** Where `ca` was read from, for messages. */
        readonly caFile?: string | undefined;
        /** PEM client certificate and key (mTLS). */
        readonly cert?: string | undefined;
        /** Where `cert` was read from, for messages. */
        readonly certFile?: string | undefined;
        readonly key?: string | undefined;
      }
    | undefined;
  /** SASL; undefined: none. */
  readonly sasl?:
    | {
        readonly mechanism: SaslMechanism;
        readonly username: string;
        readonly password: Secret;
      }
    | undefined;
}

/** Plaintext, no authentication: the local stack's default listener. */
export const PLAINTEXT: KafkaSecurity = Object.freeze({});

/**
 * The security a parsed environment describes, after checking that its variables fit together.
 * @throws ConfigError naming every variable that is missing or set without the one it needs.
 */
export function kafkaSecurityOf(env: KafkaSecurityEnv): KafkaSecurity {
  const issues: ConfigIssue[] = [];
  const need = (variable: string, problem: string) => issues.push({ variable, problem });
  if (!env.KAFKA_SSL) {
    for (const [variable, value] of [
      ['KAFKA_SSL_CA_FILE', env.KAFKA_SSL_CA_FILE],
      ['KAFKA_SSL_CERT_FILE', env.KAFKA_SSL_CERT_FILE],
      ['KAFKA_SSL_KEY_FILE', env.KAFKA_SSL_KEY_FILE],
    ] as const) {
      if (value !== undefined) need(variable, 'is set but KAFKA_SSL is not true (set KAFKA_SSL=true to use TLS)');
    }
  }
  if (env.KAFKA_SSL_CERT_FILE !== undefined && env.KAFKA_SSL_KEY_FILE === undefined) {
    need('KAFKA_SSL_KEY_FILE', 'is required when KAFKA_SSL_CERT_FILE is set (the client certificate needs its key)');
  }
  if (env.KAFKA_SSL_KEY_FILE !== undefined && env.KAFKA_SSL_CERT_FILE === undefined) {
    need('KAFKA_SSL_CERT_FILE', 'is required when KAFKA_SSL_KEY_FILE is set (the key needs its certificate)');
  }
  if (env.KAFKA_SASL_PASSWORD !== undefined && env.KAFKA_SASL_PASSWORD_FILE !== undefined) {
    need('KAFKA_SASL_PASSWORD_FILE', 'is set beside KAFKA_SASL_PASSWORD: set one of them');
  }
  const password = env.KAFKA_SASL_PASSWORD_FILE ?? env.KAFKA_SASL_PASSWORD;
  const passwordVariable =
    env.KAFKA_SASL_PASSWORD_FILE !== undefined ? 'KAFKA_SASL_PASSWORD_FILE' : 'KAFKA_SASL_PASSWORD';
  const anySasl =
    env.KAFKA_SASL_MECHANISM !== undefined || env.KAFKA_SASL_USERNAME !== undefined || password !== undefined;
  if (anySasl) {
    if (env.KAFKA_SASL_USERNAME === undefined) {
      need(
        'KAFKA_SASL_USERNAME',
        password !== undefined
          ? `is required when ${passwordVariable} is set (a password without a user)`
          : 'is required when KAFKA_SASL_MECHANISM is set',
      );
    }
    if (password === undefined) {
      need('KAFKA_SASL_PASSWORD', 'is required with KAFKA_SASL_USERNAME (or KAFKA_SASL_PASSWORD_FILE)');
    }
    if (env.KAFKA_SASL_MECHANISM === undefined) {
      need('KAFKA_SASL_MECHANISM', 'is required with KAFKA_SASL_USERNAME (scram-sha-256, scram-sha-512 or plain)');
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    ...(env.KAFKA_SSL
      ? {
          tls: {
            ca: env.KAFKA_SSL_CA_FILE?.text,
            caFile: env.KAFKA_SSL_CA_FILE?.path,
            cert: env.KAFKA_SSL_CERT_FILE?.text,
            certFile: env.KAFKA_SSL_CERT_FILE?.path,
            key: env.KAFKA_SSL_KEY_FILE?.text,
          },
        }
      : {}),
    ...(env.KAFKA_SASL_MECHANISM !== undefined && env.KAFKA_SASL_USERNAME !== undefined && password !== undefined
      ? { sasl: { mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME, password } }
      : {}),
  };
}

/**
 * The security the environment describes, parsed once.
 * @throws ConfigError naming the variable that is wrong.
 */
export function kafkaSecurityFromEnv(env: Environment): KafkaSecurity {
  return kafkaSecurityOf(parseEnv(kafkaSecurityEnvSchema, env));
}

let processSecurity: KafkaSecurity | undefined;

/**
 * The security of the process's environment (`KAFKA_SSL`, `KAFKA_SASL_*`), parsed on first use
 * and kept: what a client gets when its caller names none. A service parsed these variables
 * already with its schema (which fails with 78 naming a malformed one); this adds the checks of
 * how they fit together.
 * @throws ConfigError naming the variable that is wrong.
 */
export function processKafkaSecurity(): KafkaSecurity {
  processSecurity ??= kafkaSecurityFromEnv(process.env);
  return processSecurity;
}

/** The TLS options of a connection (kafkajs's `ssl`), or undefined for plaintext. */
export function tlsOptions(security: KafkaSecurity): ConnectionOptions | undefined {
  const tls = security.tls;
  if (tls === undefined) return undefined;
  return {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
  };
}

/** kafkajs's `sasl` option, or undefined. The password is revealed here and nowhere else. */
export function saslOptions(security: KafkaSecurity): SASLOptions | undefined {
  const sasl = security.sasl;
  if (sasl === undefined) return undefined;
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password.reveal() } as SASLOptions;
}

/** How a security setup reads in a message (never the password). */
export function describeSecurity(security: KafkaSecurity): string {
  const protocol = `${security.sasl === undefined ? '' : 'SASL_'}${security.tls === undefined ? 'PLAINTEXT' : 'SSL'}`;
  return security.sasl === undefined
    ? protocol
    : `${protocol} as ${security.sasl.username} (${security.sasl.mechanism.toUpperCase()})`;
}
