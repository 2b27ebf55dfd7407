import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@payhook/runtime';
import { livePid } from './processes.ts';
import { type SecureListener, secureListenerProperties } from './secure-listener.ts';
import type { DevStackSettings } from './settings.ts';

/** One KRaft node of the local Kafka: a combined broker and controller, and a quorum voter. */
export interface KafkaNodeSpec {
  /** Position in the cluster, from 0. */
  readonly index: number;
  /** Kafka's `node.id`: `index + 1`. */
  readonly nodeId: number;
  readonly host: string;
  /** Client (PLAINTEXT) port. */
  readonly port: number;
  /** KRaft controller port. */
  readonly controllerPort: number;
  /** `SASL_SSL` port, when the layout is {@link KafkaLayout.secure}. */
  readonly securePort?: number | undefined;
  /** `SSL` port that requires a client certificate (mTLS), when the layout is secure. */
  readonly mtlsPort?: number | undefined;
}

/** Where a local Kafka keeps its nodes, and how its JVMs are sized. */
export interface KafkaLayout {
  /** Holds every node's folder and the topology file. */
  readonly dir: string;
  readonly nodes: readonly KafkaNodeSpec[];
  /** Largest heap of each node's JVM. */
  readonly heap: string;
  /** A `SASL_SSL` listener on each node's `securePort` beside the plaintext one; undefined: none. */
  readonly secure?: SecureListener | undefined;
}

/** Files of one node. */
export interface KafkaNodePaths {
  readonly dir: string;
  readonly data: string;
  readonly config: string;
  readonly log4j: string;
  /** The broker's own log (log4j). */
  readonly log: string;
  /** The JVM's standard output and error. */
  readonly stdout: string;
  readonly pid: string;
}

/** What the state folder was formatted for; written when the storage is formatted. */
interface Topology {
  readonly nodes: number;
  readonly clusterId: string;
  /** Formatted with SCRAM users for a secure listener. */
  readonly secure?: boolean;
}

const TOPOLOGY_FILE = 'topology.json';

/** Heap of each node when `PAYHOOK_DEV_KAFKA_HEAP` is not set. */
export function defaultKafkaHeap(nodes: number): string {
  // Measured: a cluster node's RSS stays near 400 MiB with 384m under the test suites' load.
  return nodes === 1 ? '768m' : '384m';
}

/** The folder of the stack's Kafka nodes. */
export function kafkaDir(settings: DevStackSettings): string {
  return join(settings.stateDir, 'kafka');
}

/**
 * A node's files. A single node keeps the layout it always had (`kafka/`); the nodes of a
 * cluster each have a folder `kafka/node-<id>/`.
 */
export function nodePaths(layout: Pick<KafkaLayout, 'dir' | 'nodes'>, node: KafkaNodeSpec): KafkaNodePaths {
  const dir = layout.nodes.length === 1 ? layout.dir : join(layout.dir, `node-${node.nodeId}`);
  return {
    dir,
    data: join(dir, 'data'),
    config: join(dir, 'server.properties'),
    log4j: join(dir, 'log4j2.properties'),
    log: join(dir, 'kafka.log'),
    stdout: join(dir, 'stdout.log'),
    pid: join(dir, 'kafka.pid'),
  };
}

/**
 * How many nodes the stack's Kafka folder was formatted for: the topology file, or one for a
 * folder with a single node's data or process (formatted before clusters existed); undefined
 * when there is nothing yet.
 */
export function formattedNodeCount(dir: string): number | undefined {
  const file = join(dir, TOPOLOGY_FILE);
  if (existsSync(file)) {
    const topology = JSON.parse(readFileSync(file, 'utf8')) as Partial<Topology>;
    if (typeof topology.nodes === 'number') return topology.nodes;
  }
  if (existsSync(join(dir, 'data', 'meta.properties')) || livePid(join(dir, 'kafka.pid')) !== undefined) return 1;
  return undefined;
}

/** The cluster id the folder was formatted with, if any. */
export function formattedClusterId(dir: string): string | undefined {
  const file = join(dir, TOPOLOGY_FILE);
  if (!existsSync(file)) return undefined;
  const topology = JSON.parse(readFileSync(file, 'utf8')) as Partial<Topology>;
  return typeof topology.clusterId === 'string' ? topology.clusterId : undefined;
}

