// deploy/k8s cannot be applied here (no cluster), so its manifests are checked against the
// code: the variables each service reads, its port, its shutdown budget, the topic, group and
// partition count KEDA scales on. Their schema validity is scripts/check-deploy.sh's job.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { after, describe, it } from 'node:test';
import { apiEnvSchema } from '@payhook/api';
import { filterEnvSchema } from '@payhook/confirmation-filter';
import { contractsEnv, pipelineTopics } from '@payhook/contracts';
import { dispatcherEnvSchema } from '@payhook/dispatcher';
import { kafkaEnv } from '@payhook/kafka';
import { lagExporterEnvSchema } from '@payhook/lag-exporter';
import { parseEnv } from '@payhook/runtime';
import { scannerEnvSchema } from '@payhook/scanner';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { DEPLOYED_KAFKA_USERS, standInContent } from './deployed-users.ts';
import { programEnvironment, RUNTIME_VARIABLES } from './runtime-variables.ts';

const K8S = new URL('../../deploy/k8s/', import.meta.url);

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Volume {
  name: string;
  secret?: { secretName: string; optional?: boolean; items?: { key: string; path: string }[] };
  configMap?: { name: string };
  emptyDir?: Record<string, unknown>;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: Record<string, unknown>;
}
interface WorkloadSpec {
  replicas?: number;
  strategy?: { type?: string };
  selector?: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string> };
    spec: {
      terminationGracePeriodSeconds?: number;
      securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
      containers: Container[];
      volumes?: Volume[];
    };
  };
}
interface ScaledObjectSpec {
  scaleTargetRef: { name: string };
  minReplicaCount?: number;
  maxReplicaCount?: number;
  triggers: { type: string; metadata: Record<string, string>; authenticationRef?: { name: string } }[];
}

const kustomization = parseAllDocuments(readFileSync(new URL('kustomization.yaml', K8S), 'utf8'))[0]?.toJS() as {
  namespace?: string;
  resources: string[];
  images?: { name: string }[];
};
const manifests: Manifest[] = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(new URL(file, K8S), 'utf8'))
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((doc): doc is Manifest => doc !== null),
);
const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind);
const workloads = manifests.filter((m) => ['Deployment', 'StatefulSet', 'Job'].includes(m.kind));
const specOf = (m: Manifest) => m.spec as unknown as WorkloadSpec;

/** The schema of each program the image runs; the CLI reads the pipeline's variables only. */
const SCHEMAS = {
  scanner: scannerEnvSchema,
  'confirmation-filter': filterEnvSchema,
  dispatcher: dispatcherEnvSchema,
  'lag-exporter': lagExporterEnvSchema,
  api: apiEnvSchema,
  cli: z.object({ ...kafkaEnv, ...contractsEnv }),
} as const satisfies Record<string, z.ZodObject>;
type ServiceName = keyof typeof SCHEMAS;
const LONG_RUNNING = ['scanner', 'confirmation-filter', 'dispatcher', 'lag-exporter', 'api'] as const;
type LongRunning = (typeof LONG_RUNNING)[number];
const isLongRunning = (name: ServiceName): name is LongRunning => (LONG_RUNNING as readonly string[]).includes(name);

/** Stand-ins for variables whose value lives in the cluster, so the rest can be parsed. */
const CLUSTER_VALUES: Readonly<Record<string, string>> = {
  SCANNER_CHAINS: '[{"chainId":1,"rpcUrl":"https://rpc.example"}]',
  FILTER_INSTANCE_ID: 'payhook-confirmation-filter-0',
};

/**
 * Stand-ins for the files the cluster mounts (`*_FILE` variables name them), so that the
 * programs' schemas, which read their files, can parse the rest: a key ring for the secrets key,
 * any text for the others.
 */
const standIns = mkdtempSync(join(tmpdir(), 'payhook-manifests-'));
after(() => rmSync(standIns, { recursive: true, force: true }));
function standInFile(variable: string): string {
  const file = join(standIns, variable);
  writeFileSync(file, standInContent(variable));
  return file;
}

/** The payhook program a container runs, from its command. */
function serviceOf(container: Container): ServiceName | undefined {
  const names = [...(container.command ?? []).join(' ').matchAll(/services\/([\w-]+)\/src\/main\.ts/g)].map(
    (m) => m[1] as string,
  );
  const [name, ...others] = [...new Set(names)];
  assert.equal(others.length, 0, `${container.name} runs one program`);
  if (name !== undefined) assert.ok(name in SCHEMAS, `no schema known for ${name}`);
  return name as ServiceName | undefined;
}

