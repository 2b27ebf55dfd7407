import { BroadcastChannel } from 'node:worker_threads';

/** How {@link recordingNetwork} sets up its module. */
export interface RecordingNetworkOptions {
  /** The broadcast channel that connections are announced on. */
  readonly channel: string;
  /** Test host names and the address each resolves to (never contacted unless diverted). */
  readonly hosts?: Readonly<Record<string, string>>;
  /** Every connection goes to this port on 127.0.0.1 instead, as plain TCP. */
  readonly divertToPort?: number;
  /** The sender's thread exits (code 3) at its first connection. */
  readonly exitOnConnect?: boolean;
}

/** The URL of the recording network module, set up as asked: pass it as `networkModule`. */
export function recordingNetwork(options: RecordingNetworkOptions): string {
  const url = new URL('./recording-network.ts', import.meta.url);
  url.searchParams.set('channel', options.channel);
  const hosts = Object.entries(options.hosts ?? {}).map(([name, address]) => `${name}=${address}`);
  if (hosts.length > 0) url.searchParams.set('hosts', hosts.join(','));
  if (options.divertToPort !== undefined) url.searchParams.set('divert', String(options.divertToPort));
  if (options.exitOnConnect === true) url.searchParams.set('exit', '1');
  return url.href;
}

/** The hosts that connections were asked to, as announced on `channel`, in order. */
export function watchConnections(channel: string): { readonly hosts: string[]; close(): void } {
  const hosts: string[] = [];
  const port = new BroadcastChannel(channel);
  port.onmessage = (event) => hosts.push(String((event as MessageEvent).data));
  return { hosts, close: () => port.close() };
}
