import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgram } from '@payhook/cli/program';
import type { Command } from 'commander';
import { runCli } from './run-cli.ts';

function walk(command: Command, path: string[] = []): { path: string[]; command: Command }[] {
  return command.commands.flatMap((c) => [{ path: [...path, c.name()], command: c }, ...walk(c, [...path, c.name()])]);
}

const program = createProgram({ io: { out: () => undefined, err: () => undefined }, env: {} });

describe('payhook CLI', () => {
  it('every command has a description and answers --help with status 0', async () => {
    const commands = walk(program);
    assert.ok(commands.length >= 7);
    for (const { path, command } of commands) {
      assert.ok(command.description().length > 10, `${path.join(' ')} has a description`);
      const result = await runCli([...path, '--help']);
      assert.equal(result.code, 0, `${path.join(' ')} --help: ${result.stderr}`);
      assert.match(result.stdout, /Usage: payhook/);
    }
  });

  it('an unknown command exits 2 with help', async () => {
    const result = await runCli(['frobnicate']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown command/);
  });

  const badEnvironments: [string, Record<string, string>, RegExp][] = [
    [
      'KAFKA_BROKERS without a port',
      { KAFKA_BROKERS: 'localhost' },
      /KAFKA_BROKERS: must be a comma-separated list of host:port/,
    ],
    ['SCHEMA_REGISTRY_URL not http', { SCHEMA_REGISTRY_URL: 'ftp://registry' }, /SCHEMA_REGISTRY_URL: must be an http/],
    ['PAYHOOK_RETRY_TIERS malformed', { PAYHOOK_RETRY_TIERS: '5s,1x' }, /PAYHOOK_RETRY_TIERS: "1x" is not a duration/],
    ['PAYHOOK_RETRY_TIERS shrinking', { PAYHOOK_RETRY_TIERS: '1m,5s' }, /PAYHOOK_RETRY_TIERS: "5s" must be longer/],
    ['PAYHOOK_PARTITIONS negative', { PAYHOOK_PARTITIONS: '-3' }, /PAYHOOK_PARTITIONS: must be > 0/],
    ['PAYHOOK_PARTITIONS not a number', { PAYHOOK_PARTITIONS: 'six' }, /PAYHOOK_PARTITIONS: must be a number/],
  ];
  for (const [title, env, message] of badEnvironments) {
    it(`bad configuration (${title}) stops with status 2 and names the variable`, async () => {
      const result = await runCli(['topics', 'create'], env);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    });
  }

  it('an unreachable broker fails with status 1 and says so', async () => {
    const result = await runCli(['topics', 'create'], { KAFKA_BROKERS: '127.0.0.1:1' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /payhook: .*(connect|ECONNREFUSED)/i);
  });

  it('topics create is idempotent against the real broker', async () => {
    const env = { PAYHOOK_RETRY_TIERS: '1s,2s,4s' };
    const first = await runCli(['topics', 'create'], env);
    assert.equal(first.code, 0, first.stderr);
    const second = await runCli(['topics', 'create'], env);
    assert.equal(second.code, 0, second.stderr);
    const lines = second.stdout.trim().split('\n');
    // Eight pipeline topics, three retry tiers, and the API's idempotency and jobs topics.
    assert.equal(lines.length, 13, second.stdout);
    assert.ok(
      lines.every((l) => l.startsWith('unchanged')),
      second.stdout,
    );
    const described = await runCli(['topics', 'describe'], env);
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /^webhooks\.retry\.2s {2}partitions=6 {2}cleanup\.policy=delete/m);
    assert.match(described.stdout, /^endpoints {2}partitions=3 {2}cleanup\.policy=compact/m);
    assert.doesNotMatch(described.stdout, /MISSING/);
  });

  it('schemas register is idempotent and schemas check passes afterwards', async () => {
    const env = { PAYHOOK_RETRY_TIERS: '1s,2s,4s' };
    const first = await runCli(['schemas', 'register'], env);
    assert.equal(first.code, 0, first.stderr);
    const second = await runCli(['schemas', 'register'], env);
    assert.equal(second.code, 0, second.stderr);
    const lines = second.stdout.trim().split('\n');
    // Every topic but the API's own two, whose values are not registry contracts.
    assert.equal(lines.length, 11);
    assert.ok(
      lines.every((l) => l.startsWith('unchanged')),
      second.stdout,
    );
    assert.match(second.stdout, /webhooks\.retry\.4s-value {2}WebhookDelivery {2}id=\d+/);
    const check = await runCli(['schemas', 'check'], env);
    assert.equal(check.code, 0, check.stdout);
  });
});
