// A private broker with a SASL_SSL listener (a throwaway CA, SCRAM users) and, in front of the
// shared registry, an https proxy that asks for basic auth as a Confluent-compatible registry
// does: what a secured deployment looks like, on loopback.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KafkaBroker, type SecureKafkaListener, startKafkaBroker } from '@payhook/devstack';
import { createKafkaClient, kafkaSecurityFromEnv } from '@payhook/kafka';
import { createLogger } from '@payhook/runtime';
import { testEnvironment, uniqueName, waitUntil } from '@payhook/testkit';

/** A secured broker and registry for one test file. */
export interface SecureStack {
  readonly home: string;
  readonly broker: KafkaBroker;
  readonly listener: SecureKafkaListener;
  /** https URL of the registry proxy (Confluent-compatible API). */
  readonly registryUrl: string;
  readonly registryUser: string;
  readonly registryPassword: string;
  /** Requests the proxy refused for want of the right credentials. */
  readonly refusedRegistryRequests: () => number;
  /**
   * The variables a client sets to reach both as `user` (passwords in files). `KAFKA_BROKERS`
   * is the SASL_SSL listener.
   */
  env(user?: string): Record<string, string>;
  /** A CA of its own that signed nothing the broker presents. */
  otherCaFile(): string;
  /** A client certificate and key (CN `payhook`) signed by no CA the broker trusts. */
  untrustedClientCertificate(): { cert: string; key: string };
  close(): Promise<void>;
}

export async function startSecureStack(): Promise<SecureStack> {
  const home = mkdtempSync(join(tmpdir(), 'payhook-secure-'));
  const broker = await startKafkaBroker({ stateDir: home, secure: true });
  const listener = broker.secure;
  if (listener === undefined) throw new Error('the broker has no secure listener');
  // The broker's own certificate (for 127.0.0.1, signed by the throwaway CA) serves the proxy too.
  const keystore = readFileSync(join(listener.dir, 'broker-keystore.pem'), 'utf8');
  const registryUser = 'registry-client';
  const registryPassword = randomBytes(12).toString('base64url');
  const passwordFile = join(home, 'registry.password');
  writeFileSync(passwordFile, `${registryPassword}\n`, { mode: 0o600 });
  const expected = `Basic ${Buffer.from(`${registryUser}:${registryPassword}`).toString('base64')}`;
  const upstream = new URL(testEnvironment.schemaRegistryUrl);
  const upstreamBase = upstream.pathname.replace(/\/+$/, '');
  let refused = 0;
  const server: Server = createServer({ key: keystore, cert: keystore }, (req, res) => {
    if (req.headers.authorization !== expected) {
      refused += 1;
      res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"', 'content-type': 'application/json' });
      res.end('{"error_code":401,"message":"Unauthorized"}');
      return;
    }
    const { authorization: _, host: __, ...headers } = req.headers;
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: `${upstreamBase}${(req.url ?? '/').replace(/^\/apis\/ccompat\/v7/, '')}`,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const registryUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/apis/ccompat/v7`;

  return {
    home,
    broker,
    listener,
    registryUrl,
    registryUser,
    registryPassword,
    refusedRegistryRequests: () => refused,
    env: (user) => ({
      ...listener.clientEnv(user),
      SCHEMA_REGISTRY_URL: registryUrl,
      SCHEMA_REGISTRY_USERNAME: registryUser,
      SCHEMA_REGISTRY_PASSWORD_FILE: passwordFile,
      SCHEMA_REGISTRY_CA_FILE: listener.caFile,
    }),
    otherCaFile: () => selfSigned(home, 'other-ca', '/CN=a CA nobody uses'),
    untrustedClientCertificate() {
      const cert = selfSigned(home, 'stranger', '/CN=payhook');
      return { cert, key: join(home, 'stranger.key') };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await broker.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A self-signed certificate `<name>.pem` (its key `<name>.key`) in `dir`; the certificate's path. */
function selfSigned(dir: string, name: string, subject: string): string {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', subject],
    { stdio: 'ignore' },
  );
  return cert;
}

/**
 * A client with `env`'s settings (`KAFKA_BROKERS`, `KAFKA_SSL*`, `KAFKA_SASL*`) creates a topic,
 * writes one record to it and reads it back; resolves with the value written and the value read.
 */
export async function roundTrip(env: Record<string, string>): Promise<{ written: string; read: string | undefined }> {
  const kafka = createKafkaClient({
    brokers: (env.KAFKA_BROKERS ?? '').split(','),
    clientId: uniqueName('round-trip'),
    logger: createLogger({ name: 'round-trip', level: 'fatal', destination: process.stderr }),
    retries: 3,
    security: kafkaSecurityFromEnv(env),
  });
  const topic = uniqueName('round-trip');
  const value = randomBytes(8).toString('hex');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ value }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: uniqueName('round-trip'), maxWaitTimeInMs: 100 });
  let read: string | undefined;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        read = message.value?.toString();
      },
    });
    await waitUntil(() => read !== undefined, { what: `the record of ${topic}`, timeoutMs: 30_000 });
  } finally {
    await consumer.disconnect();
  }
  return { written: value, read };
}

/** Sets the process's variables, for the clients that take the process's security by default. */
export function useEnvironment(env: Record<string, string>): void {
  for (const [name, value] of Object.entries(env)) process.env[name] = value;
}
