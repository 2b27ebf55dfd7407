// A network for tests that prove what the dispatcher's address guard lets through: a module
// whose `resolve` and `connector` exports replace name resolution and raw connections in a
// sender (on its thread, or on the caller's). Set up by its query string (see
// `recordingNetwork`); no packet ever leaves loopback. Imports nothing of payhook: a sender
// thread loads it into an isolate of its own.
import { BroadcastChannel } from 'node:worker_threads';
import { buildConnector } from 'undici';

const params = new URL(import.meta.url).searchParams;
/** Test host names and the addresses they resolve to. */
const names = new Map(
  (params.get('hosts') ?? '')
    .split(',')
    .filter((entry) => entry.includes('='))
    .map((entry) => entry.split('=') as [string, string]),
);
const divert = params.get('divert');
const channel = new BroadcastChannel(params.get('channel') ?? 'payhook-test-connections');
channel.unref();
const open = buildConnector({ timeout: 2_000, allowH2: false });

/** Every test host resolves to its one address; any other name does not resolve. */
export const resolve = async (host: string): Promise<{ address: string; family: 4 | 6 }[]> => {
  const address = names.get(host);
  if (address === undefined) throw Object.assign(new Error(`no such test host ${host}`), { code: 'ENOTFOUND' });
  return [{ address, family: address.includes(':') ? 6 : 4 }];
};

/**
 * Announces every connection on the channel before anything else happens; then ends the thread
 * (`exit`), opens it to the diverted local port as plain TCP (`divert`), opens it when it is to
 * 127.0.0.1, or fails it.
 */
export const connector: buildConnector.connector = (options, callback) => {
  channel.postMessage(options.hostname);
  if (params.has('exit')) process.exit(3);
  if (divert !== null) {
    open({ ...options, protocol: 'http:', servername: undefined, hostname: '127.0.0.1', port: divert }, callback);
  } else if (options.hostname === '127.0.0.1') {
    open(options, callback);
  } else {
    callback(new Error('test connector: non-loopback target not contacted'), null);
  }
};
