import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { buildConnector } from 'undici';
import type { Connector, Resolve, ResolvedAddress } from '../src/index.ts';

/** A request as the test server saw it. */
export interface SeenRequest {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A real HTTP(S) server on 127.0.0.1 and an ephemeral port. */
export interface TestServer {
  readonly port: number;
  readonly origin: string;
  readonly seen: SeenRequest[];
  /** Highest number of requests being handled at once. */
  readonly peakConcurrency: () => number;
  close(): Promise<void>;
}

export async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
  tls?: { readonly key: string; readonly cert: string },
): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  let active = 0;
  let peak = 0;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    active += 1;
    peak = Math.max(peak, active);
    res.on('close', () => {
      active -= 1;
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res, body);
    });
  };
  const server = tls === undefined ? createServer(onRequest) : createHttpsServer(tls, onRequest);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    seen,
    peakConcurrency: () => peak,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One call the recording connector received. */
export interface ConnectAttempt {
  readonly hostname: string;
  readonly port: string;
  readonly protocol: string;
  readonly servername: string | undefined;
}

const LOOPBACK = new Set(['127.0.0.1', '::1']);

/**
 * A connector that records every attempt. It only ever opens sockets to loopback: with
 * `divertToPort` every attempt goes to that local port (so a "public" address can be
 * exercised without leaving the machine); without it, a non-loopback target fails with an
 * error instead of a packet. A guard that let a refused address through shows up here as
 * a recorded attempt.
 */
export function recordingConnector(
  divertToPort?: number,
  tls?: { readonly ca: string },
): { connector: Connector; attempts: ConnectAttempt[] } {
  const attempts: ConnectAttempt[] = [];
  const real = buildConnector({ timeout: 2_000, allowH2: false, ...(tls === undefined ? {} : { ca: tls.ca }) });
  const connector: Connector = (options, callback) => {
    attempts.push({
      hostname: options.hostname,
      port: options.port,
      protocol: options.protocol,
      servername: options.servername ?? undefined,
    });
    if (divertToPort === undefined && !LOOPBACK.has(options.hostname)) {
      callback(new Error('test connector: non-loopback target not contacted'), null);
      return;
    }
    // Without `tls`, plain TCP even for https: origins, so no certificate is needed (undici
    // speaks HTTP/1.1 over whatever socket it is handed). With it, a real handshake that
    // keeps the servername the guard chose.
    real(
      {
        ...options,
        ...(tls === undefined ? { protocol: 'http:', servername: undefined } : {}),
        ...(divertToPort === undefined ? {} : { hostname: '127.0.0.1', port: String(divertToPort) }),
      },
      callback,
    );
  };
  return { connector, attempts };
}

/** A resolver answering from a script (the last answer repeats), counting its calls. */
export function scriptedResolver(...answers: (readonly ResolvedAddress[] | Error)[]): {
  resolve: Resolve;
  calls: string[];
} {
  const calls: string[] = [];
  const resolve: Resolve = async (hostname) => {
    const answer = answers[Math.min(calls.length, answers.length - 1)];
    calls.push(hostname);
    if (answer === undefined) throw new Error('scripted resolver has no answers');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { resolve, calls };
}

export const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });
export const v6 = (address: string): ResolvedAddress => ({ address, family: 6 });
