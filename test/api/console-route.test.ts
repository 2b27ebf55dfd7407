// The API serving the console's build under /console/: from memory, with its security headers,
// cached for good only where file names carry a hash, and nothing outside the build.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type ApiApp, apiEnvSchema, createApiApp } from '@payhook/api';
import { createLogger, createMetricsRegistry, parseEnv, systemClock } from '@payhook/runtime';

const dirs: string[] = [];
const apps: ApiApp[] = [];
after(async () => {
  for (const app of apps) await app.server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The API's routes over a console build holding `files` (nothing connects: only injected requests). */
async function apiServing(files: Record<string, string>): Promise<ApiApp> {
  const dir = mkdtempSync(join(tmpdir(), 'payhook-console-build-'));
  dirs.push(dir);
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  const app = createApiApp({
    config: parseEnv(apiEnvSchema, { API_CONSOLE_DIR: dir }),
    logger: createLogger({ name: 'payhook-api', level: 'silent' }),
    registry: createMetricsRegistry('api'),
    clock: systemClock,
  });
  apps.push(app);
  await app.server.ready();
  return app;
}

describe('/console/', () => {
  it('serves the page uncached and hashed assets for good, under a policy allowing only its own files', async () => {
    const app = await apiServing({
      'index.html': '<!doctype html><title>console</title>',
      'assets/index-3f2a.js': 'console.log(1)',
      'assets/index-9c1b.css': 'body{}',
    });
    const page = await app.server.inject('/console/');
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self';/);
    assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal(page.body, '<!doctype html><title>console</title>');

    const script = await app.server.inject('/console/assets/index-3f2a.js');
    assert.equal(script.statusCode, 200);
    assert.equal(script.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(
      (await app.server.inject('/console/assets/index-9c1b.css')).headers['content-type'],
      'text/css; charset=utf-8',
    );

    const bare = await app.server.inject('/console');
    assert.equal(bare.statusCode, 308);
    assert.equal(bare.headers.location, '/console/');
  });

  it('answers 404 for anything not in the build, paths that climb out included', async () => {
    const app = await apiServing({ 'index.html': 'x' });
    for (const url of ['/console/missing.js', '/console/../package.json', '/console/%2e%2e/package.json']) {
      assert.equal((await app.server.inject(url)).statusCode, 404, url);
    }
  });

  it('says how to build it when there is no build', async () => {
    const app = await apiServing({});
    const answer = await app.server.inject('/console/');
    assert.equal(answer.statusCode, 503);
    assert.match(answer.body, /npm run build/);
  });

  it('is not part of the OpenAPI document', async () => {
    const app = await apiServing({ 'index.html': 'x' });
    const paths = Object.keys((app.server.swagger() as { paths: Record<string, unknown> }).paths);
    assert.ok(!paths.some((p) => p.startsWith('/console')), paths.join());
  });
});
