import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { livePid, startDetached, stopPid, waitFor } from './processes.ts';
import type { DevStackSettings } from './settings.ts';

/** Chain id of every local anvil chain (anvil's own default). */
export const ANVIL_CHAIN_ID = 31337;

/**
 * The platform packages of `@foundry-rs/anvil`, by `<platform>-<arch>`: each holds the real
 * binary under `bin/`. The wrapper package's `bin.mjs` would only spawn it again as a child
 * that stays attached to a Node process, so the stack starts the binary itself.
 */
const PLATFORM_PACKAGES: Readonly<Record<string, string>> = {
  'linux-x64': '@foundry-rs/anvil-linux-amd64',
  'linux-arm64': '@foundry-rs/anvil-linux-arm64',
  'darwin-x64': '@foundry-rs/anvil-darwin-amd64',
  'darwin-arm64': '@foundry-rs/anvil-darwin-arm64',
  'win32-x64': '@foundry-rs/anvil-win32-amd64',
};

/**
 * Path of the anvil binary installed with this package's `@foundry-rs/anvil` dependency.
 * @throws Error naming the missing package when npm skipped it (e.g. `--omit=optional`).
 */
export function anvilBinary(): string {
  const target = `${process.platform}-${process.arch}`;
  const platformPackage = PLATFORM_PACKAGES[target];
  if (platformPackage === undefined) throw new Error(`anvil is not published for ${target}`);
  const executable = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  // Resolve from the wrapper: the platform package is its optional dependency, not ours.
  const wrapper = createRequire(import.meta.url).resolve('@foundry-rs/anvil/package.json');
  const candidates: string[] = [];
  try {
    candidates.push(createRequire(wrapper).resolve(`${platformPackage}/bin/${executable}`));
  } catch {
    // not installed; the wrapper's install script may have fetched the binary instead
  }
  candidates.push(join(dirname(wrapper), executable));
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) {
    throw new Error(`the anvil binary is missing: install ${platformPackage} (npm ci without --omit=optional)`);
  }
  return found;
}

/** The chain id an RPC endpoint reports, or undefined when it does not answer. */
export async function rpcChainId(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(2_000),
    });
    if (response.status !== 200) return undefined;
    const body = (await response.json()) as { result?: unknown };
    return typeof body.result === 'string' ? Number(body.result) : undefined;
  } catch {
    return undefined;
  }
}

/** Where one anvil process listens and keeps its files. */
interface AnvilLayout {
  readonly host: string;
  readonly port: number;
  /** Holds the chain state, the log and the PID file. */
  readonly dir: string;
}

function files(dir: string) {
  return { log: join(dir, 'anvil.log'), pid: join(dir, 'anvil.pid'), state: join(dir, 'state.json') };
}

function rpcUrl(layout: Pick<AnvilLayout, 'host' | 'port'>): string {
  return `http://${layout.host}:${layout.port}`;
}

function anvilReady(layout: AnvilLayout): Promise<boolean> {
  return rpcChainId(rpcUrl(layout)).then((id) => id === ANVIL_CHAIN_ID);
}

/** The last lines of a log, for an error message. */
function tail(file: string, lines = 5): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Starts anvil detached unless it answers already. Mining is anvil's default automine: every
 * transaction is mined at once in a block of its own, and no block appears without one, so
 * block numbers move only when a test sends a transaction or mines (`anvil_mine`) on purpose.
 * The chain is written to `state.json` on SIGTERM and loaded on start, with the states of
 * past blocks, so a restart resumes the same chain (same block hashes) and can still reorg.
 */
async function launch(layout: AnvilLayout, progress: (line: string) => void): Promise<'started' | 'running'> {
  const p = files(layout.dir);
  if (livePid(p.pid) !== undefined && (await anvilReady(layout))) return 'running';
  await stopPid(p.pid);
  const binary = anvilBinary();
  mkdirSync(layout.dir, { recursive: true });
  progress(`starting anvil on ${layout.port}`);
  const pid = startDetached(
    binary,
    [
      '--host',
      layout.host,
      '--port',
      String(layout.port),
      '--chain-id',
      String(ANVIL_CHAIN_ID),
      '--state',
      p.state,
      '--preserve-historical-states',
      '--color',
      'never',
    ],
    { cwd: layout.dir, logFile: p.log, pidFile: p.pid },
  );
  try {
    await waitFor(
      'anvil',
      () => anvilReady(layout),
      30_000,
      () => livePid(p.pid) === pid,
    );
  } catch (error) {
    await stopPid(p.pid);
    throw new Error(`${(error as Error).message} (port ${layout.port}):\n${tail(p.log)}`, { cause: error });
  }
  return 'started';
}

function devLayout(settings: DevStackSettings): AnvilLayout {
  return { host: settings.host, port: settings.anvilPort, dir: join(settings.stateDir, 'anvil') };
}

/** The dev chain's JSON-RPC URL. */
export function anvilUrl(settings: DevStackSettings): string {
  return rpcUrl(devLayout(settings));
}

/** Whether the dev chain answers `eth_chainId` with {@link ANVIL_CHAIN_ID}. */
export function anvilNodeReady(settings: DevStackSettings): Promise<boolean> {
  return anvilReady(devLayout(settings));
}

/** Starts the dev stack's chain unless it runs already. */
export async function startAnvilNode(
  settings: DevStackSettings,
  progress: (line: string) => void,
): Promise<'started' | 'running'> {
  return launch(devLayout(settings), progress);
}

/** Stops the dev stack's chain. */
export function stopAnvilNode(settings: DevStackSettings): Promise<boolean> {
  return stopPid(files(devLayout(settings).dir).pid);
}

/** The dev chain's PID, when it runs. */
export function anvilNodePid(settings: DevStackSettings): number | undefined {
  return livePid(files(devLayout(settings).dir).pid);
}

/** Log files a person reads when the dev chain misbehaves. */
export function anvilNodeLogs(settings: DevStackSettings): string[] {
  return [files(devLayout(settings).dir).log];
}

/** Options of {@link startAnvil}. */
export interface StandaloneAnvilOptions {
  /** Holds the chain state, log and PID file; the caller creates and removes it. */
  readonly stateDir: string;
  /**
   * Loopback port to listen on; kept across restarts.
   * @defaultValue a port the OS reports free
   */
  readonly port?: number;
  /** @defaultValue `127.0.0.1` */
  readonly host?: string;
}

/** A chain of its own for one test file, apart from the dev stack's. */
export interface AnvilNode {
  /** JSON-RPC URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  /** PID of the running process; undefined while stopped. */
  readonly pid: number | undefined;
  /** Stops the process (SIGTERM, so the chain is saved); a no-op when stopped. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the chain it had; a no-op when it runs. */
  start(): Promise<void>;
}

const quiet = () => undefined;

/** A TCP port on `host` that nothing listens on right now. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Starts an anvil of its own (for tests that stop and restart the chain, e.g. RPC outages)
 * and waits until it answers. Stop it in an `after` hook.
 */
export async function startAnvil(options: StandaloneAnvilOptions): Promise<AnvilNode> {
  const host = options.host ?? '127.0.0.1';
  const layout: AnvilLayout = { host, port: options.port ?? (await freePort(host)), dir: options.stateDir };
  const pidFile = files(layout.dir).pid;
  await launch(layout, quiet);
  return {
    url: rpcUrl(layout),
    port: layout.port,
    get pid() {
      return livePid(pidFile);
    },
    stop: async () => void (await stopPid(pidFile)),
    start: async () => void (await launch(layout, quiet)),
  };
}
