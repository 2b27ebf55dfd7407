import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const WARM_SCRIPT = fileURLToPath(new URL('../../scripts/warm-compile-cache.ts', import.meta.url));

let warmed: Promise<string> | undefined;

/**
 * A compile cache filled as the image fills its own (scripts/warm-compile-cache.ts), for the
 * services this benchmark starts: they then run as deployed, without Node's TypeScript stripper
 * in any of their threads. Made once per benchmark process and removed when it exits.
 */
export function warmedCompileCache(): Promise<string> {
  warmed ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'payhook-bench-compile-cache-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    await promisify(execFile)(process.execPath, [WARM_SCRIPT], { env: { ...process.env, NODE_COMPILE_CACHE: dir } });
    return dir;
  })();
  return warmed;
}
