import type { Socket } from 'node:net';
import type { buildConnector } from 'undici';
import type { DevAllowList } from './allow-list.ts';
import { resolveCheckedAddresses } from './checked-addresses.ts';
import { ConnectTimeoutError } from './errors.ts';
import { parseIp } from './ip.ts';
import type { Resolve, ResolvedAddress } from './resolver.ts';

/** An undici connector: opens a TCP or TLS socket for a pool. */
export type Connector = buildConnector.connector;

/** Options of {@link createGuardedConnector}. */
export interface GuardedConnectorOptions {
  readonly resolve: Resolve;
  readonly allowList: DevAllowList;
  /** Opens the socket to an IP address that has passed the policy. */
  readonly connector: Connector;
  /** Bounds resolution and connection together (the inner connector may have its own bound). */
  readonly timeoutMs: number;
}

/**
 * Wraps a connector so that every new connection resolves its host once, checks every
 * address, and then connects to a checked IP itself, never to the name. The inner
 * connector gets the IP as `hostname` and the original name as `servername`, so TLS still
 * sends SNI for, and verifies the certificate against, the name. Because no second lookup
 * happens, a DNS answer that changes between check and connect (rebinding) cannot redirect
 * the connection. Addresses are tried in resolver order until one accepts.
 */
export function createGuardedConnector(options: GuardedConnectorOptions): Connector {
  return (connectOptions, callback) => {
    const host = connectOptions.hostname;
    const servername =
      connectOptions.protocol === 'https:' && parseIp(host) === undefined
        ? host
        : (connectOptions.servername ?? undefined);
    let settled = false;
    let pending: Socket | undefined;

    const finish: buildConnector.Callback = (...args) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      callback(...args);
    };
    const timer = setTimeout(() => {
      pending?.destroy();
      finish(new ConnectTimeoutError(host, options.timeoutMs), null);
    }, options.timeoutMs);

    const attempt = (addresses: readonly ResolvedAddress[], index: number, lastError: Error | undefined): void => {
      const target = addresses[index];
      if (settled) return;
      if (target === undefined) {
        finish(lastError ?? new Error('no address to connect to'), null);
        return;
      }
      let calledBack = false;
      const socket: unknown = options.connector(
        { ...connectOptions, hostname: target.address, ...(servername === undefined ? {} : { servername }) },
        (error, connected) => {
          calledBack = true;
          if (settled) {
            // Lost the race with the timeout: nobody will use this socket.
            connected?.destroy();
            return;
          }
          if (error === null) finish(null, connected);
          else attempt(addresses, index + 1, error);
        },
      );
      // The built-in connector returns its socket, which lets the timeout abort it. A
      // connector that already called back has moved on (or finished) without it.
      if (!calledBack) pending = isSocket(socket) ? socket : undefined;
    };

    resolveCheckedAddresses(host, options).then(
      (addresses) => attempt(addresses, 0, undefined),
      (error: Error) => finish(error, null),
    );
  };
}

function isSocket(value: unknown): value is Socket {
  return typeof value === 'object' && value !== null && typeof (value as Socket).destroy === 'function';
}
