// docker-compose.yml cannot run here (no Docker engine), so it is checked against the code:
// the ports clients use, the variables the services read, and the topics they expect.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { contractsEnv, parseRetryTiers } from '@payhook/contracts';
import { devStackSettings, VERSIONS } from '@payhook/devstack';
import { kafkaEnv } from '@payhook/kafka';
import { parse } from 'yaml';

interface ComposeService {
  image?: string;
  build?: unknown;
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
}
const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;
const knownVariables = new Set([...Object.keys(kafkaEnv), ...Object.keys(contractsEnv)]);
const ownServices = Object.entries(services).filter(([, s]) => s.build !== undefined);

describe('docker-compose.yml agrees with the code', () => {
  it('runs the same Kafka and registry versions as the local stack', () => {
    assert.equal(services.kafka?.image, `apache/kafka:${VERSIONS.kafka}`);
    assert.equal(services.registry?.image, `apicurio/apicurio-registry:${VERSIONS.apicurio}`);
  });

  it('publishes the broker and registry on the ports the defaults point at', () => {
    const dev = devStackSettings({});
    const defaults = { KAFKA_BROKERS: '127.0.0.1:9092' };
    assert.ok(services.kafka?.ports?.includes(`${dev.kafkaPort}:9092`));
    assert.equal(defaults.KAFKA_BROKERS, `127.0.0.1:${dev.kafkaPort}`);
    assert.ok(services.registry?.ports?.some((p) => p.startsWith(`${dev.registryPort}:`)));
    assert.match(
      services.kafka?.environment?.KAFKA_ADVERTISED_LISTENERS ?? '',
      new RegExp(`127\\.0\\.0\\.1:${dev.kafkaPort}`),
    );
  });

  it('gives payhook containers only variables the code reads, with values the code accepts', () => {
    assert.ok(ownServices.length > 0);
    for (const [name, service] of ownServices) {
      for (const variable of Object.keys(service.environment ?? {})) {
        assert.ok(knownVariables.has(variable), `${name}: ${variable} is not read by any payhook service`);
      }
      const env = service.environment ?? {};
      if (env.PAYHOOK_RETRY_TIERS !== undefined)
        assert.doesNotThrow(() => parseRetryTiers(env.PAYHOOK_RETRY_TIERS as string));
      if (env.SCHEMA_REGISTRY_URL !== undefined) assert.match(env.SCHEMA_REGISTRY_URL, /\/apis\/ccompat\/v7$/);
    }
  });

  it('points payhook containers at the broker listener and registry inside the network', () => {
    const internal = services.kafka?.environment?.KAFKA_ADVERTISED_LISTENERS ?? '';
    for (const [name, service] of ownServices) {
      const brokers = service.environment?.KAFKA_BROKERS;
      if (brokers === undefined) continue;
      for (const broker of brokers.split(','))
        assert.ok(internal.includes(broker), `${name}: ${broker} is not an advertised listener`);
      assert.ok(service.depends_on?.kafka !== undefined, `${name} waits for kafka`);
    }
  });
});
