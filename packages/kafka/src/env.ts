import { fileField, secretField, secretFileField } from '@payhook/contracts';
import { envField } from '@payhook/runtime';
import { z } from 'zod';

/** SASL mechanisms payhook's clients speak (kafkajs's names). */
export const SASL_MECHANISMS = ['scram-sha-256', 'scram-sha-512', 'plain'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/**
 * How clients reach a secured cluster: TLS (with a private CA, and a client certificate for
 * mTLS) and SASL. Every field is checked on its own here (a file that is missing, a mechanism
 * payhook does not speak); how they fit together is checked by `kafkaSecurityOf`.
 */
export const kafkaSecurityEnv = {
  /** `true`: connect over TLS. @defaultValue false */
  KAFKA_SSL: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((v) => v === 'true')
    .default(false),
  /** PEM file of the CA that signed the brokers' certificates; default: the system's CAs. */
  KAFKA_SSL_CA_FILE: fileField().optional(),
  /** PEM client certificate (mTLS); needs KAFKA_SSL_KEY_FILE. */
  KAFKA_SSL_CERT_FILE: fileField().optional(),
  /** PEM private key of the client certificate (mTLS). */
  KAFKA_SSL_KEY_FILE: fileField().optional(),
  /** `scram-sha-256`, `scram-sha-512` or `plain`. */
  KAFKA_SASL_MECHANISM: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(SASL_MECHANISMS, { error: `must be one of ${SASL_MECHANISMS.join(', ')}` }))
    .optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  /** Never logged: it parses to a value that prints as `[redacted]`. */
  KAFKA_SASL_PASSWORD: secretField().optional(),
  /** The password from a file (a mounted Kubernetes Secret). */
  KAFKA_SASL_PASSWORD_FILE: secretFileField().optional(),
} as const;

/** Environment variables of every Kafka client; compose into a service's schema. */
export const kafkaEnv = {
  /** Comma-separated `host:port` list. */
  KAFKA_BROKERS: envField.hostPorts().default(['127.0.0.1:9092']),
  /** Partitions of the stream topics when provisioning. */
  PAYHOOK_PARTITIONS: envField.positiveInt().default(6),
  /** Replicas of each partition when provisioning; capped at the cluster's broker count. */
  PAYHOOK_REPLICATION_FACTOR: envField.positiveInt().default(3),
  /** Topic config `min.insync.replicas` when provisioning; capped at the replication factor. */
  PAYHOOK_MIN_INSYNC_REPLICAS: envField.positiveInt().default(2),
  ...kafkaSecurityEnv,
} as const;

export const kafkaEnvSchema = z.object(kafkaEnv);
export const kafkaSecurityEnvSchema = z.object(kafkaSecurityEnv);
/** The parsed {@link kafkaSecurityEnv}. */
export type KafkaSecurityEnv = z.infer<typeof kafkaSecurityEnvSchema>;
