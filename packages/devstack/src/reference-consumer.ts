import { kafkaClasspath } from './kafka-node.ts';
import { runAsync } from './processes.ts';
import { devStackSettings } from './settings.ts';

const CONSOLE_CONSUMER = 'org.apache.kafka.tools.consumer.ConsoleConsumer';

/** One record as Kafka's own consumer handed it out. */
export interface ReferenceRecord {
  readonly partition: number;
  readonly offset: bigint;
  /** The value as text (UTF-8); absent when `values` was false. */
  readonly value?: string;
}

/** Options of {@link readCommittedReference}. */
export interface ReferenceReadOptions {
  /** `host:port` of the brokers. */
  readonly brokers: readonly string[];
  readonly topic: string;
  /** Print each record's value (as text). @defaultValue false */
  readonly values?: boolean;
  /** The read ends once no record came for this long. @defaultValue 5_000 */
  readonly idleMs?: number;
}

/**
 * Reads a whole topic from the start with read_committed isolation using Kafka's own Java
 * consumer (its console consumer, in a short-lived JVM), the reference the patched kafkajs
 * reader is held to: it is what tells a committed record from an aborted one in the tests.
 *
 * @throws Error when the JVM fails or its output cannot be read.
 */
export async function readCommittedReference(options: ReferenceReadOptions): Promise<ReferenceRecord[]> {
  const idleMs = options.idleMs ?? 5_000;
  const cp = kafkaClasspath(devStackSettings(), () => undefined);
  const output = await runAsync(
    'java',
    [
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      // The tool's own log goes to standard output with the records: errors only, told apart below.
      '-Dorg.apache.logging.log4j.level=ERROR',
      '-cp',
      cp,
      CONSOLE_CONSUMER,
      '--bootstrap-server',
      options.brokers.join(','),
      '--topic',
      options.topic,
      '--from-beginning',
      '--isolation-level',
      'read_committed',
      '--timeout-ms',
      String(idleMs),
      '--consumer-property',
      'enable.auto.commit=false',
      '--property',
      'print.partition=true',
      '--property',
      'print.offset=true',
      '--property',
      `print.value=${options.values === true}`,
    ],
    { timeoutMs: 120_000 },
  );
  return parseReferenceOutput(output, options.values === true);
}

/**
 * The console consumer's records, lines `Partition:P<TAB>Offset:O[<TAB>value]`. Other lines are
 * its log: the timeout that ends the read is logged as an error, anything else is thrown.
 */
export function parseReferenceOutput(output: string, values: boolean): ReferenceRecord[] {
  const records: ReferenceRecord[] = [];
  const lines = output.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.length === 0) continue;
    const match = /^Partition:(\d+)\tOffset:(\d+)(?:\t(.*))?$/.exec(line);
    if (match === null) {
      if (/ERROR .*terminating consumer process/.test(line) && /TimeoutException/.test(lines[i + 1] ?? '')) break;
      throw new Error(`Kafka's console consumer wrote a line that is not a record: ${line}`);
    }
    const [, partition, offset, value] = match;
    records.push({
      partition: Number(partition),
      offset: BigInt(offset as string),
      ...(values ? { value: value ?? '' } : {}),
    });
  }
  return records;
}
