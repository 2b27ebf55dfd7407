// Settings that cannot work against a secured broker and registry fail at once with a message
// naming the variable to fix, never a retry loop and never a password: a wrong password, a CA
// that did not sign the broker's certificate, a registry password that is refused, and
// variables that do not fit together. The other ways in, on the same broker: a client
// certificate (mTLS) and SASL PLAIN work, and a missing or untrusted certificate and a wrong
// PLAIN password are refused at once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { dispatcherEnvSchema } from '@payhook/dispatcher';
import { parseEnv } from '@payhook/runtime';
import { runCli } from '../cli/run-cli.ts';
import { roundTrip, type SecureStack, startSecureStack } from './secure-fixture.ts';

let stack: SecureStack;

before(async () => {
  stack = await startSecureStack();
});
after(async () => {
  await stack?.close();
});

/** Runs a service's composition root until it exits on its own (or `timeoutMs`), with its output. */
async function runService(
  name: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | null; output: string; ms: number }> {
  const main = fileURLToPath(new URL(`../../services/${name}/src/main.ts`, import.meta.url));
  const started = Date.now();
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, PAYHOOK_HTTP_PORT: '0', PAYHOOK_HTTP_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output, ms: Date.now() - started };
}

async function timedCli(args: readonly string[], env: Record<string, string>) {
  const started = Date.now();
  const result = await runCli(args, env);
  return { ...result, ms: Date.now() - started };
}

describe('a secured broker refuses', () => {
  it('a wrong password: the CLI and a service stop within seconds naming the variables, without the password', async () => {
    const wrong = 'not-the-password-0123';
    const env = { ...stack.env('payhook-cli'), KAFKA_SASL_PASSWORD_FILE: '', KAFKA_SASL_PASSWORD: wrong };
    for (const args of [['lag'], ['topics', 'describe']]) {
      const result = await timedCli(args, env);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /refused user payhook-cli \(SCRAM-SHA-512\).*KAFKA_SASL_PASSWORD/);
      assert.ok(result.ms < 10_000, `payhook ${args.join(' ')} took ${result.ms} ms`);
      assert.ok(!`${result.stdout}${result.stderr}`.includes(wrong), 'the password is not shown');
    }
    const service = await runService('dispatcher', {
      ...stack.env('payhook-dispatcher'),
      KAFKA_SASL_PASSWORD_FILE: '',
      KAFKA_SASL_PASSWORD: wrong,
    });
    assert.equal(service.code, 1, service.output);
    assert.match(service.output, /refused user payhook-dispatcher/);
    assert.ok(service.ms < 15_000, `the dispatcher took ${service.ms} ms to stop`);
    assert.ok(!service.output.includes(wrong), 'the password is not logged');
  });

  it('a broker certificate its CA file did not sign: fails within seconds naming KAFKA_SSL_CA_FILE', async () => {
    const env = { ...stack.env('payhook-cli'), KAFKA_SSL_CA_FILE: stack.otherCaFile() };
    const result = await timedCli(['lag'], env);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /certificate that is not trusted .*KAFKA_SSL_CA_FILE/);
    assert.ok(result.ms < 10_000, `payhook lag took ${result.ms} ms`);
    const service = await runService('confirmation-filter', { ...env, FILTER_INSTANCE_ID: 'untrusted' });
    assert.equal(service.code, 1, service.output);
    assert.match(service.output, /not trusted.*KAFKA_SSL_CA_FILE/);
    assert.ok(service.ms < 15_000, `the filter took ${service.ms} ms to stop`);
  });

  it('TLS to the plaintext listener: fails at once saying the port does not speak TLS', async () => {
    const result = await timedCli(['lag'], { ...stack.env('payhook-cli'), KAFKA_BROKERS: stack.broker.brokers });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /does not speak TLS on that port/);
    assert.ok(result.ms < 10_000, `payhook lag took ${result.ms} ms`);
  });

  it('a registry password that is refused: named, and never shown', async () => {
    const wrong = 'wrong-registry-password-42';
    const result = await timedCli(['schemas', 'register'], {
      ...stack.env('payhook-cli'),
      SCHEMA_REGISTRY_PASSWORD_FILE: '',
      SCHEMA_REGISTRY_PASSWORD: wrong,
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /refused user registry-client \(401\).*SCHEMA_REGISTRY_PASSWORD/);
    assert.ok(!`${result.stdout}${result.stderr}`.includes(wrong));
    assert.ok(stack.refusedRegistryRequests() > 0);
  });
});

