import { connect as tlsConnect } from 'node:tls';
import { PayhookError } from '@payhook/runtime';
import { type KafkaSecurity, tlsOptions } from './security.ts';

/** Stable codes of {@link KafkaSecurityError}. */
export const KafkaSecurityErrorCode = {
  /** The broker's certificate is not signed by a trusted CA, or names another host. */
  UNTRUSTED_BROKER: 'PAYHOOK_KAFKA_UNTRUSTED_BROKER',
  /** The broker does not speak TLS on that port (or only TLS, to a plaintext client). */
  TLS_MISMATCH: 'PAYHOOK_KAFKA_TLS_MISMATCH',
  /** The broker refused the SASL credentials. */
  AUTHENTICATION_FAILED: 'PAYHOOK_KAFKA_AUTHENTICATION_FAILED',
} as const;
export type KafkaSecurityErrorCode = (typeof KafkaSecurityErrorCode)[keyof typeof KafkaSecurityErrorCode];

/**
 * A connection the settings cannot make, whatever the retries: an untrusted certificate or
 * refused credentials. Permanent, so that a service stops at once (its supervisor shows why)
 * instead of retrying for minutes; the message names the variable to fix, never a password.
 */
export class KafkaSecurityError extends PayhookError {
  override readonly code: KafkaSecurityErrorCode;
  /** Tells kafkajs's retrier not to try again. */
  readonly retriable = false;

  constructor(code: KafkaSecurityErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, retryable: false });
    this.code = code;
  }
}

/** Node's codes for a certificate that does not verify. */
const UNTRUSTED_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function untrusted(address: string, security: KafkaSecurity, detail: string, cause: unknown): KafkaSecurityError {
  const ca = security.tls?.caFile;
  return new KafkaSecurityError(
    KafkaSecurityErrorCode.UNTRUSTED_BROKER,
    `the broker at ${address} presented a certificate that is not trusted (${detail}): ` +
      (ca === undefined
        ? 'set KAFKA_SSL_CA_FILE to the PEM of the CA that signed it'
        : `KAFKA_SSL_CA_FILE (${ca}) is not the CA that signed it, or the certificate does not name ${address.replace(/:\d+$/, '')}`),
    { cause },
  );
}

/**
 * The permanent error behind a failed connection or request, or undefined when retrying can
 * help (a broker that is down, a timeout).
 */
export function securityErrorOf(
  error: unknown,
  security: KafkaSecurity,
  address = 'the broker',
): KafkaSecurityError | undefined {
  if (error instanceof KafkaSecurityError) return error;
  const e = error as { name?: string; message?: string; code?: string } | undefined;
  if (e === undefined || e === null) return undefined;
  if (e.name === 'KafkaJSSASLAuthenticationError' && security.sasl !== undefined) {
    return new KafkaSecurityError(
      KafkaSecurityErrorCode.AUTHENTICATION_FAILED,
      `the broker refused user ${security.sasl.username} (${security.sasl.mechanism.toUpperCase()}): ` +
        'check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) and KAFKA_SASL_MECHANISM',
      { cause: error },
    );
  }
  if (e.code !== undefined && UNTRUSTED_CODES.has(e.code)) return untrusted(address, security, e.code, error);
  // kafkajs wraps what its retrier gave up on.
  const cause =
    (error as { cause?: unknown; originalError?: unknown }).cause ??
    (error as { originalError?: unknown }).originalError;
  return cause === undefined || cause === error ? undefined : securityErrorOf(cause, security, address);
}

/**
 * Opens one TLS connection to the first broker that answers and checks its certificate against
 * the configured CA, so that an untrusted broker fails at once with a message naming
 * KAFKA_SSL_CA_FILE (kafkajs takes it for a network error and retries for a long while).
 * Brokers that do not answer are left to the client's own retries.
 * @throws KafkaSecurityError when the certificate does not verify or the port does not speak TLS.
 */
export async function checkBrokerTrust(
  brokers: readonly string[],
  security: KafkaSecurity,
  timeoutMs: number,
): Promise<void> {
  const options = tlsOptions(security);
  if (options === undefined) return;
  for (const address of brokers) {
    const separator = address.lastIndexOf(':');
    const host = address.slice(0, separator);
    const port = Number(address.slice(separator + 1));
    const outcome = await new Promise<'ok' | 'unreachable' | KafkaSecurityError>((resolve) => {
      const socket = tlsConnect({ host, port, ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }), ...options });
      const timer = setTimeout(() => {
        socket.destroy();
        resolve('unreachable');
      }, timeoutMs);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.end();
        resolve('ok');
      });
      // A plaintext listener closes the connection on a TLS hello it takes for a huge request.
      let tcpConnected = false;
      socket.once('connect', () => {
        tcpConnected = true;
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        socket.destroy();
        const permanent = securityErrorOf(error, security, address);
        if (permanent !== undefined) return resolve(permanent);
        if (
          error.code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
          /wrong version number|packet length too long/i.test(error.message) ||
          (tcpConnected && (error.code === 'ECONNRESET' || error.code === 'EPIPE'))
        ) {
          return resolve(
            new KafkaSecurityError(
              KafkaSecurityErrorCode.TLS_MISMATCH,
              `the broker at ${address} does not speak TLS on that port (KAFKA_SSL=true): ` +
                'check KAFKA_BROKERS names its SSL or SASL_SSL listener',
              { cause: error },
            ),
          );
        }
        resolve('unreachable');
      });
    });
    if (outcome === 'ok') return;
    if (outcome instanceof KafkaSecurityError) throw outcome;
  }
}
