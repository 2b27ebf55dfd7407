import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLAINTEXT, withLenientReader } from '@payhook/kafka';
import { freePort } from './anvil-node.ts';
import {
  bootstrapServers,
  formattedClusterId,
  formattedNodeCount,
  formattedSecure,
  type KafkaLayout,
  type KafkaNodeSpec,
  kafkaDir,
  log4jProperties,
  mtlsBootstrapServers,
  nodePaths,
  nodePidFiles,
  nodesOnPorts,
  secureBootstrapServers,
  secureDir,
  serverProperties,
  stackKafkaLayout,
  writeTopology,
} from './kafka-layout.ts';
import { killPid, livePid, run, runAsync, startDetached, stopPid, waitFor } from './processes.ts';
import {
  ensureSecureMaterial,
  mtlsClientEnv,
  SECURE_USERS,
  type SecureListener,
  scramFormatArgs,
  secureClientEnv,
} from './secure-listener.ts';
import { type DevStackSettings, devStackSettings } from './settings.ts';

const MAIN_CLASS = 'kafka.Kafka';
const STORAGE_TOOL = 'kafka.tools.StorageTool';

/** Where the Maven description of the broker's runtime lives, and where its classpath is cached. */
export type ClasspathSettings = Pick<DevStackSettings, 'root' | 'cacheDir'>;

/**
 * The broker's classpath (the broker and Kafka's command-line tools), resolved by Maven from
 * `deploy/local/kafka/pom.xml`, which fetches the jars into the local Maven repository the
 * first time. The cache is keyed by the pom's content, so a changed pom is resolved again.
 */
export function kafkaClasspath(settings: ClasspathSettings, progress: (line: string) => void): string {
  const pom = join(settings.root, 'deploy/local/kafka/pom.xml');
  const digest = createHash('sha256').update(readFileSync(pom)).digest('hex').slice(0, 12);
  const cache = join(settings.cacheDir, `kafka-${digest}.classpath`);
  if (existsSync(cache)) {
    const cached = readFileSync(cache, 'utf8').trim();
    if (cached.length > 0 && cached.split(':').every((jar) => existsSync(jar))) return cached;
  }
  progress('resolving the Kafka broker from Maven Central (first run only)');
  mkdirSync(settings.cacheDir, { recursive: true });
  run('mvn', ['-q', '-B', '-f', pom, 'dependency:build-classpath', `-Dmdep.outputFile=${cache}`]);
  return readFileSync(cache, 'utf8').trim();
}

/**
 * Whether a node answers metadata requests on its own port and is itself among the live
 * brokers it reports (a node is listed once the controller quorum has unfenced it), and, with
 * `expectedBrokers`, whether it reports that many. Asked over one connection to that node
 * alone: a kafkajs client would move on to the node's peers and answer for them.
 */
export async function nodeAnswers(node: KafkaNodeSpec, expectedBrokers?: number): Promise<boolean> {
  try {
    const brokers = await withLenientReader(
      // The plaintext listener, whatever security the caller's environment asks clients for.
      {
        brokers: [`${node.host}:${node.port}`],
        connectionTimeoutMs: 1_000,
        requestTimeoutMs: 2_000,
        security: PLAINTEXT,
      },
      (reader) => reader.brokers(),
    );
    return brokers.includes(node.nodeId) && (expectedBrokers === undefined || brokers.length >= expectedBrokers);
  } catch {
    return false;
  }
}

/** Whether every node of the layout answers and sees all of them as brokers. */
export async function layoutReady(layout: KafkaLayout): Promise<boolean> {
  const answers = await Promise.all(layout.nodes.map((node) => nodeAnswers(node, layout.nodes.length)));
  return answers.every(Boolean);
}

/** Whether the stack's Kafka answers: every node, each seeing all of them. */
export function kafkaReady(settings: DevStackSettings): Promise<boolean> {
  return layoutReady(stackKafkaLayout(settings));
}

