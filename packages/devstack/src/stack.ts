import { rmSync } from 'node:fs';
import { anvilNodeLogs, anvilNodePid, anvilNodeReady, anvilUrl, startAnvilNode, stopAnvilNode } from './anvil-node.ts';
import { bootstrapServers, formattedNodeCount, kafkaDir, nodePaths, stackKafkaLayout } from './kafka-layout.ts';
import {
  kafkaClasspath,
  kafkaLayoutToStart,
  layoutStatus,
  type SecureKafkaListener,
  secureListenerHandle,
  startKafka,
  stopKafka,
} from './kafka-node.ts';
import { describeQuorum } from './metadata-quorum.ts';
import { registryLogs, registryPid, registryReady, registryUrl, startRegistry, stopRegistry } from './registry-node.ts';
import type { DevStackSettings } from './settings.ts';

/** One component of the local stack as `status` reports it. */
export interface ComponentStatus {
  /** `kafka` for a single node; `kafka-<node id>` for each node of a cluster. */
  readonly name: 'kafka' | `kafka-${number}` | 'registry' | 'anvil';
  readonly pid: number | undefined;
  /** Answers its readiness probe. */
  readonly ready: boolean;
  /** Where clients connect. */
  readonly address: string;
  readonly logs: readonly string[];
  /**
   * For a node of a Kafka cluster: whether it is the active controller (the metadata quorum's
   * leader). Absent for a single node, or when no controller answered.
   */
  readonly activeController?: boolean;
}

/** Addresses the services and tests use to reach the local stack. */
export interface StackEndpoints {
  /** Every Kafka node's `host:port`, comma-separated. */
  readonly kafkaBrokers: string;
  readonly schemaRegistryUrl: string;
  /** JSON-RPC URL of the local chain (anvil, chain id 31337). */
  readonly anvilRpcUrl: string;
  /** The `SASL_SSL` listener of a stack started with `--secure`. */
  readonly secure?: SecureKafkaListener;
}

/** The local stack's client addresses. */
export function stackEndpoints(settings: DevStackSettings): StackEndpoints {
  const layout = stackKafkaLayout(settings);
  return {
    kafkaBrokers: bootstrapServers(layout),
    schemaRegistryUrl: registryUrl(settings),
    anvilRpcUrl: anvilUrl(settings),
    ...(layout.secure === undefined ? {} : { secure: secureListenerHandle(layout, layout.secure) }),
  };
}

/**
 * Starts Kafka (one node or a cluster), the registry and the chain (each only if it is not
 * running) and waits until all answer. They start side by side: together they take about as
 * long as the slowest.
 */
export async function stackUp(settings: DevStackSettings, progress: (line: string) => void): Promise<StackEndpoints> {
  // Settings that cannot work fail before anything starts.
  kafkaLayoutToStart(settings);
  const names = ['kafka', 'registry', 'anvil'] as const;
  const results = await Promise.allSettled([
    startKafka(settings, progress),
    startRegistry(settings, progress),
    startAnvilNode(settings, progress),
  ]);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) {
    // The logs of the nodes the folder holds, which need not be the ones asked for.
    const layout = stackKafkaLayout(settings, formattedNodeCount(kafkaDir(settings)));
    const kafkaLogs = layout.nodes.map((n) => nodePaths(layout, n).log);
    const logs = [...kafkaLogs, ...registryLogs(settings), ...anvilNodeLogs(settings)].join(', ');
    throw new Error(`${failures.map((f) => (f.reason as Error).message).join('; ')} (logs: ${logs})`);
  }
  results.forEach((result, i) => {
    if (result.status === 'fulfilled')
      progress(`${names[i]}: ${result.value === 'running' ? 'already running' : 'started'}`);
  });
  return stackEndpoints(settings);
}

/** Stops every component; removes their data and logs unless `keepData`. */
export async function stackDown(settings: DevStackSettings, options: { keepData?: boolean } = {}): Promise<string[]> {
  const stopped: string[] = [];
  const [registry, kafka, anvil] = await Promise.all([
    stopRegistry(settings),
    stopKafka(settings),
    stopAnvilNode(settings),
  ]);
  if (registry) stopped.push('registry');
  if (kafka) stopped.push('kafka');
  if (anvil) stopped.push('anvil');
  if (options.keepData !== true) rmSync(settings.stateDir, { recursive: true, force: true });
  return stopped;
}

/** What runs, and whether it answers: each Kafka node, the registry and the chain. */
export async function stackStatus(settings: DevStackSettings): Promise<ComponentStatus[]> {
  const endpoints = stackEndpoints(settings);
  // What the folder holds, whatever the settings ask for.
  const layout = stackKafkaLayout(settings, formattedNodeCount(kafkaDir(settings)));
  const [nodes, registryOk, anvilOk] = await Promise.all([
    layoutStatus(layout),
    registryReady(settings),
    anvilNodeReady(settings),
  ]);
  let leaderId: number | undefined;
  if (nodes.length > 1 && nodes.some((n) => n.pid !== undefined)) {
    const quorum = await describeQuorum(
      layout,
      kafkaClasspath(settings, () => undefined),
      { timeoutMs: 0 },
    ).catch(() => undefined);
    leaderId = quorum?.leaderId;
  }
  const kafka: ComponentStatus[] = nodes.map((n) => ({
    name: nodes.length === 1 ? 'kafka' : `kafka-${n.nodeId}`,
    pid: n.pid,
    ready: n.ready,
    address: n.address,
    logs: n.logs,
    ...(nodes.length > 1 && leaderId !== undefined ? { activeController: n.nodeId === leaderId } : {}),
  }));
  return [
    ...kafka,
    {
      name: 'registry',
      pid: registryPid(settings),
      ready: registryOk,
      address: endpoints.schemaRegistryUrl,
      logs: registryLogs(settings),
    },
    {
      name: 'anvil',
      pid: anvilNodePid(settings),
      ready: anvilOk,
      address: endpoints.anvilRpcUrl,
      logs: anvilNodeLogs(settings),
    },
  ];
}
