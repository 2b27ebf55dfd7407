// npm run bench: every benchmark in turn, then bench/results/summary.md from their reports.
// Each benchmark measures its own baseline in the same run (see its file).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCHES = ['dispatcher', 'pipeline', 'scanner', 'session-timeout', 'read-model'] as const;
const extra = process.argv.slice(2);
if (extra.includes('--help') || extra.includes('-h')) {
  process.stdout.write(
    'npm run bench [-- --quick]\nRuns bench/dispatcher.ts, bench/pipeline.ts, bench/scanner.ts, bench/session-timeout.ts and bench/read-model.ts (options are passed on), then\nwrites bench/results/summary.md. Needs the local stack: npm run payhook -- dev up.\n',
  );
  process.exit(0);
}
const results = new URL('./results/', import.meta.url);
let failed = 0;
for (const name of BENCHES) {
  process.stderr.write(`\n== bench/${name}.ts ${extra.join(' ')}\n`);
  const run = spawnSync(process.execPath, [fileURLToPath(new URL(`./${name}.ts`, import.meta.url)), ...extra], {
    stdio: 'inherit',
  });
  if (run.status !== 0) {
    failed++;
    process.stderr.write(`bench/${name}.ts exited with ${run.status}\n`);
  }
}
const sections = BENCHES.map((name) => new URL(`./${name}.md`, results))
  .filter((file) => existsSync(file))
  .map((file) => readFileSync(file, 'utf8').trim());
writeFileSync(new URL('./summary.md', results), `${sections.join('\n\n')}\n`);
process.stdout.write(`\nwrote bench/results/summary.md (${sections.length} reports)\n`);
process.exit(failed === 0 ? 0 : 1);