/**
 * Writes every node's configs and formats the storage of nodes that have none, all with the
 * cluster id the folder was formatted with (a fresh one the first time).
 */
async function prepareNodes(layout: KafkaLayout, cp: string, progress: (line: string) => void): Promise<void> {
  mkdirSync(layout.dir, { recursive: true });
  if (layout.secure !== undefined) {
    ensureSecureMaterial(
      layout.secure,
      layout.nodes.map((n) => n.host),
    );
  }
  const unformatted: KafkaNodeSpec[] = [];
  for (const node of layout.nodes) {
    const p = nodePaths(layout, node);
    mkdirSync(p.dir, { recursive: true });
    // A secure node's properties hold the PLAIN users' passwords.
    writeFileSync(p.config, serverProperties(layout, node), { mode: 0o600 });
    chmodSync(p.config, 0o600);
    writeFileSync(p.log4j, log4jProperties(p.log));
    if (!existsSync(join(p.data, 'meta.properties'))) unformatted.push(node);
  }
  if (unformatted.length === 0) return;
  const clusterId = formattedClusterId(layout.dir) ?? randomUUID();
  progress(
    `formatting Kafka storage (KRaft${layout.nodes.length > 1 ? `, ${layout.nodes.length} voters` : ''}${layout.secure === undefined ? '' : ', SCRAM users'})`,
  );
  const scram = layout.secure === undefined ? [] : scramFormatArgs(layout.secure);
  // Side by side: each format is a JVM start of a few seconds.
  await Promise.all(
    unformatted.map((node) =>
      runAsync('java', [
        '-Xmx128m',
        '-cp',
        cp,
        STORAGE_TOOL,
        'format',
        '--ignore-formatted',
        '-t',
        clusterId,
        '-c',
        nodePaths(layout, node).config,
        ...scram,
      ]).catch((error: unknown) => {
        // The command line holds the users' passwords.
        throw new Error((error as Error).message.replace(/password=[^\]\s]*/g, 'password=[redacted]'));
      }),
    ),
  );
  writeTopology(layout.dir, {
    nodes: layout.nodes.length,
    clusterId,
    ...(layout.secure === undefined ? {} : { secure: true }),
  });
}

