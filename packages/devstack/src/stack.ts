import { rmSync } from 'node:fs';
import { anvilNodeLogs, anvilNodePid, anvilNodeReady, anvilUrl, startAnvilNode, stopAnvilNode } from './anvil-node.ts';
import { kafkaLogs, kafkaPid, kafkaReady, startKafka, stopKafka } from './kafka-node.ts';
import { registryLogs, registryPid, registryReady, registryUrl, startRegistry, stopRegistry } from './registry-node.ts';
import type { DevStackSettings } from './settings.ts';

/** One component of the local stack as `status` reports it. */
export interface ComponentStatus {
  readonly name: 'kafka' | 'registry' | 'anvil';
  readonly pid: number | undefined;
  /** Answers its readiness probe. */
  readonly ready: boolean;
  /** Where clients connect. */
  readonly address: string;
  readonly logs: readonly string[];
}

/** Addresses the services and tests use to reach the local stack. */
export interface StackEndpoints {
  readonly kafkaBrokers: string;
  readonly schemaRegistryUrl: string;
  /** JSON-RPC URL of the local chain (anvil, chain id 31337). */
  readonly anvilRpcUrl: string;
}

/** The local stack's client addresses. */
export function stackEndpoints(settings: DevStackSettings): StackEndpoints {
  return {
    kafkaBrokers: `${settings.host}:${settings.kafkaPort}`,
    schemaRegistryUrl: registryUrl(settings),
    anvilRpcUrl: anvilUrl(settings),
  };
}

/**
 * Starts the broker, the registry and the chain (each only if it is not running) and waits
 * until all answer. They start side by side: together they take about as long as the slowest.
 */
export async function stackUp(settings: DevStackSettings, progress: (line: string) => void): Promise<StackEndpoints> {
  const names = ['kafka', 'registry', 'anvil'] as const;
  const results = await Promise.allSettled([
    startKafka(settings, progress),
    startRegistry(settings, progress),
    startAnvilNode(settings, progress),
  ]);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) {
    const logs = [...kafkaLogs(settings), ...registryLogs(settings), ...anvilNodeLogs(settings)].join(', ');
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

/** What runs, and whether it answers. */
export async function stackStatus(settings: DevStackSettings): Promise<ComponentStatus[]> {
  const endpoints = stackEndpoints(settings);
  const [kafkaOk, registryOk, anvilOk] = await Promise.all([
    kafkaReady(settings),
    registryReady(settings),
    anvilNodeReady(settings),
  ]);
  return [
    {
      name: 'kafka',
      pid: kafkaPid(settings),
      ready: kafkaOk,
      address: endpoints.kafkaBrokers,
      logs: kafkaLogs(settings),
    },
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