function configMap(name: string): Record<string, string> {
  const map = ofKind('ConfigMap').find((m) => m.metadata.name === name);
  assert.ok(map !== undefined, `ConfigMap ${name} is not among the manifests`);
  return map.data ?? {};
}

/** The variables a container gets as written: ConfigMaps it imports, then its own variables. */
function declaredEnvironmentOf(container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    assert.equal(from.secretRef, undefined, `${container.name}: import single Secret keys, not whole Secrets`);
    if (from.configMapRef !== undefined) Object.assign(env, configMap(from.configMapRef.name));
  }
  for (const variable of container.env ?? []) {
    const value = variable.value ?? CLUSTER_VALUES[variable.name] ?? secretStandIn(variable);
    assert.ok(value !== undefined, `${container.name}: no stand-in value for ${variable.name}`);
    env[variable.name] = value;
  }
  return env;
}

/** A value for a variable taken from a Secret's key (the Secret lives in the cluster). */
function secretStandIn(variable: EnvVar): string | undefined {
  const ref = variable.valueFrom?.secretKeyRef;
  return ref === undefined ? undefined : `${ref.name}-${ref.key}`;
}

/** The environment a container's program sees, with stand-ins for the files the cluster mounts. */
function environmentOf(container: Container): Record<string, string> {
  const env = declaredEnvironmentOf(container);
  for (const variable of Object.keys(env)) if (variable.endsWith('_FILE')) env[variable] = standInFile(variable);
  return env;
}

/** The volume a container mounts where `path` lies, or undefined. */
function volumeHolding(workload: Manifest, container: Container, path: string): Volume | undefined {
  const mount = (container.volumeMounts ?? []).find(
    (m) => posix.relative(m.mountPath, path) !== '' && !posix.relative(m.mountPath, path).startsWith('..'),
  );
  return specOf(workload).template.spec.volumes?.find((v) => v.name === mount?.name);
}

const allContainers = workloads.flatMap((workload) =>
  specOf(workload).template.spec.containers.flatMap((container) => {
    const service = serviceOf(container);
    return service === undefined ? [] : [{ workload, container, service }];
  }),
);
const payhookContainers = allContainers.flatMap(({ service, ...rest }) =>
  isLongRunning(service) ? [{ ...rest, service }] : [],
);
const of = (service: LongRunning) => payhookContainers.filter((c) => c.service === service);
const dispatcherConfig = () => {
  const [dispatcher] = of('dispatcher');
  assert.ok(dispatcher !== undefined);
  return parseEnv(dispatcherEnvSchema, environmentOf(dispatcher.container));
};

