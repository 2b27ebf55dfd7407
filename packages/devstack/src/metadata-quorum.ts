import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type KafkaLayout, nodePaths } from './kafka-layout.ts';
import { livePid, runAsync } from './processes.ts';

const QUORUM_TOOL = 'org.apache.kafka.tools.MetadataQuorumCommand';

/** The KRaft metadata quorum as its leader reports it (`kafka-metadata-quorum describe --status`). */
export interface QuorumStatus {
  /** Node id of the quorum's leader: the active controller. */
  readonly leaderId: number;
  /** Grows with every election. */
  readonly leaderEpoch: number;
  /** Offset of the metadata log committed by a majority. */
  readonly highWatermark: number;
  /** How many records the slowest voter is behind the leader. */
  readonly maxFollowerLag: number;
  /** Node ids of the voters. */
  readonly voters: readonly number[];
  /** Node ids of brokers that follow the log without voting. */
  readonly observers: readonly number[];
}

/** Node ids in a `CurrentVoters:` or `CurrentObservers:` value: JSON objects with an `id` (Kafka 3.9+), or plain numbers. */
function nodeIds(value: string): number[] {
  const json = [...value.matchAll(/"id":\s*(\d+)/g)].map((m) => Number(m[1]));
  return json.length > 0 ? json : [...value.matchAll(/\d+/g)].map((m) => Number(m[0]));
}

/** Reads the output of `kafka-metadata-quorum describe --status`. @throws Error when a field is missing. */
export function parseQuorumStatus(output: string): QuorumStatus {
  const fields = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^(\w+):\s*(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) fields.set(match[1], match[2].trim());
  }
  const number = (name: string): number => {
    const value = Number(fields.get(name));
    if (fields.get(name) === undefined || !Number.isFinite(value)) {
      throw new Error(`the metadata quorum status has no ${name}:\n${output.trim()}`);
    }
    return value;
  };
  return {
    leaderId: number('LeaderId'),
    leaderEpoch: number('LeaderEpoch'),
    highWatermark: number('HighWatermark'),
    maxFollowerLag: number('MaxFollowerLag'),
    voters: nodeIds(fields.get('CurrentVoters') ?? ''),
    observers: nodeIds(fields.get('CurrentObservers') ?? ''),
  };
}

/**
 * Asks the controllers for the quorum's state with Kafka's own tool (a short-lived JVM, about
 * a second and a half). Tries again for a while when no controller answers, e.g. during an
 * election after the leader was killed.
 */
export async function describeQuorum(
  layout: KafkaLayout,
  cp: string,
  options: { timeoutMs?: number } = {},
): Promise<QuorumStatus> {
  const config = join(layout.dir, 'quorum-tool.properties');
  // Fail fast on a dead controller so that the next attempt can reach another.
  writeFileSync(config, 'request.timeout.ms=3000\ndefault.api.timeout.ms=8000\n');
  // Only nodes whose process runs: the tool's client would spend its timeouts on the others.
  const running = layout.nodes.filter((n) => livePid(nodePaths(layout, n).pid) !== undefined);
  const controllers = (running.length > 0 ? running : layout.nodes)
    .map((n) => `${n.host}:${n.controllerPort}`)
    .join(',');
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    try {
      const output = await runAsync(
        'java',
        [
          '-Xmx64m',
          '-XX:+UseSerialGC',
          '-XX:TieredStopAtLevel=1',
          '-cp',
          cp,
          QUORUM_TOOL,
          '--bootstrap-controller',
          controllers,
          '--command-config',
          config,
          'describe',
          '--status',
        ],
        { timeoutMs: 20_000 },
      );
      return parseQuorumStatus(output);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(1_000);
    }
  }
}
