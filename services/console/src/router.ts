import { useEffect, useState } from 'preact/hooks';

/** A page and its parameters, from the fragment: `#/deliveries/dl_1?status=failed`. */
export interface Route {
  /** The path segments after `#/`: `['deliveries', 'dl_1']`. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  return {
    segments: path
      .split('/')
      .filter((s) => s.length > 0)
      .map(decodeURIComponent),
    query: new URLSearchParams(search),
  };
}

/** The href of a page: `href('deliveries', { status: 'failed' })`. */
export function href(path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, value);
  const search = params.toString();
  return `#/${path}${search === '' ? '' : `?${search}`}`;
}

/** The current route, following the fragment. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const follow = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return route;
}