describe('deploy/k8s agrees with the code', () => {
  it('runs every service, in the kustomization namespace, on the kustomized image', () => {
    assert.deepEqual([...new Set(allContainers.map((c) => c.service))].sort(), Object.keys(SCHEMAS).sort());
    assert.deepEqual(
      ofKind('Namespace').map((n) => n.metadata.name),
      [kustomization.namespace],
    );
    const images = new Set((kustomization.images ?? []).map((i) => i.name));
    for (const { container } of allContainers) assert.ok(images.has(container.image), container.name);
  });

  it('gives each container only variables its program reads, with values it accepts', () => {
    for (const { container, service } of allContainers) {
      const known = new Set(Object.keys(SCHEMAS[service].shape));
      const env = environmentOf(container);
      for (const variable of Object.keys(env))
        assert.ok(
          known.has(variable) || RUNTIME_VARIABLES.has(variable),
          `${container.name}: ${service} does not read ${variable}`,
        );
      assert.doesNotThrow(() => parseEnv(SCHEMAS[service], programEnvironment(env)), container.name);
    }
  });

  it('probes /healthz and /readyz on the port the service listens on', () => {
    for (const { container, service } of payhookContainers) {
      const port = parseEnv(SCHEMAS[service], environmentOf(container)).PAYHOOK_HTTP_PORT;
      const named = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]));
      const resolve = (probe: Probe | undefined) =>
        typeof probe?.httpGet?.port === 'string' ? named.get(probe.httpGet.port) : probe?.httpGet?.port;
      assert.equal(container.livenessProbe?.httpGet?.path, '/healthz', `${container.name} liveness`);
      assert.equal(container.readinessProbe?.httpGet?.path, '/readyz', `${container.name} readiness`);
      assert.equal(resolve(container.livenessProbe), port, `${container.name} liveness port`);
      assert.equal(resolve(container.readinessProbe), port, `${container.name} readiness port`);
    }
  });

  it('sets resource requests and limits and runs as a non-root user without privilege escalation', () => {
    for (const { workload, container } of allContainers) {
      for (const kind of ['requests', 'limits'] as const)
        for (const resource of ['cpu', 'memory'])
          assert.ok(container.resources?.[kind]?.[resource], `${container.name}: ${kind}.${resource}`);
      const pod = specOf(workload).template.spec.securityContext ?? {};
      const nonRoot = container.securityContext?.runAsNonRoot ?? pod.runAsNonRoot;
      const user = container.securityContext?.runAsUser ?? pod.runAsUser;
      assert.equal(nonRoot, true, `${container.name}: runAsNonRoot`);
      assert.ok(user !== undefined && user !== 0, `${container.name}: a numeric non-root runAsUser`);
      assert.equal(container.securityContext?.allowPrivilegeEscalation, false, container.name);
    }
  });

  it('gives the dispatcher more grace than its whole shutdown takes', () => {
    // main.ts bounds the stop at DISPATCHER_SHUTDOWN_DEADLINE_MS plus a margin for the commit.
    const main = readFileSync(new URL('../../services/dispatcher/src/main.ts', import.meta.url), 'utf8');
    const margin = /DISPATCHER_SHUTDOWN_DEADLINE_MS\s*\+\s*([\d_]+)/.exec(main)?.[1];
    assert.ok(margin !== undefined, 'the shutdown deadline of services/dispatcher/src/main.ts has changed shape');
    const stopMs = dispatcherConfig().DISPATCHER_SHUTDOWN_DEADLINE_MS + Number(margin.replaceAll('_', ''));
    for (const { workload } of of('dispatcher')) {
      const grace = specOf(workload).template.spec.terminationGracePeriodSeconds;
      assert.ok(grace !== undefined && grace * 1000 > stopMs, `grace ${grace}s must exceed ${stopMs} ms`);
    }
  });

  it('runs the dispatcher with a heap that fits its memory limit, and compose with the same flags', () => {
    const flagsOf = (command: readonly string[]) =>
      command.slice(
        1,
        command.findIndex((arg) => arg.endsWith('.ts')),
      );
    const mib = (flags: readonly string[], name: string) =>
      Number(flags.find((f) => f.startsWith(`--${name}=`))?.split('=')[1] ?? Number.NaN);
    const compose = parseAllDocuments(
      readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'),
    )[0]?.toJS() as {
      services: Record<string, { command?: string[]; environment?: Record<string, string> }>;
    };
    for (const { container } of of('dispatcher')) {
      const flags = flagsOf(container.command ?? []);
      const oldSpace = mib(flags, 'max-old-space-size');
      const semiSpace = mib(flags, 'max-semi-space-size');
      assert.ok(oldSpace > 0 && semiSpace > 0, `${container.name}: heap flags ${flags.join(' ')}`);
      // The main thread has these limits (its young generation is three semi-spaces); each sender
      // thread has its own, from the environment. Code, buffers and the runtime take about 160 MiB more.
      const env = environmentOf(container);
      const { shape } = dispatcherEnvSchema;
      const threads = shape.DISPATCHER_SENDER_THREADS.parse(env.DISPATCHER_SENDER_THREADS);
      const senderHeap =
        shape.DISPATCHER_SENDER_OLD_GENERATION_MB.parse(env.DISPATCHER_SENDER_OLD_GENERATION_MB) +
        shape.DISPATCHER_SENDER_YOUNG_GENERATION_MB.parse(env.DISPATCHER_SENDER_YOUNG_GENERATION_MB);
      const limit = container.resources?.limits?.memory ?? '';
      assert.match(limit, /^\d+Mi$/, `${container.name}: memory limit in Mi`);
      assert.ok(
        oldSpace + 3 * semiSpace + threads * senderHeap + 160 <= Number.parseInt(limit, 10),
        `${container.name}: heaps of ${1 + threads} isolates fit ${limit}`,
      );
      assert.deepEqual(flagsOf(compose.services.dispatcher?.command ?? []), flags, 'docker-compose.yml dispatcher');
      assert.equal(compose.services.dispatcher?.environment?.MALLOC_ARENA_MAX, env.MALLOC_ARENA_MAX, 'malloc arenas');
      assert.ok(Number(env.MALLOC_ARENA_MAX) >= 1, `${container.name}: MALLOC_ARENA_MAX ${env.MALLOC_ARENA_MAX}`);
    }
  });

  it('keeps development-only settings out', () => {
    for (const { container } of allContainers)
      assert.equal(environmentOf(container).DISPATCHER_DEV_ALLOW_LIST, undefined, container.name);
  });

  it('provisions topics and schemas with a Job on the same configuration as the services', () => {
    const jobs = allContainers.filter((c) => c.workload.kind === 'Job');
    assert.equal(jobs.length, 1);
    const [job] = jobs;
    assert.equal(job?.service, 'cli');
    const command = (job?.container.command ?? []).join(' ');
    assert.match(command, /main\.ts topics create\b.*&&.*main\.ts schemas register\b/);
    const shared = (c: Container) => (c.envFrom ?? []).map((f) => f.configMapRef?.name).sort();
    for (const { container } of payhookContainers)
      assert.deepEqual(shared(container), shared(job?.container as Container), container.name);
    const spec = job?.workload.spec as { backoffLimit?: number; template: { spec: { restartPolicy?: string } } };
    assert.notEqual(spec.template.spec.restartPolicy, 'Always');
  });

  it('runs exactly one scanner per chain, never two at once', () => {
    const scanners = of('scanner');
    assert.ok(scanners.length > 0);
    for (const { workload, container } of scanners) {
      const spec = specOf(workload);
      assert.equal(workload.kind, 'Deployment');
      assert.equal(spec.replicas, 1, `${workload.metadata.name}: one replica (a second fences the first)`);
      assert.equal(spec.strategy?.type, 'Recreate', `${workload.metadata.name}: no overlap during a rollout`);
      const chains = (container.env ?? []).find((v) => v.name === 'SCANNER_CHAINS');
      assert.ok(chains?.valueFrom?.secretKeyRef !== undefined, 'SCANNER_CHAINS comes from a Secret (RPC keys)');
      assert.ok(workload.metadata.labels?.['payhook.io/chain'], `${workload.metadata.name}: labelled with its chain`);
    }
    const labels = scanners.map((s) => s.workload.metadata.labels?.['payhook.io/chain']);
    assert.equal(new Set(labels).size, labels.length, 'two scanner Deployments for one chain');
  });

  it('gives each filter pod a transactional identity that survives its replacement', () => {
    for (const { workload, container } of of('confirmation-filter')) {
      assert.equal(workload.kind, 'StatefulSet', 'stable pod names across replacement');
      const id = (container.env ?? []).find((v) => v.name === 'FILTER_INSTANCE_ID');
      assert.equal(id?.valueFrom?.fieldRef?.fieldPath, 'metadata.name');
    }
  });

  it('scales the dispatcher with KEDA on its own group and topic, never past the partition count', () => {
    const [scaled] = ofKind('ScaledObject');
    assert.ok(scaled !== undefined, 'a KEDA ScaledObject');
    const spec = scaled.spec as unknown as ScaledObjectSpec;
    const [dispatcher] = of('dispatcher');
    assert.ok(dispatcher !== undefined);
    assert.equal(spec.scaleTargetRef.name, dispatcher.workload.metadata.name);
    assert.equal(specOf(dispatcher.workload).replicas, undefined, 'KEDA owns the replica count');

    const config = dispatcherConfig();
    assert.equal(config.PAYHOOK_PARTITIONS, 6, 'the documented default partition count');
    const max = spec.maxReplicaCount;
    assert.ok(max !== undefined && max <= config.PAYHOOK_PARTITIONS, `maxReplicaCount ${max} ≤ partitions`);
    assert.ok((spec.minReplicaCount ?? 0) >= 1, 'at least one dispatcher: the retry tiers need a consumer');
    assert.ok((spec.minReplicaCount ?? 0) <= max);

    const [trigger, ...others] = spec.triggers;
    assert.equal(others.length, 0);
    assert.equal(trigger?.type, 'kafka');
    const meta = trigger?.metadata ?? {};
    assert.equal(meta.bootstrapServers, config.KAFKA_BROKERS.join(','));
    assert.equal(meta.consumerGroup, `${config.PAYHOOK_TOPIC_PREFIX}${config.DISPATCHER_GROUP_ID}`);
    const topics = pipelineTopics(config.PAYHOOK_RETRY_TIERS, config.PAYHOOK_TOPIC_PREFIX);
    assert.equal(meta.topic, topics.dispatch, 'lag of webhooks.dispatch only: retry tiers lag on purpose');
    assert.match(meta.lagThreshold ?? '', /^[1-9]\d*$/);
    assert.equal(meta.offsetResetPolicy, 'earliest', 'the dispatcher reads a new group from the beginning');
  });

  it('protects the dispatcher with a PodDisruptionBudget', () => {
    const [dispatcher] = of('dispatcher');
    assert.ok(dispatcher !== undefined);
    const podLabels = specOf(dispatcher.workload).template.metadata.labels;
    const budgets = ofKind('PodDisruptionBudget').filter((pdb) => {
      const selector = (pdb.spec?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {};
      return Object.entries(selector).every(([k, v]) => podLabels[k] === v);
    });
    assert.equal(budgets.length, 1);
    const spec = budgets[0]?.spec as { maxUnavailable?: number | string; minAvailable?: number | string };
    assert.ok(spec.maxUnavailable !== undefined || spec.minAvailable !== undefined);
  });

  it("exposes every service's metrics port through a Service", () => {
    const services = ofKind('Service');
    for (const { workload, container, service: program } of payhookContainers) {
      const labels = specOf(workload).template.metadata.labels;
      const port = parseEnv(SCHEMAS[program], environmentOf(container)).PAYHOOK_HTTP_PORT;
      const named = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]));
      const service = services.find((s) => {
        const selector = (s.spec?.selector as Record<string, string> | undefined) ?? {};
        return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
      });
      assert.ok(service !== undefined, `${workload.metadata.name}: a Service selects its pods`);
      const ports = (service.spec?.ports as { name?: string; targetPort?: string | number }[] | undefined) ?? [];
      assert.ok(
        // The API serves /metrics beside its routes, on its one port.
        ports.some(
          (p) =>
            p.name === 'metrics' &&
            (typeof p.targetPort === 'string' ? named.get(p.targetPort) : p.targetPort) === port,
        ),
        `${service.metadata.name}: port "metrics" to the port /metrics is served on`,
      );
    }
  });

  it("takes each program's Kafka password, the registry's credentials and the CA from mounted Secrets", () => {
    const users = DEPLOYED_KAFKA_USERS;
    for (const { workload, container, service } of allContainers) {
      const env = declaredEnvironmentOf(container);
      const config = parseEnv(SCHEMAS[service], environmentOf(container));
      assert.equal(config.KAFKA_SSL, true, `${container.name}: TLS to the brokers`);
      assert.equal(config.KAFKA_SASL_MECHANISM, 'scram-sha-512', container.name);
      assert.equal(env.KAFKA_SASL_USERNAME, users[service], `${container.name}: its own Kafka user`);
      assert.equal(env.KAFKA_SASL_PASSWORD, undefined, `${container.name}: the password only from a file`);
      const password = volumeHolding(workload, container, env.KAFKA_SASL_PASSWORD_FILE ?? '');
      assert.equal(
        password?.secret?.secretName,
        `payhook-kafka-${users[service].replace(/^payhook-/, '')}`,
        `${container.name}: KAFKA_SASL_PASSWORD_FILE in its user's Secret`,
      );
      const ca = volumeHolding(workload, container, env.KAFKA_SSL_CA_FILE ?? '');
      assert.equal(ca?.secret?.secretName, 'payhook-kafka-ca', `${container.name}: KAFKA_SSL_CA_FILE from a Secret`);
      const registry = volumeHolding(workload, container, env.SCHEMA_REGISTRY_PASSWORD_FILE ?? '');
      assert.equal(registry?.secret?.secretName, 'payhook-schema-registry', `${container.name}: registry password`);
      const registryUser = (container.env ?? []).find((v) => v.name === 'SCHEMA_REGISTRY_USERNAME');
      assert.equal(registryUser?.valueFrom?.secretKeyRef?.name, 'payhook-schema-registry', container.name);
      for (const mount of container.volumeMounts ?? [])
        if (mount.mountPath.startsWith('/etc/payhook'))
          assert.equal(mount.readOnly, true, `${container.name}: ${mount.name}`);
    }
  });

  it('mounts the signing secrets key in the dispatcher and the API only', () => {
    const holders = allContainers.filter(({ workload, container }) =>
      (container.volumeMounts ?? []).some(
        (m) =>
          specOf(workload).template.spec.volumes?.find((v) => v.name === m.name)?.secret?.secretName ===
          'payhook-secrets-key',
      ),
    );
    assert.deepEqual(holders.map((h) => h.service).sort(), ['api', 'dispatcher']);
    for (const { workload, container } of allContainers) {
      const file = declaredEnvironmentOf(container).PAYHOOK_SECRETS_KEY_FILE;
      const holds = holders.some((h) => h.container === container);
      assert.equal(file !== undefined, holds, `${container.name}: PAYHOOK_SECRETS_KEY_FILE where the key is mounted`);
      if (file !== undefined)
        assert.equal(volumeHolding(workload, container, file)?.secret?.secretName, 'payhook-secrets-key');
    }
  });

  it('gives every API replica the one portal key from a Secret, and the public address links point at', () => {
    const api = allContainers.filter((c) => c.service === 'api');
    assert.ok(api.length > 0);
    for (const { workload, container } of api) {
      const env = declaredEnvironmentOf(container);
      assert.equal(env.PAYHOOK_PORTAL_KEY, undefined, 'the key only from a file');
      const file =
        env.PAYHOOK_PORTAL_KEY_FILE ??
        assert.fail('no PAYHOOK_PORTAL_KEY_FILE: each pod would sign with a key of its own');
      assert.equal(volumeHolding(workload, container, file)?.secret?.secretName, 'payhook-portal-key');
      assert.match(env.API_PUBLIC_URL ?? '', /^https:\/\//, 'links over https');
    }
    const others = allContainers.filter(
      (c) => c.service !== 'api' && declaredEnvironmentOf(c.container).PAYHOOK_PORTAL_KEY_FILE !== undefined,
    );
    assert.deepEqual(others, [], 'only the API holds the portal key');
  });

  it("authenticates KEDA's lag reads as the lag exporter's user, over the same TLS and SASL", () => {
    const [scaled] = ofKind('ScaledObject');
    assert.ok(scaled !== undefined);
    const trigger = (scaled.spec as unknown as ScaledObjectSpec).triggers[0];
    const config = dispatcherConfig();
    // KEDA's names of the mechanisms.
    const keda = { 'scram-sha-256': 'scram_sha256', 'scram-sha-512': 'scram_sha512', plain: 'plaintext' } as const;
    assert.ok(config.KAFKA_SASL_MECHANISM !== undefined);
    assert.equal(trigger?.metadata.sasl, keda[config.KAFKA_SASL_MECHANISM]);
    assert.equal(trigger?.metadata.tls, config.KAFKA_SSL ? 'enable' : 'disable');
    const auth = ofKind('TriggerAuthentication').find((a) => a.metadata.name === trigger?.authenticationRef?.name);
    assert.ok(auth !== undefined, 'the TriggerAuthentication the trigger names');
    const refs = (auth.spec as { secretTargetRef: { parameter: string; name: string; key: string }[] }).secretTargetRef;
    const ref = (parameter: string) => refs.find((r) => r.parameter === parameter);
    assert.equal(ref('username')?.name, 'payhook-kafka-lag-exporter');
    assert.equal(ref('password')?.name, 'payhook-kafka-lag-exporter');
    assert.equal(ref('ca')?.name, 'payhook-kafka-ca');
  });

  it('commits no secret values: Secrets are referenced by name only', () => {
    assert.deepEqual(ofKind('Secret'), [], 'no Secret manifests (create them in the cluster)');
    for (const { container } of allContainers) {
      for (const variable of container.env ?? []) {
        // A *_FILE variable names a file of a mounted Secret (checked above), not a value.
        if (
          /SECRET|PASSWORD|TOKEN|CREDENTIAL|API_?KEY|SCANNER_CHAINS/i.test(variable.name) &&
          !variable.name.endsWith('_FILE')
        )
          assert.equal(variable.value, undefined, `${container.name}: ${variable.name} must come from a Secret`);
        if (variable.valueFrom?.secretKeyRef !== undefined)
          assert.ok(variable.valueFrom.secretKeyRef.name && variable.valueFrom.secretKeyRef.key);
      }
    }
    for (const map of ofKind('ConfigMap'))
      for (const [key, value] of Object.entries(map.data ?? {}))
        assert.doesNotMatch(value, /\/\/[^/@\s]+:[^/@\s]+@|[?&](api[-_]?key|key|token)=/i, `${key} holds a credential`);
    for (const file of kustomization.resources)
      assert.doesNotMatch(readFileSync(new URL(file, K8S), 'utf8'), /-----BEGIN [A-Z ]*PRIVATE KEY-----/, file);
  });
});
