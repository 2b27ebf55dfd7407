import { lookup } from 'node:dns/promises';

/** One address a host name resolved to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/**
 * Resolves a host name to every address it has. Injected so that tests can answer with
 * private or changing addresses without touching DNS.
 */
export type Resolve = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/**
 * The operating system's resolver (`getaddrinfo`, so `/etc/hosts` counts), every address,
 * in the order the system prefers them.
 */
export const systemResolve: Resolve = async (hostname) => {
  const answers = await lookup(hostname, { all: true, order: 'verbatim' });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};
