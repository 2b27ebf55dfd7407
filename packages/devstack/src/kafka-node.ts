import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silenceKafkajsTimerWarning } from '@payhook/kafka';
import kafkajs from 'kafkajs';
import { freePort } from './anvil-node.ts';
import { livePid, run, startDetached, stopPid, waitFor } from './processes.ts';
import { type DevStackSettings, devStackSettings } from './settings.ts';

const MAIN_CLASS = 'kafka.Kafka';
const STORAGE_TOOL = 'kafka.tools.StorageTool';

function paths(settings: DevStackSettings) {
  const dir = join(settings.stateDir, 'kafka');
  return {
    dir,
    data: join(dir, 'data'),
    config: join(dir, 'server.properties'),
    log4j: join(dir, 'log4j2.properties'),
    log: join(dir, 'kafka.log'),
    stdout: join(dir, 'stdout.log'),
    pid: join(dir, 'kafka.pid'),
    classpath: join(settings.cacheDir, 'kafka.classpath'),
  };
}

/**
 * The broker's classpath, resolved once by Maven from `deploy/local/kafka/pom.xml`
 * (which fetches the jars into the local Maven repository the first time).
 */
function classpath(settings: DevStackSettings, progress: (line: string) => void): string {
  const p = paths(settings);
  const pom = join(settings.root, 'deploy/local/kafka/pom.xml');
  if (existsSync(p.classpath)) {
    const cached = readFileSync(p.classpath, 'utf8').trim();
    if (cached.length > 0 && cached.split(':').every((jar) => existsSync(jar))) return cached;
  }
  progress('resolving the Kafka broker from Maven Central (first run only)');
  mkdirSync(settings.cacheDir, { recursive: true });
  run('mvn', ['-q', '-B', '-f', pom, 'dependency:build-classpath', `-Dmdep.outputFile=${p.classpath}`]);
  return readFileSync(p.classpath, 'utf8').trim();
}

function serverProperties(settings: DevStackSettings, dataDir: string): string {
  const { host, kafkaPort, controllerPort } = settings;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${host}:${controllerPort}`,
    `listeners=PLAINTEXT://${host}:${kafkaPort},CONTROLLER://${host}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${kafkaPort}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=3',
    // One broker: internal topics cannot be replicated.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=10',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Tests form and re-form groups constantly; the default 3 s delay only slows them.
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'log.retention.check.interval.ms=60000',
    '',
  ].join('\n');
}

function log4jProperties(logFile: string): string {
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

/** Whether the broker answers metadata requests. */
export async function kafkaReady(settings: DevStackSettings): Promise<boolean> {
  silenceKafkajsTimerWarning();
  const kafka = new kafkajs.Kafka({
    clientId: 'payhook-dev',
    brokers: [`${settings.host}:${settings.kafkaPort}`],
    logLevel: kafkajs.logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Starts the broker unless it runs already; formats its storage the first time. */
export async function startKafka(
  settings: DevStackSettings,
  progress: (line: string) => void,
): Promise<'started' | 'running'> {
  const p = paths(settings);
  if (livePid(p.pid) !== undefined && (await kafkaReady(settings))) return 'running';
  await stopPid(p.pid);
  const cp = classpath(settings, progress);
  mkdirSync(p.dir, { recursive: true });
  writeFileSync(p.config, serverProperties(settings, p.data));
  writeFileSync(p.log4j, log4jProperties(p.log));
  if (!existsSync(join(p.data, 'meta.properties'))) {
    progress('formatting Kafka storage (KRaft)');
    run('java', ['-cp', cp, STORAGE_TOOL, 'format', '--ignore-formatted', '-t', randomUUID(), '-c', p.config]);
  }
  progress(`starting Kafka on ${settings.kafkaPort}`);
  const pid = startDetached(
    'java',
    [
      `-Xmx${settings.kafkaHeap}`,
      '-Xms256m',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${p.log4j}`,
      '-cp',
      cp,
      MAIN_CLASS,
      p.config,
    ],
    { cwd: p.dir, logFile: p.stdout, pidFile: p.pid },
  );
  await waitFor(
    'Kafka',
    () => kafkaReady(settings),
    90_000,
    () => livePid(p.pid) === pid,
  );
  return 'started';
}

/** Stops the broker. */
export function stopKafka(settings: DevStackSettings): Promise<boolean> {
  return stopPid(paths(settings).pid);
}

/** Whether the broker's process is alive, and its PID. */
export function kafkaPid(settings: DevStackSettings): number | undefined {
  return livePid(paths(settings).pid);
}

/** Log files a person reads when the broker misbehaves. */
export function kafkaLogs(settings: DevStackSettings): string[] {
  const p = paths(settings);
  return [p.log, p.stdout];
}

/** Options of {@link startKafkaBroker}. */
export interface StandaloneKafkaOptions {
  /** Holds the broker's data, logs and PID file; the caller creates and removes it. */
  readonly stateDir: string;
  /**
   * Client port on loopback; kept across restarts.
   * @defaultValue a port the OS reports free
   */
  readonly port?: number;
  /**
   * KRaft controller port on loopback; kept across restarts.
   * @defaultValue a port the OS reports free
   */
  readonly controllerPort?: number;
  /**
   * Settings whose cache (the resolved broker classpath) and heap size are used.
   * @defaultValue the dev stack's, from the environment
   */
  readonly stack?: DevStackSettings;
  /** Progress lines (the first run resolves the broker from Maven). @defaultValue none */
  readonly progress?: (line: string) => void;
}

/** A broker of its own for one test file, apart from the dev stack's. */
export interface KafkaBroker {
  /** `host:port` for clients. */
  readonly brokers: string;
  readonly port: number;
  /** PID of the running broker; undefined while stopped. */
  readonly pid: number | undefined;
  /** Stops the broker (SIGTERM: a controlled shutdown); its data is kept. A no-op when stopped. */
  stop(): Promise<void>;
  /** Starts it again on the same ports with the data it had and waits until it answers. */
  start(): Promise<void>;
}

/**
 * Starts a single-node broker of its own (for tests that stop and restart the broker, e.g.
 * the fault suite) and waits until it answers. Stop it in an `after` hook.
 */
export async function startKafkaBroker(options: StandaloneKafkaOptions): Promise<KafkaBroker> {
  const stack = options.stack ?? devStackSettings();
  const host = stack.host;
  const port = options.port ?? (await freePort(host));
  let controllerPort = options.controllerPort ?? (await freePort(host));
  while (controllerPort === port) controllerPort = await freePort(host);
  const settings: DevStackSettings = { ...stack, stateDir: options.stateDir, kafkaPort: port, controllerPort };
  const progress = options.progress ?? (() => undefined);
  await startKafka(settings, progress);
  return {
    brokers: `${host}:${port}`,
    port,
    get pid() {
      return kafkaPid(settings);
    },
    stop: async () => void (await stopKafka(settings)),
    start: async () => void (await startKafka(settings, progress)),
  };
}
