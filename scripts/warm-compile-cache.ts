// Fills Node's compile cache (NODE_COMPILE_CACHE) with every service module, so that a service
// started with the same cache directory finds each TypeScript file already stripped of its types
// (and compiled): Node then never loads its TypeScript stripper, which otherwise costs about
// 16 MiB of memory in every isolate that strips a file (the main thread and each sender thread).
//
//   NODE_COMPILE_CACHE=/app/.cache/node node scripts/warm-compile-cache.ts
//
// Run it as the user the services run as: Node keeps one cache per user inside the directory.
// Nothing is executed: each module is loaded and compiled through an importer that asks it for an
// export no module has, so linking fails before any module's code runs.
import { existsSync, readdirSync } from 'node:fs';
import { getCompileCacheDir } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Workspaces whose `src` runs in Node; the console's sources are built for the browser. */
const WORKSPACE_DIRS = ['packages', 'services', 'tools'];
const BROWSER_WORKSPACES = new Set(['services/console']);
/** The export the importer asks for: its absence is what stops each module before it runs. */
const NO_SUCH_EXPORT = 'payhookCompileCacheWarmUpOnly';

const HELP = `Usage: NODE_COMPILE_CACHE=DIR node scripts/warm-compile-cache.ts

Compiles every module of the services (packages/*/src, services/*/src, tools/*/src; not the
browser console) into Node's compile cache in DIR without running any of them. Services started
with the same NODE_COMPILE_CACHE, as the same user, then load no TypeScript stripper.
`;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function workspaceSources(): string[] {
  return WORKSPACE_DIRS.filter((group) => existsSync(join(ROOT, group)))
    .flatMap((group) =>
      readdirSync(join(ROOT, group), { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && !BROWSER_WORKSPACES.has(`${group}/${entry.name}`))
        .flatMap((entry) => {
          const src = join(ROOT, group, entry.name, 'src');
          try {
            return sourceFiles(src);
          } catch {
            return []; // a workspace without src (templates, data)
          }
        }),
    )
    .sort();
}

/** Loads and compiles `file` and everything it imports; true when linking stopped it as intended. */
async function compileOnly(file: string): Promise<true | string> {
  const importer = `import { ${NO_SUCH_EXPORT} } from ${JSON.stringify(pathToFileURL(file).href)};`;
  try {
    await import(`data:text/javascript,${encodeURIComponent(importer)}`);
    return `it exports ${NO_SUCH_EXPORT}`;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return error instanceof SyntaxError && message.includes(NO_SUCH_EXPORT) ? true : message;
  }
}

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const cacheDir = getCompileCacheDir();
  if (cacheDir === undefined) {
    process.stderr.write(
      `warm-compile-cache: NODE_COMPILE_CACHE is not set (or its directory cannot be written): set it to the directory the services will use\n`,
    );
    return 2;
  }
  const files = workspaceSources();
  const failures: string[] = [];
  for (const [index, file] of files.entries()) {
    const outcome = await compileOnly(file);
    if (outcome !== true) failures.push(`${relative(ROOT, file)}: ${outcome}`);
    if ((index + 1) % 100 === 0) process.stderr.write(`warm-compile-cache: ${index + 1}/${files.length} modules\n`);
  }
  for (const failure of failures) process.stderr.write(`warm-compile-cache: could not compile ${failure}\n`);
  process.stdout.write(
    `warm-compile-cache: ${files.length - failures.length} of ${files.length} modules compiled into ${cacheDir}\n`,
  );
  return failures.length === 0 ? 0 : 1;
}

process.exitCode = await main();