/** Starts one node's JVM (its configs must be written); returns its PID. */
function launchNode(layout: KafkaLayout, node: KafkaNodeSpec, cp: string): number {
  const p = nodePaths(layout, node);
  return startDetached(
    'java',
    [
      `-Xmx${layout.heap}`,
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
}

/**
 * Starts the nodes of a layout that do not run (a node whose process runs but does not answer
 * is started again), formatting storage the first time, and waits until every node answers.
 */
export async function startLayout(
  layout: KafkaLayout,
  cache: ClasspathSettings,
  progress: (line: string) => void,
  options: { only?: readonly number[] } = {},
): Promise<'started' | 'running'> {
  const nodes = layout.nodes.filter((n) => options.only === undefined || options.only.includes(n.index));
  const running = nodes.map((n) => livePid(nodePaths(layout, n).pid) !== undefined);
  if (running.every(Boolean) && (await layoutReady(layout))) return 'running';
  const stale = await Promise.all(nodes.map(async (n, i) => running[i] === true && !(await nodeAnswers(n))));
  await Promise.all(nodes.map((n, i) => (stale[i] === true ? stopPid(nodePaths(layout, n).pid) : undefined)));
  const cp = kafkaClasspath(cache, progress);
  await prepareNodes(layout, cp, progress);
  const started = new Map<string, number>();
  for (const node of nodes) {
    const pidFile = nodePaths(layout, node).pid;
    if (livePid(pidFile) === undefined) started.set(pidFile, launchNode(layout, node, cp));
  }
  if (started.size > 0) {
    const which =
      layout.nodes.length === 1 ? '' : ` node${nodes.length > 1 ? 's' : ''} ${nodes.map((n) => n.nodeId).join(', ')}`;
    progress(`starting Kafka${which} on ${nodes.map((n) => n.port).join(', ')}`);
  }
  await waitFor(
    layout.nodes.length === 1 ? 'Kafka' : `Kafka (${layout.nodes.length} nodes)`,
    () => layoutReady(layout),
    // A cluster elects its controller and unfences each broker before it answers.
    layout.nodes.length === 1 ? 90_000 : 150_000,
    () => [...started].every(([pidFile, pid]) => livePid(pidFile) === pid),
  );
  return 'started';
}

/** Stops (SIGTERM: a controlled shutdown) or kills (SIGKILL: a crash) nodes of a layout. */
export async function haltNodes(
  layout: KafkaLayout,
  how: 'stop' | 'kill',
  indexes: readonly number[] = layout.nodes.map((n) => n.index),
): Promise<boolean> {
  const nodes = layout.nodes.filter((n) => indexes.includes(n.index));
  const results = await Promise.all(
    nodes.map((n) => (how === 'kill' ? killPid(nodePaths(layout, n).pid) : stopPid(nodePaths(layout, n).pid))),
  );
  return results.some(Boolean);
}

/**
 * The layout the stack's Kafka is to start with.
 * @throws ConfigError when two ports of the stack would be the same.
 * @throws Error when the state folder holds a Kafka of another size (its data would not fit).
 */
export function kafkaLayoutToStart(settings: DevStackSettings): KafkaLayout {
  const layout = stackKafkaLayout(settings);
  const formatted = formattedNodeCount(layout.dir);
  if (layout.secure !== undefined && formattedSecure(layout.dir) === false) {
    throw new Error(
      `${settings.stateDir} holds a Kafka formatted without a secure listener (its SCRAM users are made when it is formatted): ` +
        '"payhook dev down" stops it and deletes its data, then "payhook dev up --secure"',
    );
  }
  if (formatted !== undefined && formatted !== layout.nodes.length) {
    throw new Error(
      `${settings.stateDir} holds a Kafka of ${formatted} node${formatted === 1 ? '' : 's'}, not ${layout.nodes.length}: ` +
        `"payhook dev down" stops it and deletes its data (or ask for ${formatted})`,
    );
  }
  return layout;
}

/**
 * Starts the stack's Kafka unless it runs already: one node, or the cluster that
 * `kafkaNodes` asks for. Formats its storage the first time.
 * @throws as {@link kafkaLayoutToStart}
 */
export async function startKafka(
  settings: DevStackSettings,
  progress: (line: string) => void,
): Promise<'started' | 'running'> {
  return startLayout(kafkaLayoutToStart(settings), settings, progress);
}

/** Stops every node of the stack's Kafka, whatever its size. */
export async function stopKafka(settings: DevStackSettings): Promise<boolean> {
  const results = await Promise.all(nodePidFiles(kafkaDir(settings)).map((file) => stopPid(file)));
  return results.some(Boolean);
}

/** One node as `status` reports it. */
export interface KafkaNodeStatus {
  readonly index: number;
  readonly nodeId: number;
  /** `host:port` of its client listener. */
  readonly address: string;
  readonly pid: number | undefined;
  /** Answers on its own port and is a registered broker. */
  readonly ready: boolean;
  readonly logs: readonly string[];
}

/** Each node of a layout: its process, whether it answers, its logs. */
export async function layoutStatus(layout: KafkaLayout): Promise<KafkaNodeStatus[]> {
  return Promise.all(
    layout.nodes.map(async (node) => {
      const p = nodePaths(layout, node);
      return {
        index: node.index,
        nodeId: node.nodeId,
        address: `${node.host}:${node.port}`,
        pid: livePid(p.pid),
        ready: await nodeAnswers(node, layout.nodes.length),
        logs: [p.log, p.stdout],
      };
    }),
  );
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
  /**
   * A `SASL_SSL` listener beside the plaintext one (a throwaway CA, SCRAM and PLAIN users) and an
   * mTLS listener, on these ports or, with `true` (or no `mtlsPort`), ones the OS reports free.
   * @defaultValue none
   */
  readonly secure?: boolean | { readonly port: number; readonly mtlsPort?: number };
}

/** The secure listener of a {@link KafkaBroker}. */
export interface SecureKafkaListener extends SecureListener {
  /** `host:port` of the `SASL_SSL` listener. */
  readonly brokers: string;
  /** PEM file of the throwaway CA that signed the broker's certificate. */
  readonly caFile: string;
  /** The SCRAM users that exist, with their passwords. */
  password(user: string): string;
  /** The variables a client sets to connect as `user` (default: the client user `payhook`). */
  clientEnv(user?: string): Record<string, string>;
  /** `host:port` of the `SSL` listener that requires a client certificate (mTLS). */
  readonly mtlsBrokers: string;
  /** The variables a client of the mTLS listener sets (its certificate names the user `payhook`). */
  mtlsClientEnv(): Record<string, string>;
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
  /** The `SASL_SSL` listener, when asked for. */
  readonly secure: SecureKafkaListener | undefined;
}

/** `count` distinct free loopback ports. */
export async function freePorts(host: string, count: number, exclude: readonly number[] = []): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort(host);
    if (!ports.includes(port) && !exclude.includes(port)) ports.push(port);
  }
  return ports;
}

