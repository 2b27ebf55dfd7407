// docker-compose.yml and the Dockerfile cannot run here (no Docker engine), so they are
// checked against the code: the ports clients and Prometheus use, the variables each service
// reads (its zod schema) and the values it accepts, the topics they expect, and what the image
// holds. docker-compose.secure.yml, laid over it, is checked the same way, with its secret
// wiring: every program its own Kafka user, every password and key a compose secret.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { apiEnvSchema } from '@payhook/api';
import { filterEnvSchema } from '@payhook/confirmation-filter';
import { contractsEnv } from '@payhook/contracts';
import { devStackSettings, VERSIONS } from '@payhook/devstack';
import { dispatcherEnvSchema } from '@payhook/dispatcher';
import { kafkaEnv } from '@payhook/kafka';
import { lagExporterEnvSchema } from '@payhook/lag-exporter';
import { parseEnv } from '@payhook/runtime';
import { scannerEnvSchema } from '@payhook/scanner';
import { secretsKeyEnv } from '@payhook/signing';
import { parse } from 'yaml';
import { z } from 'zod';
import { DEPLOYED_KAFKA_USERS, standInContent } from './deploy/deployed-users.ts';
import { programEnvironment, RUNTIME_VARIABLES } from './deploy/runtime-variables.ts';

