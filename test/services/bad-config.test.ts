// Every service reads its environment once at start: a missing or malformed variable stops it
// with status 78 (EX_CONFIG) and a message naming the variable, before it connects anywhere.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const main = (service: string) => fileURLToPath(new URL(`../../services/${service}/src/main.ts`, import.meta.url));

async function run(service: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [main(service)], {
    env: { PATH: process.env.PATH ?? '', KAFKA_BROKERS: '127.0.0.1:1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

const cases: [string, Record<string, string>, RegExp][] = [
  ['scanner', {}, /SCANNER_CHAINS: is required but not set/],
  ['scanner', { SCANNER_CHAINS: 'not json' }, /SCANNER_CHAINS: must be a JSON array of chains/],
  [
    'scanner',
    { SCANNER_CHAINS: '[{"chainId":999999,"rpcUrl":"http://127.0.0.1:8545"}]' },
    /SCANNER_CHAINS: \[0\.chainId\] unknown chain/,
  ],
  [
    'scanner',
    { SCANNER_CHAINS: '[{"chainId":1,"rpcUrl":"ftp://x"}]' },
    /SCANNER_CHAINS: \[0\.rpcUrl\] must be an http/,
  ],
  [
    'confirmation-filter',
    { KAFKA_BROKERS: 'nohostport' },
    /KAFKA_BROKERS: must be a comma-separated list of host:port/,
  ],
  ['confirmation-filter', { PAYHOOK_HTTP_PORT: '99999' }, /PAYHOOK_HTTP_PORT: must be between 0 and 65535/],
  ['dispatcher', { DISPATCHER_RETRY_JITTER: '2' }, /DISPATCHER_RETRY_JITTER: must be ≤ 1/],
  ['dispatcher', { PAYHOOK_RETRY_TIERS: '10m,1m' }, /PAYHOOK_RETRY_TIERS: "1m" must be longer/],
  ['dispatcher', { SCHEMA_REGISTRY_URL: 'registry' }, /SCHEMA_REGISTRY_URL: must be an http/],
  ['lag-exporter', { LAG_INTERVAL_MS: '0' }, /LAG_INTERVAL_MS: must be > 0/],
];

describe('services refuse bad configuration', () => {
  for (const [service, env, message] of cases) {
    it(`${service}: ${Object.keys(env).join(', ') || 'nothing set'}`, async () => {
      const { code, stderr } = await run(service, env);
      assert.equal(code, 78, stderr);
      assert.match(stderr, message);
    });
  }
});