/** Whether the folder was formatted for a secure listener (its SCRAM users exist); undefined when not formatted. */
export function formattedSecure(dir: string): boolean | undefined {
  const file = join(dir, TOPOLOGY_FILE);
  if (!existsSync(file)) return formattedNodeCount(dir) === undefined ? undefined : false;
  return (JSON.parse(readFileSync(file, 'utf8')) as Partial<Topology>).secure === true;
}

/** The secure listener's folder of a Kafka folder. */
export function secureDir(dir: string): string {
  return join(dir, 'tls');
}

/** Records what the folder is formatted for. */
export function writeTopology(dir: string, topology: Topology): void {
  writeFileSync(join(dir, TOPOLOGY_FILE), `${JSON.stringify(topology)}\n`);
}

/** PID files of every node process found under the folder, whatever its topology. */
export function nodePidFiles(dir: string): string[] {
  const files = [join(dir, 'kafka.pid')];
  if (existsSync(dir)) {
    for (const entry of readdirSync(dir).sort()) {
      if (/^node-\d+$/.test(entry)) files.push(join(dir, entry, 'kafka.pid'));
    }
  }
  return files;
}

/** Nodes on explicit ports. */
export function nodesOnPorts(
  host: string,
  ports: readonly {
    port: number;
    controllerPort: number;
    securePort?: number | undefined;
    mtlsPort?: number | undefined;
  }[],
): KafkaNodeSpec[] {
  return ports.map((p, index) => ({
    index,
    nodeId: index + 1,
    host,
    port: p.port,
    controllerPort: p.controllerPort,
    ...(p.securePort === undefined ? {} : { securePort: p.securePort }),
    ...(p.mtlsPort === undefined ? {} : { mtlsPort: p.mtlsPort }),
  }));
}

/**
 * The stack's Kafka as its settings describe it: `kafkaNodes` nodes (else as many as the folder
 * holds, else one), node `i` on `kafkaPort + 2i` and `controllerPort + 2i`; a secure node also on
 * `kafkaSecurePort + 2i` (SASL_SSL) and `kafkaSecurePort + 2i + 1` (mTLS).
 * @throws ConfigError when two ports of the stack would be the same.
 */
export function stackKafkaLayout(settings: DevStackSettings, count?: number): KafkaLayout {
  const dir = kafkaDir(settings);
  const n = count ?? settings.kafkaNodes ?? formattedNodeCount(dir) ?? 1;
  const secure = settings.kafkaSecure ?? formattedSecure(dir) ?? false;
  const nodes = nodesOnPorts(
    settings.host,
    Array.from({ length: n }, (_, i) => ({
      port: settings.kafkaPort + 2 * i,
      controllerPort: settings.controllerPort + 2 * i,
      ...(secure
        ? { securePort: settings.kafkaSecurePort + 2 * i, mtlsPort: settings.kafkaSecurePort + 2 * i + 1 }
        : {}),
    })),
  );
  // Port 0 means "any free port": it cannot collide.
  const taken = new Map<number, string>(
    (
      [
        [settings.registryPort, 'PAYHOOK_DEV_REGISTRY_PORT'],
        [settings.anvilPort, 'PAYHOOK_DEV_ANVIL_PORT'],
      ] as const
    ).filter(([port]) => port !== 0),
  );
  for (const node of nodes) {
    for (const [port, variable] of [
      [node.port, 'PAYHOOK_DEV_KAFKA_PORT'],
      [node.controllerPort, 'PAYHOOK_DEV_CONTROLLER_PORT'],
      [node.securePort, 'PAYHOOK_DEV_KAFKA_SECURE_PORT'],
      [node.mtlsPort, 'PAYHOOK_DEV_KAFKA_SECURE_PORT'],
    ] as const) {
      if (port === 0 || port === undefined) continue;
      const other = taken.get(port);
      if (port > 65_535 || other !== undefined) {
        throw new ConfigError([
          {
            variable,
            problem:
              port > 65_535
                ? `node ${node.nodeId} would listen on ${port}, beyond 65535`
                : `node ${node.nodeId} would listen on ${port}, which ${other} already takes (node i uses the port + 2i)`,
          },
        ]);
      }
      taken.set(port, variable);
    }
  }
  return {
    dir,
    nodes,
    heap: settings.kafkaHeap ?? defaultKafkaHeap(n),
    ...(secure ? { secure: { dir: secureDir(dir) } } : {}),
  };
}

