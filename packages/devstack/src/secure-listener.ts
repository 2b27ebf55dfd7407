import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './processes.ts';

/**
 * A `SASL_SSL` listener beside the plaintext one: TLS with a throwaway CA made for this folder,
 * SCRAM users created when the storage is formatted and the same users for SASL `PLAIN`; and an
 * `SSL` listener that requires a client certificate signed by that CA (mTLS), whose common name
 * is the user. The plaintext listener (the stack's own tooling, the other tests) stays as it was.
 */
export interface SecureListener {
  /** Holds the CA, the broker's keystore and each user's password file. */
  readonly dir: string;
}

/** The SCRAM users of a secured local Kafka. */
export const SECURE_USERS = {
  /** Super user of the stack's own tooling (provisioning, `acls apply`). */
  admin: 'payhook-admin',
  /** What `dev up --secure` prints for clients: a user without special rights. */
  client: 'payhook',
} as const;

/** Every user formatted into a secured Kafka: the admin, the client, and one per service. */
export const SCRAM_USERS: readonly string[] = [
  SECURE_USERS.admin,
  SECURE_USERS.client,
  'payhook-scanner',
  'payhook-confirmation-filter',
  'payhook-dispatcher',
  'payhook-lag-exporter',
  'payhook-api',
  'payhook-cli',
];

/** Files of a secure listener. */
export function securePaths(listener: SecureListener) {
  return {
    /** PEM of the CA: what clients set as `KAFKA_SSL_CA_FILE`. */
    caCert: join(listener.dir, 'ca.pem'),
    caKey: join(listener.dir, 'ca.key'),
    /** The broker's PKCS#8 key followed by its certificate: Kafka's PEM keystore. */
    keystore: join(listener.dir, 'broker-keystore.pem'),
    /** A user's password, alone in its file (`KAFKA_SASL_PASSWORD_FILE`). */
    password: (user: string) => join(listener.dir, 'users', `${user}.password`),
    /** The client certificate of the mTLS listener (`KAFKA_SSL_CERT_FILE`), for {@link MTLS_USER}. */
    clientCert: join(listener.dir, 'client.pem'),
    /** Its key (`KAFKA_SSL_KEY_FILE`). */
    clientKey: join(listener.dir, 'client.key'),
  };
}

/** The user a client certificate of the mTLS listener names (its common name). */
export const MTLS_USER = SECURE_USERS.client;

const CERT_DAYS = '30';

/** Signs `csr` with the folder's CA for `usage` (serverAuth or clientAuth), with extra extension lines. */
function signWithCa(listener: SecureListener, csr: string, out: string, usage: string, extra: string[]): void {
  const p = securePaths(listener);
  const ext = `${out}.ext`;
  writeFileSync(
    ext,
    [
      ...extra,
      'basicConstraints=CA:FALSE',
      'keyUsage=digitalSignature,keyEncipherment',
      `extendedKeyUsage=${usage}`,
      '',
    ].join('\n'),
  );
  run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    p.caCert,
    '-CAkey',
    p.caKey,
    '-CAcreateserial',
    '-out',
    out,
    '-days',
    CERT_DAYS,
    '-extfile',
    ext,
  ]);
  rmSync(ext, { force: true });
}

/** A key and a certificate request for `subject`, as files `key` and `csr`. */
function newKeyAndRequest(key: string, csr: string, subject: string): void {
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject]);
}

/** The mTLS client's certificate and key, signed by the folder's CA, unless they exist. */
function ensureClientCertificate(listener: SecureListener): void {
  const p = securePaths(listener);
  if (existsSync(p.clientCert) && existsSync(p.clientKey)) return;
  const csr = join(listener.dir, 'client.csr');
  newKeyAndRequest(p.clientKey, csr, `/CN=${MTLS_USER}`);
  signWithCa(listener, csr, p.clientCert, 'clientAuth', []);
  rmSync(csr, { force: true });
}

/**
 * Makes the CA, the broker's certificate (for 127.0.0.1 and localhost) and every user's password
 * unless the folder has them already. Passwords are random; they are written to files only
 * their owner can read.
 */