describe('a client certificate (mTLS) and SASL PLAIN', () => {
  it('a client with KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE writes and reads; so does the CLI', async () => {
    const env = stack.listener.mtlsClientEnv();
    assert.ok(env.KAFKA_SSL_CERT_FILE !== undefined && env.KAFKA_SSL_KEY_FILE !== undefined);
    const { written, read } = await roundTrip(env);
    assert.equal(read, written);
    const described = await runCli(['topics', 'describe', '--json'], env);
    assert.equal(described.code, 0, described.stderr);
  });

  it('no client certificate: fails within seconds naming KAFKA_SSL_CERT_FILE', async () => {
    const { KAFKA_SSL_CERT_FILE: _, KAFKA_SSL_KEY_FILE: __, ...env } = stack.listener.mtlsClientEnv();
    const result = await timedCli(['lag'], env);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /requires a client certificate .*set KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE/);
    assert.ok(result.ms < 10_000, `payhook lag took ${result.ms} ms`);
  });

  it('a client certificate no trusted CA signed: the CLI and a service stop within seconds naming it', async () => {
    const { cert, key } = stack.untrustedClientCertificate();
    const env = { ...stack.listener.mtlsClientEnv(), KAFKA_SSL_CERT_FILE: cert, KAFKA_SSL_KEY_FILE: key };
    const result = await timedCli(['lag'], env);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /refused the client certificate of KAFKA_SSL_CERT_FILE/);
    assert.ok(result.stderr.includes(cert), 'the file is named');
    assert.ok(result.ms < 10_000, `payhook lag took ${result.ms} ms`);
    const service = await runService('dispatcher', env);
    assert.equal(service.code, 1, service.output);
    assert.match(service.output, /refused the client certificate of KAFKA_SSL_CERT_FILE/);
    assert.ok(service.ms < 15_000, `the dispatcher took ${service.ms} ms to stop`);
  });

  it('KAFKA_SASL_MECHANISM=plain writes and reads; a wrong password fails within seconds, never shown', async () => {
    const env = { ...stack.listener.clientEnv('payhook-cli'), KAFKA_SASL_MECHANISM: 'plain' };
    const { written, read } = await roundTrip(env);
    assert.equal(read, written);
    const wrong = 'not-the-plain-password-5';
    const result = await timedCli(['lag'], { ...env, KAFKA_SASL_PASSWORD_FILE: '', KAFKA_SASL_PASSWORD: wrong });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /refused user payhook-cli \(PLAIN\).*KAFKA_SASL_PASSWORD/);
    assert.ok(result.ms < 10_000, `payhook lag took ${result.ms} ms`);
    assert.ok(!`${result.stdout}${result.stderr}`.includes(wrong), 'the password is not shown');
  });
});

describe('security settings that do not fit together', () => {
  it('a missing file is refused at start with 78, naming the variable', async () => {
    for (const variable of ['KAFKA_SSL_CA_FILE', 'KAFKA_SASL_PASSWORD_FILE', 'SCHEMA_REGISTRY_CA_FILE']) {
      const result = await runService('lag-exporter', {
        ...stack.env('payhook-lag-exporter'),
        [variable]: '/no/such/file',
      });
      assert.equal(result.code, 78, result.output);
      assert.match(result.output, new RegExp(`${variable}: file /no/such/file does not exist`));
    }
  });

  it('a password without a user, a certificate without its key, an unknown mechanism: named', async () => {
    // Each with a command that builds the client concerned.
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['lag'], { KAFKA_SASL_PASSWORD: 'x' }, /KAFKA_SASL_USERNAME: is required when KAFKA_SASL_PASSWORD is set/],
      [
        ['lag'],
        { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: stack.listener.caFile },
        /KAFKA_SSL_KEY_FILE: is required when KAFKA_SSL_CERT_FILE is set/,
      ],
      [
        ['lag'],
        { KAFKA_SASL_MECHANISM: 'gssapi' },
        /KAFKA_SASL_MECHANISM: must be one of scram-sha-256, scram-sha-512, plain/,
      ],
      [['lag'], { KAFKA_SSL_CA_FILE: stack.listener.caFile }, /KAFKA_SSL_CA_FILE: is set but KAFKA_SSL is not true/],
      [
        ['schemas', 'register'],
        { SCHEMA_REGISTRY_PASSWORD: 'x' },
        /SCHEMA_REGISTRY_USERNAME: is required when SCHEMA_REGISTRY_PASSWORD is set/,
      ],
    ];
    for (const [args, env, message] of cases) {
      const cli = await runCli(args, { KAFKA_BROKERS: stack.listener.brokers, ...env });
      assert.equal(cli.code, 2, cli.stderr);
      assert.match(cli.stderr, message);
      const service = await runService('dispatcher', { KAFKA_BROKERS: stack.listener.brokers, ...env });
      assert.equal(service.code, 78, service.output);
      assert.match(service.output, message);
    }
  });

  it('a parsed password prints as [redacted] in JSON, inspect and strings', () => {
    const file = join(stack.home, 'pw');
    writeFileSync(file, 'file-password-7\n');
    const config = parseEnv(dispatcherEnvSchema, {
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD_FILE: file,
      SCHEMA_REGISTRY_USERNAME: 'r',
      SCHEMA_REGISTRY_PASSWORD: 'registry-password-9',
    });
    assert.equal(config.KAFKA_SASL_MECHANISM, 'scram-sha-256');
    assert.equal(config.KAFKA_SASL_PASSWORD_FILE?.reveal(), 'file-password-7');
    for (const text of [
      JSON.stringify(config),
      inspect(config, { depth: 5 }),
      String(config.SCHEMA_REGISTRY_PASSWORD),
    ]) {
      assert.ok(!text.includes('file-password-7') && !text.includes('registry-password-9'), text);
    }
  });
});