/** `host:port` of every node, comma-separated: what clients take as `KAFKA_BROKERS`. */
export function bootstrapServers(layout: Pick<KafkaLayout, 'nodes'>): string {
  return layout.nodes.map((n) => `${n.host}:${n.port}`).join(',');
}

/** `host:port` of every node's `SASL_SSL` listener, comma-separated; undefined when the layout has none. */
export function secureBootstrapServers(layout: Pick<KafkaLayout, 'nodes' | 'secure'>): string | undefined {
  if (layout.secure === undefined) return undefined;
  return layout.nodes.map((n) => `${n.host}:${n.securePort ?? 0}`).join(',');
}

/** `host:port` of every node's mTLS (`SSL`) listener, comma-separated; undefined when the layout has none. */
export function mtlsBootstrapServers(layout: Pick<KafkaLayout, 'nodes' | 'secure'>): string | undefined {
  if (layout.secure === undefined) return undefined;
  return layout.nodes.map((n) => `${n.host}:${n.mtlsPort ?? 0}`).join(',');
}

/**
 * A node's `server.properties`. Replication follows the cluster's size: with three nodes or
 * more, everything is replicated three times and a write needs two in-sync replicas (as in
 * production); a single node cannot replicate at all.
 */
export function serverProperties(layout: KafkaLayout, node: KafkaNodeSpec): string {
  const replicas = Math.min(3, layout.nodes.length);
  const minIsr = Math.min(2, replicas);
  const voters = layout.nodes.map((n) => `${n.nodeId}@${n.host}:${n.controllerPort}`).join(',');
  const secure = layout.secure !== undefined && node.securePort !== undefined;
  const mtls = secure && node.mtlsPort !== undefined;
  const secureListener = `${secure ? `,SASL_SSL://${node.host}:${node.securePort}` : ''}${mtls ? `,SSL://${node.host}:${node.mtlsPort}` : ''}`;
  return [
    'process.roles=broker,controller',
    `node.id=${node.nodeId}`,
    `controller.quorum.voters=${voters}`,
    `listeners=PLAINTEXT://${node.host}:${node.port},CONTROLLER://${node.host}:${node.controllerPort}${secureListener}`,
    `advertised.listeners=PLAINTEXT://${node.host}:${node.port}${secureListener}`,
    'controller.listener.names=CONTROLLER',
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${secure ? ',SASL_SSL:SASL_SSL' : ''}${mtls ? ',SSL:SSL' : ''}`,
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${nodePaths(layout, node).data}`,
    'num.partitions=3',
    `default.replication.factor=${replicas}`,
    `min.insync.replicas=${minIsr}`,
    `offsets.topic.replication.factor=${replicas}`,
    'offsets.topic.num.partitions=10',
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${minIsr}`,
    'transaction.state.log.num.partitions=10',
    `share.coordinator.state.topic.replication.factor=${replicas}`,
    `share.coordinator.state.topic.min.isr=${minIsr}`,
    // Tests form and re-form groups constantly; the default 3 s delay only slows them.
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'log.retention.check.interval.ms=60000',
    ...(secure && layout.secure !== undefined ? secureListenerProperties(layout.secure) : []),
    '',
  ].join('\n');
}

/** log4j2 settings that write the broker's log to a file. */
export function log4jProperties(logFile: string): string {
  return [
    'rootLogger.level=INFO',
    'rootLogger.appenderRef.file.ref=FILE',
    'appender.file.type=File',
    'appender.file.name=FILE',
    `appender.file.fileName=${logFile}`,
    'appender.file.layout.type=PatternLayout',
    'appender.file.layout.pattern=[%d] %p %m (%c)%n',
    'logger.kafka.name=kafka',
    'logger.kafka.level=INFO',
    'logger.state.name=state.change.logger',
    'logger.state.level=WARN',
    '',
  ].join('\n');
}
