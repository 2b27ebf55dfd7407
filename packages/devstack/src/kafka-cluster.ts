import { join } from 'node:path';
import {
  bootstrapServers,
  defaultKafkaHeap,
  type KafkaLayout,
  type KafkaNodeSpec,
  nodePaths,
  nodesOnPorts,
  stackKafkaLayout,
} from './kafka-layout.ts';
import {
  freePorts,
  haltNodes,
  type KafkaNodeStatus,
  kafkaClasspath,
  layoutReady,
  layoutStatus,
  startLayout,
} from './kafka-node.ts';
import { describeQuorum, type QuorumStatus } from './metadata-quorum.ts';
import { livePid } from './processes.ts';
import { type DevStackSettings, devStackSettings } from './settings.ts';

/** One node of a {@link KafkaCluster}. */
export interface KafkaClusterNode {
  /** Position in the cluster, from 0: what {@link KafkaCluster.kill} and the others take. */
  readonly index: number;
  /** Kafka's `node.id` (`index + 1`), as metadata and the quorum name it. */
  readonly nodeId: number;
  /** `host:port` of its client listener. */
  readonly address: string;
  readonly port: number;
  readonly controllerPort: number;
  /** PID of its JVM; undefined while it is down. */
  readonly pid: number | undefined;
  /** The broker's log and the JVM's output. */
  readonly logs: readonly string[];
}

/**
 * A local Kafka of combined broker-and-controller nodes, every one a voter of the metadata
 * quorum: the handle a fault suite uses to crash, stop and restart nodes and to find the
 * active controller.
 */
export interface KafkaCluster {
  /** Every node's `host:port`, comma-separated: the value of `KAFKA_BROKERS`. */
  readonly brokers: string;
  /** The same as a list, for `createKafkaClient`. */
  readonly brokerList: readonly string[];
  readonly nodes: readonly KafkaClusterNode[];
  /** Crashes a node: SIGKILL, no controlled shutdown; resolves once its process is gone. Its data is kept. */
  kill(index: number): Promise<void>;
  /** Stops a node with SIGTERM (a controlled shutdown: its partitions move first). Its data is kept. */
  stop(index: number): Promise<void>;
  /**
   * Starts a node that is down on its ports with the data it had, and resolves once every node
   * answers and sees all of them as brokers (the node rejoined; its replicas may still be
   * catching up, see `topics describe` or the partitions' ISR).
   */
  start(index: number): Promise<void>;
  /** Whether every node answers and sees all of them as brokers. */
  ready(): Promise<boolean>;
  /** Each node's process and readiness. */
  status(): Promise<KafkaNodeStatus[]>;
  /** The metadata quorum as the controllers report it (a short-lived JVM runs Kafka's tool). */
  quorum(): Promise<QuorumStatus>;
  /** The node that is the quorum's leader, i.e. the active controller. */
  activeController(): Promise<KafkaClusterNode>;
  /** Stops every node (SIGTERM, all at once). */
  stopAll(): Promise<void>;
}

function clusterHandle(layout: KafkaLayout, cache: DevStackSettings, progress: (line: string) => void): KafkaCluster {
  const nodes: KafkaClusterNode[] = layout.nodes.map((spec) => nodeHandle(layout, spec));
  const index = (i: number): number => {
    if (!Number.isInteger(i) || i < 0 || i >= nodes.length) {
      throw new RangeError(`node index ${i} is not one of 0 to ${nodes.length - 1}`);
    }
    return i;
  };
  const cp = () => kafkaClasspath(cache, progress);
  return {
    brokers: bootstrapServers(layout),
    brokerList: nodes.map((n) => n.address),
    nodes,
    kill: async (i) => void (await haltNodes(layout, 'kill', [index(i)])),
    stop: async (i) => void (await haltNodes(layout, 'stop', [index(i)])),
    start: async (i) => void (await startLayout(layout, cache, progress, { only: [index(i)] })),
    ready: () => layoutReady(layout),
    status: () => layoutStatus(layout),
    quorum: () => describeQuorum(layout, cp()),
    activeController: async () => {
      const { leaderId } = await describeQuorum(layout, cp());
      const leader = nodes.find((n) => n.nodeId === leaderId);
      if (leader === undefined) throw new Error(`the quorum's leader ${leaderId} is not a node of this cluster`);
      return leader;
    },
    stopAll: async () => void (await haltNodes(layout, 'stop')),
  };
}

function nodeHandle(layout: KafkaLayout, spec: KafkaNodeSpec): KafkaClusterNode {
  const p = nodePaths(layout, spec);
  return {
    index: spec.index,
    nodeId: spec.nodeId,
    address: `${spec.host}:${spec.port}`,
    port: spec.port,
    controllerPort: spec.controllerPort,
    get pid() {
      return livePid(p.pid);
    },
    logs: [p.log, p.stdout],
  };
}

/**
 * The dev stack's Kafka (as `payhook dev up` started it, with the same settings) as a
 * {@link KafkaCluster}. Starts nothing.
 */
export function kafkaCluster(settings: DevStackSettings = devStackSettings()): KafkaCluster {
  return clusterHandle(stackKafkaLayout(settings), settings, () => undefined);
}

/** Options of {@link startKafkaCluster}. */
export interface StandaloneKafkaClusterOptions {
  /** Holds the nodes' data, logs and PID files; the caller creates and removes it. */
  readonly stateDir: string;
  /** @defaultValue 3 */
  readonly nodes?: number;
  /**
   * Client and controller port of each node on loopback; kept across restarts.
   * @defaultValue ports the OS reports free
   */
  readonly ports?: readonly { port: number; controllerPort: number }[];
  /**
   * Largest heap of each node's JVM.
   * @defaultValue `PAYHOOK_DEV_KAFKA_HEAP`, else 384m
   */
  readonly heap?: string;
  /**
   * Settings whose cache (the resolved broker classpath) is used.
   * @defaultValue the dev stack's, from the environment
   */
  readonly stack?: DevStackSettings;
  /** Progress lines (the first run resolves the broker from Maven). @defaultValue none */
  readonly progress?: (line: string) => void;
}

/**
 * Starts a cluster of its own (for tests that crash and restart nodes) and waits until every
 * node answers. Stop it with `stopAll()` in an `after` hook.
 */
export async function startKafkaCluster(options: StandaloneKafkaClusterOptions): Promise<KafkaCluster> {
  const stack = options.stack ?? devStackSettings();
  const count = options.ports?.length ?? options.nodes ?? 3;
  if (options.ports !== undefined && options.nodes !== undefined && options.nodes !== options.ports.length) {
    throw new RangeError(`${options.nodes} nodes but ${options.ports.length} port pairs`);
  }
  let ports = options.ports;
  if (ports === undefined) {
    const free = await freePorts(stack.host, 2 * count);
    ports = Array.from({ length: count }, (_, i) => ({ port: free[2 * i] ?? 0, controllerPort: free[2 * i + 1] ?? 0 }));
  }
  const layout: KafkaLayout = {
    dir: join(options.stateDir, 'kafka'),
    nodes: nodesOnPorts(stack.host, ports),
    heap: options.heap ?? stack.kafkaHeap ?? defaultKafkaHeap(count),
  };
  const progress = options.progress ?? (() => undefined);
  await startLayout(layout, stack, progress);
  return clusterHandle(layout, stack, progress);
}
