import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { ApiServer } from '../server.ts';

/** What serving the console needs. */
export interface ConsoleRouteDeps {
  /** The console's build (`services/console/dist/web`): read once, when the routes register. */
  readonly dir: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

// The console loads only its own files and talks only to this API; nothing may frame it (a
// portal session must not be clickjacked) and no page it links to learns where it came from.
const CONSOLE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

/** A built file, in memory. */
interface ConsoleFile {
  readonly body: Buffer;
  readonly type: string;
}

/** Every file of the build by its path under /console/ ('' for index.html); empty when there is no build. */
export function readConsoleBuild(dir: string): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    return files;
  }
  for (const name of names) {
    const type = CONTENT_TYPES[extname(name)];
    if (type === undefined) continue;
    const path = relative(dir, join(dir, name)).split(sep).join('/');
    files.set(path === 'index.html' ? '' : path, { body: readFileSync(join(dir, name)), type });
  }
  return files;
}

/**
 * `/console/`: the console's static build, served from memory with no CDN. Hashed assets are
 * cached for good; the page itself never, so a new build is picked up at once. Not in the
 * OpenAPI document. Without a build, /console/ says how to make one.
 */
export function registerConsoleRoutes(app: ApiServer, deps: ConsoleRouteDeps): void {
  const files = readConsoleBuild(deps.dir);
  app.get('/console', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/', 308));
  app.get<{ Params: { '*': string } }>('/console/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.params['*'];
    const file = files.get(path);
    reply.headers(CONSOLE_HEADERS);
    if (file === undefined) {
      const message =
        files.size === 0 ? 'The console is not built: run `npm run build`.\n' : `No console file ${path}.\n`;
      return reply
        .code(files.size === 0 ? 503 : 404)
        .type('text/plain; charset=utf-8')
        .send(message);
    }
    reply.header('cache-control', path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-store');
    return reply.type(file.type).send(file.body);
  });
}