interface ComposeService {
  image?: string;
  build?: unknown;
  entrypoint?: string[];
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] };
  volumes?: string[];
  extra_hosts?: string[];
  secrets?: (string | { source: string; target?: string })[];
}
const root = new URL('../', import.meta.url);
const readRepo = (path: string) => readFileSync(new URL(path, root), 'utf8');
const compose = parse(readRepo('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;
const ownServices = Object.entries(services).filter(([, s]) => s.build !== undefined);

/** The schema of each program the image runs; the CLI reads the pipeline's variables and the secrets key. */
const SCHEMAS = {
  scanner: scannerEnvSchema,
  'confirmation-filter': filterEnvSchema,
  dispatcher: dispatcherEnvSchema,
  'lag-exporter': lagExporterEnvSchema,
  api: apiEnvSchema,
  cli: z.object({ ...kafkaEnv, ...contractsEnv, ...secretsKeyEnv }),
} as const satisfies Record<string, z.ZodObject>;
type Program = keyof typeof SCHEMAS;
const LONG_RUNNING = ['scanner', 'confirmation-filter', 'dispatcher', 'lag-exporter', 'api'] as const;

/** The programs a container's command runs (`node services/<name>/src/main.ts`). */
function programsOf(service: ComposeService): Program[] {
  const command = [...(service.entrypoint ?? []), ...(service.command ?? [])].join(' ');
  const programs = [...command.matchAll(/services\/([\w-]+)\/src\/main\.ts/g)].map((m) => m[1] as string);
  for (const program of programs) assert.ok(program in SCHEMAS, `no schema known for ${program}`);
  return [...new Set(programs)] as Program[];
}
const serviceRunning = (program: string) => ownServices.find(([, s]) => programsOf(s).includes(program as Program));
const envOf = (service: ComposeService) => service.environment ?? {};

interface PrometheusConfig {
  rule_files?: string[];
  scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
}
const prometheusConfig = parse(readRepo('deploy/prometheus/prometheus.yml')) as PrometheusConfig;

/** The container path a host path of the repository is mounted at. */
function mountOf(service: ComposeService | undefined, hostPath: string): string | undefined {
  for (const volume of service?.volumes ?? []) {
    const [from, to] = volume.split(':');
    if (from?.replace(/^\.\//, '').replace(/\/$/, '') === hostPath) return to;
  }
  return undefined;
}

describe('docker-compose.yml agrees with the code', () => {
  it('runs the same Kafka, registry and anvil versions as the local stack', () => {
    assert.equal(services.kafka?.image, `apache/kafka:${VERSIONS.kafka}`);
    assert.equal(services.registry?.image, `apicurio/apicurio-registry:${VERSIONS.apicurio}`);
    const devstack = JSON.parse(readRepo('packages/devstack/package.json')) as { dependencies: Record<string, string> };
    assert.equal(services.anvil?.image, `ghcr.io/foundry-rs/foundry:v${devstack.dependencies['@foundry-rs/anvil']}`);
  });

  it('publishes the broker, registry and chain on the ports the defaults point at', () => {
    const dev = devStackSettings({});
    const defaults = { KAFKA_BROKERS: '127.0.0.1:9092' };
    assert.ok(services.kafka?.ports?.includes(`${dev.kafkaPort}:9092`));
    assert.equal(defaults.KAFKA_BROKERS, `127.0.0.1:${dev.kafkaPort}`);
    assert.ok(services.registry?.ports?.some((p) => p.startsWith(`${dev.registryPort}:`)));
    assert.match(
      services.kafka?.environment?.KAFKA_ADVERTISED_LISTENERS ?? '',
      new RegExp(`127\\.0\\.0\\.1:${dev.kafkaPort}`),
    );
    assert.ok(services.anvil?.ports?.includes(`${dev.anvilPort}:8545`));
    const args = [...(services.anvil?.entrypoint ?? []), ...(services.anvil?.command ?? [])];
    assert.equal(args[0], 'anvil');
    assert.equal(args[args.indexOf('--host') + 1], '0.0.0.0', 'anvil listens beyond its container');
  });

  it('runs every service, and each container only variables its program reads, with values it accepts', () => {
    assert.deepEqual(ownServices.flatMap(([, s]) => programsOf(s)).sort(), [...LONG_RUNNING, 'cli'].sort());
    for (const [name, service] of ownServices) {
      const env = envOf(service);
      for (const program of programsOf(service)) {
        const known = new Set(Object.keys(SCHEMAS[program].shape));
        for (const variable of Object.keys(env))
          assert.ok(
            known.has(variable) || RUNTIME_VARIABLES.has(variable),
            `${name}: ${variable} is not read by ${program}`,
          );
        assert.doesNotThrow(
          () => parseEnv(SCHEMAS[program], programEnvironment(env)),
          `${name}: ${program} rejects its environment`,
        );
      }
    }
  });

  it('points payhook containers at the broker listener and registry inside the network', () => {
    const internal = services.kafka?.environment?.KAFKA_ADVERTISED_LISTENERS ?? '';
    for (const [name, service] of ownServices) {
      const config = parseEnv(SCHEMAS.cli, envOf(service));
      for (const broker of config.KAFKA_BROKERS)
        assert.ok(internal.includes(broker), `${name}: ${broker} is not an advertised listener`);
      const registry = new URL(config.SCHEMA_REGISTRY_URL);
      assert.ok(services[registry.hostname] !== undefined, `${name}: no compose service ${registry.hostname}`);
      assert.match(config.SCHEMA_REGISTRY_URL, /\/apis\/ccompat\/v7$/);
      const deps = service.depends_on as Record<string, unknown> | undefined;
      assert.ok(deps?.kafka !== undefined, `${name} waits for kafka`);
    }
  });

  it('starts the services after provisioning, publishes their ports and checks /healthz there', () => {
    for (const program of LONG_RUNNING) {
      const found = serviceRunning(program);
      assert.ok(found !== undefined, `no container runs ${program}`);
      const [name, service] = found;
      const port = parseEnv(SCHEMAS[program], { ...envOf(service) }).PAYHOOK_HTTP_PORT;
      const deps = service.depends_on as Record<string, { condition?: string }>;
      assert.equal(deps.provision?.condition, 'service_completed_successfully', `${name} waits for provisioning`);
      assert.ok(service.ports?.includes(`${port}:${port}`), `${name} publishes ${port}`);
      assert.match((service.healthcheck?.test ?? []).join(' '), new RegExp(`127\\.0\\.0\\.1:${port}/healthz`), name);
    }
  });

  it('points the scanner at the compose chain, and allows the dispatcher only hosts it can resolve', () => {
    const [, scanner] = serviceRunning('scanner') ?? [];
    assert.ok(scanner !== undefined);
    const chains = parseEnv(scannerEnvSchema, envOf(scanner)).SCANNER_CHAINS;
    for (const chain of chains) {
      const url = new URL(chain.rpcUrl);
      assert.ok(services[url.hostname] !== undefined, `${url.hostname} is not a compose service`);
      assert.equal(url.port, '8545');
    }
    const deps = scanner.depends_on as Record<string, { condition?: string }>;
    assert.equal(deps.anvil?.condition, 'service_healthy');

    const [, dispatcher] = serviceRunning('dispatcher') ?? [];
    assert.ok(dispatcher !== undefined);
    const extraHosts = (dispatcher.extra_hosts ?? []).map((h) => h.split(':')[0]);
    for (const host of parseEnv(dispatcherEnvSchema, envOf(dispatcher)).DISPATCHER_DEV_ALLOW_LIST)
      assert.ok(services[host] !== undefined || extraHosts.includes(host), `${host} does not resolve in compose`);
  });

  it('has Prometheus scrape each service at its compose name and default port, with the alert rules', () => {
    const targets = prometheusConfig.scrape_configs.flatMap((job) => job.static_configs.flatMap((s) => s.targets));
    const expected = LONG_RUNNING.map((program) => {
      const found = serviceRunning(program);
      assert.ok(found !== undefined);
      const defaultPort = SCHEMAS[program].shape.PAYHOOK_HTTP_PORT.parse(undefined);
      const port = parseEnv(SCHEMAS[program], { ...envOf(found[1]) }).PAYHOOK_HTTP_PORT;
      assert.equal(port, defaultPort, `${found[0]} keeps its default port`);
      return `${found[0]}:${defaultPort}`;
    });
    assert.deepEqual([...targets].sort(), [...expected].sort());
    assert.deepEqual(prometheusConfig.rule_files, ['alerts.yml']);

    const prometheus = services.prometheus;
    const configDir = mountOf(prometheus, 'deploy/prometheus');
    assert.ok(configDir !== undefined, 'deploy/prometheus is mounted');
    assert.ok(prometheus?.command?.includes(`--config.file=${configDir}/prometheus.yml`));
  });

  it('provisions Grafana from deploy/grafana against the compose Prometheus, for anonymous viewers', () => {
    const grafana = services.grafana;
    assert.equal(mountOf(grafana, 'deploy/grafana/provisioning'), '/etc/grafana/provisioning');
    const provider = parse(readRepo('deploy/grafana/provisioning/dashboards/payhook.yml')) as {
      providers: { options: { path: string } }[];
    };
    assert.equal(mountOf(grafana, 'deploy/grafana/dashboards'), provider.providers[0]?.options.path);
    const home = grafana?.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
    assert.ok(home.startsWith(`${provider.providers[0]?.options.path}/`));
    readRepo(`deploy/grafana/dashboards/${home.split('/').pop()}`);
    assert.equal(grafana?.environment?.GF_AUTH_ANONYMOUS_ENABLED, 'true');
    assert.equal(grafana?.environment?.GF_AUTH_ANONYMOUS_ORG_ROLE, 'Viewer');

    const datasources = parse(readRepo('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { url: string }[];
    };
    const url = new URL(datasources.datasources[0]?.url ?? '');
    assert.ok(services[url.hostname] !== undefined, `${url.hostname} is a compose service`);
    assert.ok(services[url.hostname]?.ports?.some((p) => p.endsWith(`:${url.port}`)));
  });
});

describe('docker-compose.secure.yml over docker-compose.yml', () => {
  const override = parse(readRepo('docker-compose.secure.yml'), { merge: true }) as {
    services: Record<string, ComposeService>;
    secrets?: Record<string, { file?: string }>;
  };
  /** What `docker compose` would run: the override's keys over the base's, environments merged. */
  const merged = Object.fromEntries(
    Object.entries(override.services).map(([name, over]) => {
      const base = services[name] ?? {};
      return [name, { ...base, ...over, environment: { ...envOf(base), ...envOf(over) } }];
    }),
  ) as Record<string, ComposeService>;
  /** Values for the variables compose takes from the shell (`${NAME:?…}`); `${NAME:-x}` is x. */
  const SHELL: Readonly<Record<string, string>> = {
    KAFKA_BROKERS: 'broker-1.example.com:9093,broker-2.example.com:9093',
    SCHEMA_REGISTRY_URL: 'https://registry.example.com/apis/ccompat/v7',
    SCHEMA_REGISTRY_USERNAME: 'registry-user',
  };
  const interpolate = (value: string) =>
    value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
      const shell = SHELL[name] ?? (kind === '-' ? rest : undefined);
      assert.ok(shell !== undefined, `no value for \${${name}}`);
      return shell;
    });
  const standIns = mkdtempSync(join(tmpdir(), 'payhook-compose-'));
  after(() => rmSync(standIns, { recursive: true, force: true }));
  /** Where each of a service's secrets is mounted (`/run/secrets/<target>`), by source. */
  const mountsOf = (service: ComposeService) =>
    new Map(
      (service.secrets ?? []).map((s) =>
        typeof s === 'string' ? [s, `/run/secrets/${s}`] : [s.source, `/run/secrets/${s.target ?? s.source}`],
      ),
    );
  /** The environment a program sees: shell values filled in, mounted secrets as stand-in files. */
  function environmentOf(name: string, service: ComposeService): Record<string, string> {
    const mounted = new Set(mountsOf(service).values());
    const env: Record<string, string> = {};
    for (const [variable, raw] of Object.entries(envOf(service))) {
      const value = interpolate(String(raw));
      if (!variable.endsWith('_FILE')) {
        env[variable] = value;
        continue;
      }
      assert.ok(mounted.has(value), `${name}: ${variable} (${value}) is not one of its secrets`);
      const file = join(standIns, `${name}-${variable}`);
      writeFileSync(file, standInContent(variable));
      env[variable] = file;
    }
    return env;
  }
  const own = Object.entries(merged).filter(([, s]) => s.build !== undefined);
  const users = DEPLOYED_KAFKA_USERS;

  it('keeps docker-compose.yml on its own the plaintext demo', () => {
    for (const [name, service] of ownServices) {
      const env = envOf(service);
      for (const variable of Object.keys(env))
        assert.doesNotMatch(
          variable,
          /^KAFKA_S(SL|ASL)|_PASSWORD|_FILE$/,
          `${name}: ${variable} in the plaintext demo`,
        );
      assert.equal(service.secrets, undefined, name);
    }
  });

  it('secures every payhook container, each as its own Kafka user, with values its program accepts', () => {
    assert.deepEqual(own.map(([name]) => name).sort(), ownServices.map(([name]) => name).sort());
    for (const [name, service] of own) {
      const [program, ...others] = programsOf(service);
      assert.ok(program !== undefined && others.length === 0, name);
      const config = parseEnv(SCHEMAS[program], environmentOf(name, service));
      assert.equal(config.KAFKA_SSL, true, name);
      assert.equal(config.KAFKA_SASL_USERNAME, users[program], `${name}: its own user`);
      assert.ok(config.KAFKA_SSL_CA_FILE !== undefined && config.KAFKA_SASL_PASSWORD_FILE !== undefined, name);
      assert.ok(config.SCHEMA_REGISTRY_PASSWORD_FILE !== undefined && config.SCHEMA_REGISTRY_USERNAME !== undefined);
      const env = envOf(service);
      assert.equal(env.KAFKA_SASL_PASSWORD, undefined, `${name}: passwords only as secrets`);
      assert.equal(env.SCHEMA_REGISTRY_PASSWORD, undefined, `${name}: passwords only as secrets`);
      const mounts = mountsOf(service);
      const own = `kafka-${users[program].replace(/^payhook-/, '')}-password`;
      assert.equal(mounts.get(own), env.KAFKA_SASL_PASSWORD_FILE, `${name}: its user's password, ${own}`);
      assert.equal(mounts.get('kafka-ca'), env.KAFKA_SSL_CA_FILE, `${name}: the CA`);
      assert.equal(mounts.get('schema-registry-password'), env.SCHEMA_REGISTRY_PASSWORD_FILE, name);
      const passwords = [...mounts.keys()].filter((source) => /^kafka-.*-password$/.test(source));
      assert.deepEqual(passwords, [own], `${name}: no other user's password`);
    }
    assert.match((merged.provision?.command ?? []).join(' '), /topics create.*schemas register.*acls apply/s);
  });

  it('gives the secrets key to the dispatcher, the API and the CLI only', () => {
    const holders = own.filter(([, s]) => mountsOf(s).has('payhook-secrets-key')).map(([, s]) => programsOf(s)[0]);
    assert.deepEqual(holders.sort(), ['api', 'cli', 'dispatcher']);
    for (const [name, service] of own)
      assert.equal(
        envOf(service).PAYHOOK_SECRETS_KEY_FILE,
        mountsOf(service).get('payhook-secrets-key'),
        `${name}: PAYHOOK_SECRETS_KEY_FILE where the key is mounted`,
      );
  });

  it('reads every secret from a file under .local/, which neither git nor the image build takes', () => {
    const used = new Set(own.flatMap(([, s]) => [...mountsOf(s).keys()]));
    assert.deepEqual(Object.keys(override.secrets ?? {}).sort(), [...used].sort());
    for (const [name, secret] of Object.entries(override.secrets ?? {}))
      assert.match(secret.file ?? '', /^\.\/\.local\/secrets\//, name);
    for (const ignore of ['.gitignore', '.dockerignore'])
      assert.ok(
        readRepo(ignore)
          .split('\n')
          .some((line) => /^\/?\.local\/?$/.test(line.trim())),
        `${ignore} leaves .local out`,
      );
  });
});

describe('the Dockerfile', () => {
  const dockerfile = readRepo('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const ofKind = (kind: string) => instructions.filter((line) => line.toUpperCase().startsWith(`${kind} `));

  it('builds on Node 24 slim', () => {
    const bases = ofKind('FROM');
    assert.ok(bases.length > 0);
    for (const base of bases) assert.match(base, /^FROM node:24[.\d]*-(bookworm-|trixie-)?slim\b/);
  });

  it('runs as a non-root user, with a health check', () => {
    const user = ofKind('USER').pop()?.split(/\s+/)[1] ?? 'root';
    assert.ok(!/^(root|0)(:|$)/.test(user), `runs as ${user}`);
    assert.equal(ofKind('HEALTHCHECK').length, 1);
    assert.match(ofKind('HEALTHCHECK')[0] ?? '', /\/healthz/);
  });

  it('installs production dependencies from the lockfile and holds what the services read at run time', () => {
    assert.ok(ofKind('RUN').some((run) => /npm ci\b.*--omit=dev/.test(run)));
    const copied = ofKind('COPY').join('\n');
    for (const path of ['package.json', 'package-lock.json', 'packages', 'services', 'schemas'])
      assert.match(copied, new RegExp(`\\b${path.replace('.', '\\.')}\\b`), `the image lacks ${path}`);
    const ignored = readRepo('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    for (const path of ['package.json', 'package-lock.json', 'packages', 'services', 'schemas'])
      assert.ok(!ignored.includes(path), `.dockerignore leaves out ${path}`);
  });

  it('fills the compile cache as the user the services run as, after the code is in place', () => {
    const env = ofKind('ENV').find((line) => line.includes('NODE_COMPILE_CACHE='));
    assert.ok(env, 'no NODE_COMPILE_CACHE');
    const at = (line: string | undefined) => (line === undefined ? -1 : instructions.indexOf(line));
    const warm = instructions.indexOf('RUN node scripts/warm-compile-cache.ts');
    assert.ok(warm >= 0, 'the cache is never filled');
    const lastUser = instructions.findLastIndex((line) => line.toUpperCase().startsWith('USER '));
    assert.ok(lastUser < warm && at(env) < warm, 'filled as the final user, with the variable set');
    const lastCopy = instructions.findLastIndex((line) => line.toUpperCase().startsWith('COPY '));
    assert.ok(lastCopy < warm, 'no code is copied in after the cache is filled');
    assert.ok(
      readRepo('.dockerignore').split('\n').includes('!scripts/warm-compile-cache.ts'),
      '.dockerignore keeps the script in the build context',
    );
  });

  it('builds the web console in a stage of its own and carries only its built files', () => {
    assert.ok(
      ofKind('FROM').some((from) => / AS console$/i.test(from)),
      'no stage named console',
    );
    assert.ok(ofKind('RUN').some((run) => run.includes('npm run build -w @payhook/console')));
    // The API serves API_CONSOLE_DIR, by default services/console/dist/web.
    assert.ok(
      ofKind('COPY').includes('COPY --from=console /app/services/console/dist/web services/console/dist/web'),
      'the final image lacks the console files',
    );
  });
});
