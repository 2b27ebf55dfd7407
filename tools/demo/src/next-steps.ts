/** What is left once the demo ends, which decides which hints can work. */
export interface Aftermath {
  /** Settings the payhook CLI needs to find the demo's pipeline. */
  readonly kafkaBrokers: string;
  readonly schemaRegistryUrl: string;
  readonly prefix: string;
  readonly tiers: string;
  /** `--keep`: the local stack and the demo's topics stay after it exits. */
  readonly keep: boolean;
  /** `--keep-running`: everything runs on until Ctrl-C. */
  readonly keepRunning: boolean;
  /** Whether the demo started the local stack (and so stops it, unless kept). */
  readonly startedStack: boolean;
  readonly logDir: string;
}

/** CLI commands worth running on the demo's pipeline, as `payhook` arguments. */
const COMMANDS: readonly (readonly string[])[] = [
  ['attempts', '--payment', 'pay_demo_1'],
  ['payments', 'get', 'pay_demo_1'],
  ['endpoints', 'list'],
  ['lag'],
  ['replay', '--from', 'dlq', '--dry-run'],
  ['topics', 'describe'],
];

/** A word the shell reads as itself: quoted unless it is made of characters that are safe bare. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_./:@%+,=-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * A payhook command that carries every setting it needs, to be run from the repository root
 * as printed, whatever the shell's environment holds.
 */
export function cliCommand(a: Aftermath, args: readonly string[]): string {
  const env = {
    KAFKA_BROKERS: a.kafkaBrokers,
    SCHEMA_REGISTRY_URL: a.schemaRegistryUrl,
    PAYHOOK_TOPIC_PREFIX: a.prefix,
    PAYHOOK_RETRY_TIERS: a.tiers,
  };
  const assignments = Object.entries(env).map(([name, value]) => `${name}=${shellWord(value)}`);
  return [...assignments, 'npm', 'run', 'payhook', '--', ...args.map(shellWord)].join(' ');
}

/**
 * "Where to look next": commands only for what will still be there to look at. Without
 * `--keep` the topics (and a stack the demo started) go when it exits, so it says so and
 * prints no command that would fail.
 */
export function renderNextSteps(a: Aftermath): string[] {
  const stack = a.startedStack ? ' and the local stack it started is stopped' : '';
  const lines = ['', 'Where to look next:'];
  if (a.keep || a.keepRunning) {
    lines.push(
      a.keep
        ? '  The local stack and the demo’s topics stay after it exits. From the repository root:'
        : `  While the demo keeps running (Ctrl-C ends it: its topics are deleted then${stack}). From the repository root:`,
      ...COMMANDS.map((args) => `  ${cliCommand(a, args)}`),
    );
  } else {
    lines.push(
      `  The demo’s topics are deleted as it exits${stack}, so the payhook CLI has nothing`,
      '  left to read: run `npm run demo -- --keep` to keep them, and the commands to inspect them are printed here.',
    );
  }
  lines.push(`  service logs: ${a.logDir}`);
  if (a.keep) {
    lines.push(
      a.startedStack
        ? '  when done: npm run dev:down (stops the local stack and deletes its data, the demo’s topics with it)'
        : '  the demo’s topics stay on the running stack until `npm run dev:down` deletes its data',
    );
  }
  lines.push('  dashboards: `docker compose up --build` runs the whole pipeline with Grafana on http://localhost:3000');
  return lines;
}