export function ensureSecureMaterial(listener: SecureListener, hosts: readonly string[]): void {
  const p = securePaths(listener);
  mkdirSync(join(listener.dir, 'users'), { recursive: true, mode: 0o700 });
  for (const user of SCRAM_USERS) {
    if (!existsSync(p.password(user))) {
      writeFileSync(p.password(user), randomBytes(18).toString('base64url'), { mode: 0o600 });
    }
  }
  if (!existsSync(p.caCert) || !existsSync(p.keystore)) {
    run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      p.caKey,
      '-out',
      p.caCert,
      '-days',
      CERT_DAYS,
      '-subj',
      '/CN=payhook local dev CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    const key = join(listener.dir, 'broker.key');
    const csr = join(listener.dir, 'broker.csr');
    const cert = join(listener.dir, 'broker.pem');
    const names = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`));
    newKeyAndRequest(key, csr, '/CN=localhost');
    signWithCa(listener, csr, cert, 'serverAuth', [
      `subjectAltName=${[...new Set([...names, 'DNS:localhost', 'IP:127.0.0.1'])].join(',')}`,
    ]);
    // Kafka's PEM keystore: the unencrypted PKCS#8 key, then the chain.
    writeFileSync(p.keystore, `${readFileSync(key, 'utf8')}${readFileSync(cert, 'utf8')}`, { mode: 0o600 });
    for (const file of [key, csr]) rmSync(file, { force: true });
  }
  // A folder made before the mTLS listener existed gains its client certificate.
  ensureClientCertificate(listener);
}

/** A user's password, as the folder holds it. */
export function userPassword(listener: SecureListener, user: string): string {
  return readFileSync(securePaths(listener).password(user), 'utf8');
}

/** `kafka-storage format` arguments that create every user for both SCRAM mechanisms. */
export function scramFormatArgs(listener: SecureListener): string[] {
  return SCRAM_USERS.flatMap((user) => {
    const password = userPassword(listener, user);
    return ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((mechanism) => [
      '--add-scram',
      `${mechanism}=[name=${user},password=${password}]`,
    ]);
  });
}

/**
 * `server.properties` lines of the secure listener. The authorizer lets the plaintext and
 * controller listeners (principal ANONYMOUS) and the admin do anything, and every
 * authenticated user use a resource that has no ACL yet: the pipeline works over SASL_SSL as
 * it does in plaintext until `payhook acls apply` grants each service its own.
 */
export function secureListenerProperties(listener: SecureListener): string[] {
  const p = securePaths(listener);
  // PLAIN checks the password against the module's `user_<name>` options: the same passwords.
  const plainUsers = SCRAM_USERS.map((user) => `user_${user}="${userPassword(listener, user)}"`).join(' ');
  return [
    'sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN',
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${p.keystore}`,
    'ssl.client.auth=none',
    // The SSL listener asks every client for a certificate the CA signed; its CN is the user.
    'listener.name.ssl.ssl.client.auth=required',
    'listener.name.ssl.ssl.truststore.type=PEM',
    `listener.name.ssl.ssl.truststore.location=${p.caCert}`,
    'ssl.principal.mapping.rules=RULE:^CN=([^,]+)$/$1/,DEFAULT',
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    `super.users=User:ANONYMOUS;User:${SECURE_USERS.admin}`,
    'allow.everyone.if.no.acl.found=true',
  ];
}

/** The variables a client of the mTLS listener sets: the CA, and the client certificate and key. */
export function mtlsClientEnv(listener: SecureListener, brokers: string): Record<string, string> {
  const p = securePaths(listener);
  return {
    KAFKA_BROKERS: brokers,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: p.caCert,
    KAFKA_SSL_CERT_FILE: p.clientCert,
    KAFKA_SSL_KEY_FILE: p.clientKey,
  };
}

/** The variables a client of the secure listener sets, for `user` (its password from its file). */
export function secureClientEnv(
  listener: SecureListener,
  brokers: string,
  user: string = SECURE_USERS.client,
): Record<string, string> {
  const p = securePaths(listener);
  return {
    KAFKA_BROKERS: brokers,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: p.caCert,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: user,
    KAFKA_SASL_PASSWORD_FILE: p.password(user),
  };
}
