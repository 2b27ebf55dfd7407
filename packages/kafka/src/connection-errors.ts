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
  /** The broker requires a client certificate (mTLS) and got none, or one it does not trust. */
  CLIENT_CERTIFICATE_REFUSED: 'PAYHOOK_KAFKA_CLIENT_CERTIFICATE_REFUSED',
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

/**
 * Node's codes for the broker's TLS alert that it wants a client certificate or refuses the one
 * sent (OpenSSL 3 names them `ERR_SSL_SSL/TLS_ALERT_…`, older ones `ERR_SSL_SSLV3_ALERT_…`).
 */
const CLIENT_CERTIFICATE_ALERT =
  /^ERR_SSL_.*ALERT_(BAD_CERTIFICATE|CERTIFICATE_(REQUIRED|UNKNOWN|EXPIRED|REVOKED)|UNKNOWN_CA|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED)$/;

function clientCertificateRefused(
  address: string,
  security: KafkaSecurity,
  code: string,
  cause: unknown,
): KafkaSecurityError {
  const file = security.tls?.certFile;
  return new KafkaSecurityError(
    KafkaSecurityErrorCode.CLIENT_CERTIFICATE_REFUSED,
    file === undefined
      ? `the broker at ${address} requires a client certificate (mTLS, ${code}): ` +
          'set KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE to a certificate signed by a CA the broker trusts and its key'
      : `the broker at ${address} refused the client certificate of KAFKA_SSL_CERT_FILE (${file}) (${code}): ` +
          'it is not signed by a CA the broker trusts, has expired, or is not meant for client authentication',
    { cause },
  );
}

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
  if (e.code !== undefined && CLIENT_CERTIFICATE_ALERT.test(e.code)) {
    return clientCertificateRefused(address, security, e.code, error);
  }
  // kafkajs wraps what its retrier gave up on.
  const cause =
    (error as { cause?: unknown; originalError?: unknown }).cause ??
    (error as { originalError?: unknown }).originalError;
  return cause === undefined || cause === error ? undefined : securityErrorOf(cause, security, address);
}

/** A Kafka ApiVersions v0 request (allowed before authentication, so every listener answers it). */
const API_VERSIONS_REQUEST = (() => {
  const clientId = Buffer.from('payhook-trust-check');
  const header = Buffer.alloc(10);
  header.writeInt16BE(18, 0); // ApiVersions
  header.writeInt16BE(0, 2); // version 0: no request body
  header.writeInt32BE(1, 4); // correlation id
  header.writeInt16BE(clientId.length, 8);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + clientId.length);
  return Buffer.concat([size, header, clientId]);
})();

/**
 * Opens one TLS connection to the first broker that answers and checks its certificate against
 * the configured CA, so that an untrusted broker fails at once with a message naming
 * KAFKA_SSL_CA_FILE (kafkajs takes it for a network error and retries for a long while), and
 * sends one ApiVersions request, so that a broker that requires a client certificate and refuses
 * the one sent (or its absence) fails at once naming KAFKA_SSL_CERT_FILE.
 * Brokers that do not answer are left to the client's own retries.
 * @throws KafkaSecurityError when the certificate does not verify, the broker refuses the client's
 * certificate, or the port does not speak TLS.
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
        resolve(handshaken ? 'ok' : 'unreachable');
      }, timeoutMs);
      // Under TLS 1.3 the broker checks a client certificate after the client's handshake is
      // done, so the handshake alone does not say it was accepted: a request it answers does.
      let handshaken = false;
      socket.once('secureConnect', () => {
        handshaken = true;
        socket.write(API_VERSIONS_REQUEST);
      });
      socket.once('data', () => {
        clearTimeout(timer);
        socket.destroy();
        resolve('ok');
      });
      // Closed without a word: not a refusal this check can name; the client's own connection says more.
      socket.once('close', () => {
        clearTimeout(timer);
        resolve(handshaken ? 'ok' : 'unreachable');
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
        if (handshaken) return resolve('ok');
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
