// The network of the protection tests, loaded by the dispatcher's sender (in its own thread):
// `private.merchant.test` resolves to a private address, every other name to nothing, and
// every connection is announced on a broadcast channel before it is opened (only loopback
// addresses are opened; anything else fails and is still announced).
import { BroadcastChannel } from 'node:worker_threads';
import type { Connector, Resolve } from '@payhook/http-delivery';
import { buildConnector } from 'undici';

/** Where connection attempts are announced: the host each one was asked to open. */
export const CONNECTIONS_CHANNEL = 'payhook-test-connections';

const announce = new BroadcastChannel(CONNECTIONS_CHANNEL);
announce.unref();
const open = buildConnector({});

export const resolve: Resolve = async (host) =>
  host === 'private.merchant.test' ? [{ address: '10.1.2.3', family: 4 }] : [];

export const connector: Connector = (options, callback) => {
  const host = String(options.hostname);
  announce.postMessage(host);
  if (!host.startsWith('127.')) {
    callback(new Error(`test connector refuses ${host}`), null);
    return;
  }
  open(options, callback);
};
