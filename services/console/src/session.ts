import { type ApiClient, createApiClient } from '@payhook/api/client';

// The portal token arrives in the URL fragment (#token=pht_…), which no server ever sees. It is
// kept for this tab only (sessionStorage) and the fragment is replaced at once, so it leaves
// neither the address bar nor the history.
const STORAGE_KEY = 'payhook.portal-token';

/** The portal token of this tab: from the fragment when the link was just opened, else as stored. */
export function takePortalToken(location: Location, storage: Storage, history: History): string | undefined {
  const fromLink = /^#token=(pht_[A-Za-z0-9_.-]+)$/.exec(location.hash)?.[1];
  if (fromLink !== undefined) {
    storage.setItem(STORAGE_KEY, fromLink);
    history.replaceState(null, '', `${location.pathname}#/`);
    return fromLink;
  }
  return storage.getItem(STORAGE_KEY) ?? undefined;
}

/** Forgets the token (an expired or refused link). */
export function dropPortalToken(storage: Storage): void {
  storage.removeItem(STORAGE_KEY);
}

/** A problem document, as the API writes every error. */
export interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly errors?: readonly { readonly field: string; readonly detail: string }[];
}

/** The typed client of the public API, on the console's own origin, with the portal token. */
export function portalClient(token: string, onUnauthorized: (problem: Problem) => void): ApiClient {
  const client = createApiClient(window.location.origin, token);
  client.use({
    async onResponse({ response }) {
      if (response.status === 401) onUnauthorized((await response.clone().json()) as Problem);
      return response;
    },
  });
  return client;
}

/** Who the console acts for. */
export type PortalRole = 'merchant' | 'operator';

/**
 * The role a portal token was issued for, read from its claims to choose the pages (the API
 * checks the signature and the scope on every request; this reading grants nothing).
 */
export function roleOf(token: string): PortalRole {
  try {
    const payload = token.slice('pht_'.length).split('.')[0] ?? '';
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { r?: unknown };
    return claims.r === 'operator' ? 'operator' : 'merchant';
  } catch {
    return 'merchant';
  }
}