/**
 * Starts a single-node broker of its own (for tests that stop and restart the broker, e.g.
 * the fault suite) and waits until it answers. Stop it in an `after` hook.
 */
export async function startKafkaBroker(options: StandaloneKafkaOptions): Promise<KafkaBroker> {
  const stack = options.stack ?? devStackSettings();
  const host = stack.host;
  const [free1 = 0, free2 = 0] = await freePorts(
    host,
    2,
    [options.port, options.controllerPort].filter((p): p is number => p !== undefined),
  );
  const port = options.port ?? free1;
  const controllerPort = options.controllerPort ?? free2;
  const dir = join(options.stateDir, 'kafka');
  const wanted = options.secure === undefined || options.secure === false ? undefined : options.secure;
  const [securePort, mtlsPort] =
    wanted === undefined
      ? [undefined, undefined]
      : wanted === true
        ? await freePorts(host, 2, [port, controllerPort])
        : [wanted.port, wanted.mtlsPort ?? (await freePorts(host, 1, [port, controllerPort, wanted.port]))[0]];
  const layout: KafkaLayout = {
    dir,
    nodes: nodesOnPorts(host, [{ port, controllerPort, securePort, mtlsPort }]),
    heap: stack.kafkaHeap ?? '768m',
    ...(securePort === undefined ? {} : { secure: { dir: secureDir(dir) } }),
  };
  const progress = options.progress ?? (() => undefined);
  await startLayout(layout, stack, progress);
  return {
    brokers: bootstrapServers(layout),
    port,
    get pid() {
      return livePid(join(layout.dir, 'kafka.pid'));
    },
    stop: async () => void (await haltNodes(layout, 'stop')),
    start: async () => void (await startLayout(layout, stack, progress)),
    secure: layout.secure === undefined ? undefined : secureListenerHandle(layout, layout.secure),
  };
}

/** What a client of a layout's secure listener needs. */
export function secureListenerHandle(layout: KafkaLayout, listener: SecureListener): SecureKafkaListener {
  const brokers = secureBootstrapServers(layout) ?? '';
  const env = (user: string = SECURE_USERS.client) => secureClientEnv(listener, brokers, user);
  const mtlsBrokers = mtlsBootstrapServers(layout) ?? '';
  return {
    ...listener,
    brokers,
    caFile: env().KAFKA_SSL_CA_FILE ?? '',
    password: (user) => readFileSync(env(user).KAFKA_SASL_PASSWORD_FILE ?? '', 'utf8'),
    clientEnv: env,
    mtlsBrokers,
    mtlsClientEnv: () => mtlsClientEnv(listener, mtlsBrokers),
  };
}
