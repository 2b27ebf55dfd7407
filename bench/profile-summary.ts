// Where a process's CPU went, by component, from the .cpuprofile files `node --cpu-prof` wrote
// (one per thread): every sample's time is charged to the nearest frame, itself or a caller,
// whose source belongs to a known component, so Node's own frames (buffers, sockets) count for
// whoever called them. Start-up (module loading, type stripping) is reported apart.
// Run `node bench/profile-summary.ts --help`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { optionsOrExit } from './lib/bench-cli.ts';
import { UsageError } from './lib/options.ts';

const HELP = `Usage: node bench/profile-summary.ts DIR [--deliveries N]

Reads every .cpuprofile in DIR (e.g. from node bench/dispatcher.ts --only healthy --cpu-prof DIR)
and prints the CPU of all its threads together by component, start-up left out; with
--deliveries, also microseconds per delivery.
`;

/** One node of a V8 CPU profile (the fields read here). */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const STARTUP = 'start-up: module loading, type stripping';
/** Components by source location, first match wins. */
const COMPONENTS: readonly (readonly [RegExp, string])[] = [
  [/node:internal\/modules|amaro|node:internal\/bootstrap/, STARTUP],
  [
    /kafkajs\/src\/(protocol\/requests\/fetch|protocol\/recordBatch|protocol\/decoder|consumer)/,
    'kafkajs: fetch, decode',
  ],
  [
    /kafkajs\/src\/(protocol\/requests\/produce|producer|protocol\/encoder|protocol\/record)/,
    'kafkajs: produce, encode',
  ],
  [/kafkajs/, 'kafkajs: network, broker, cluster'],
  [/avsc|contracts\/src/, 'contract codec (Avro)'],
  [/undici/, 'undici'],
  [/http-delivery\/src\/threaded/, 'thread hand-off'],
  [/http-delivery|signing/, 'sender: address checks, signing, outcome'],
  [/services\/dispatcher\/src/, "dispatcher's own code"],
  [/packages\/kafka\/src/, 'batching producer'],
  [/packages\/retry/, 'circuit breakers, retry policy'],
  [/prom-client|pino|runtime\/src/, 'metrics, logging, clock'],
];
// A Map, not an object literal: function names such as `toString` must not find its prototype.
const SPECIAL: ReadonlyMap<string, string> = new Map([
  ['(garbage collector)', 'garbage collection'],
  ['(program)', 'native work no frame claims'],
  ['(idle)', 'idle'],
  ['(root)', 'timers, sockets (no caller known)'],
]);

/** Busy microseconds by component in one profile. */
function components(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const memo = new Map<number, string>();
  const componentOf = (id: number): string => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const { functionName, url } = (byId.get(id) as ProfileNode).callFrame;
    const up = parent.get(id);
    const own = SPECIAL.get(functionName) ?? COMPONENTS.find(([pattern]) => pattern.test(url))?.[1];
    const component = own ?? (up === undefined ? 'timers, sockets (no caller known)' : componentOf(up));
    memo.set(id, component);
    return component;
  };
  const time = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const component = componentOf(id);
    if (component !== 'idle') time.set(component, (time.get(component) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return time;
}

const { dir, deliveries } = optionsOrExit(() => {
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args: process.argv.slice(2),
        allowPositionals: true,
        options: { deliveries: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      });
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  })();
  if (values.help === true) return undefined;
  if (positionals.length !== 1) throw new UsageError('name one directory of .cpuprofile files');
  const n = values.deliveries === undefined ? undefined : Number(values.deliveries);
  if (n !== undefined && !(Number.isInteger(n) && n > 0))
    throw new UsageError(`--deliveries must be a positive integer, got "${values.deliveries}"`);
  return { dir: positionals[0] as string, deliveries: n };
}, HELP);

const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
if (files.length === 0) {
  process.stderr.write(`no .cpuprofile files in ${dir}\n`);
  process.exit(1);
}
const total = new Map<string, number>();
for (const file of files) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  for (const [component, us] of components(profile)) total.set(component, (total.get(component) ?? 0) + us);
}
const startup = total.get(STARTUP) ?? 0;
total.delete(STARTUP);
const busy = [...total.values()].reduce((a, b) => a + b, 0);
process.stdout.write(
  `${files.length} threads: ${(busy / 1e6).toFixed(2)} s busy after start-up (${(startup / 1e6).toFixed(2)} s start-up)\n`,
);
for (const [component, us] of [...total].sort((a, b) => b[1] - a[1])) {
  const share = `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
  const per = deliveries === undefined ? '' : `  ${(us / deliveries).toFixed(1).padStart(6)} µs/delivery`;
  process.stdout.write(`${share}${per}  ${component}\n`);
}
