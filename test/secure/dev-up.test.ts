// `payhook dev up --secure` on a private stack (own folder and ports): a SASL_SSL listener beside
// the plaintext one, and the printed settings are all a client needs.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../cli/run-cli.ts';

const home = mkdtempSync(join(tmpdir(), 'payhook-dev-secure-'));
const env = {
  PAYHOOK_DEV_HOME: home,
  PAYHOOK_DEV_KAFKA_PORT: '39292',
  PAYHOOK_DEV_CONTROLLER_PORT: '39293',
  PAYHOOK_DEV_KAFKA_SECURE_PORT: '39296',
  PAYHOOK_DEV_REGISTRY_PORT: '39281',
  PAYHOOK_DEV_ANVIL_PORT: '39245',
  PAYHOOK_DEV_KAFKA_HEAP: '384m',
  PAYHOOK_DEV_REGISTRY_HEAP: '256m',
};

/** `NAME=value` lines of an output. */
function settingsOf(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .split('\n')
      .map((line) => /^([A-Z_]+)=(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] as string, m[2] as string]),
  );
}

describe('payhook dev up --secure', () => {
  after(async () => {
    await runCli(['dev', 'down'], env);
    rmSync(home, { recursive: true, force: true });
  });

  it('prints what a client of the SASL_SSL listener sets, and the listener takes it', async () => {
    const up = await runCli(['dev', 'up', '--secure'], env);
    assert.equal(up.code, 0, up.stderr);
    const printed = settingsOf(up.stdout);
    assert.equal(printed.KAFKA_BROKERS, '127.0.0.1:39296');
    assert.equal(printed.KAFKA_SSL, 'true');
    assert.equal(printed.KAFKA_SASL_MECHANISM, 'scram-sha-512');
    assert.equal(printed.KAFKA_SASL_USERNAME, 'payhook');
    assert.ok(existsSync(printed.KAFKA_SSL_CA_FILE ?? ''), 'the CA file exists');
    assert.ok(existsSync(printed.KAFKA_SASL_PASSWORD_FILE ?? ''), 'the password file exists');
    assert.equal(printed.KAFKA_SASL_PASSWORD, undefined, 'the password itself is not printed');
    assert.match(up.stderr, /plaintext listener .*127\.0\.0\.1:39292/);
    assert.match(up.stderr, /mTLS listener: KAFKA_BROKERS=127\.0\.0\.1:39297 KAFKA_SSL_CERT_FILE=\S+client\.pem/);

    const prefix = `devsecure${Date.now()}.`;
    const created = await runCli(['topics', 'create'], { ...printed, PAYHOOK_TOPIC_PREFIX: prefix });
    assert.equal(created.code, 0, created.stderr);
    const described = await runCli(['topics', 'describe', '--json'], { ...printed, PAYHOOK_TOPIC_PREFIX: prefix });
    assert.equal(described.code, 0, described.stderr);
    const rows = JSON.parse(described.stdout) as { missing?: boolean }[];
    assert.ok(rows.length > 0 && rows.every((r) => r.missing !== true));

    // The plaintext listener is as it was, for the stack's own tooling and the other tests.
    const plain = await runCli(['topics', 'describe', '--json'], {
      KAFKA_BROKERS: '127.0.0.1:39292',
      PAYHOOK_TOPIC_PREFIX: prefix,
    });
    assert.equal(plain.code, 0, plain.stderr);

    // The folder keeps its secure listener: a later plain "up" is a no-op that prints the same.
    const again = await runCli(['dev', 'up'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /kafka: already running/);
    assert.deepEqual(settingsOf(again.stdout), printed);
  });
});
