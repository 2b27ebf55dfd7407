import { parseArgs } from 'node:util';

/** What the demo runs. */
export interface DemoOptions {
  /** Payments created and paid (half native ETH, half an ERC-20 test token). */
  readonly payments: number;
  /** Confirmations each payment needs. */
  readonly confirmations: number;
  /** Merchant endpoints that verify every webhook (one more endpoint fails at first). */
  readonly endpoints: number;
  /** Retry tiers of the demo pipeline (short, so retries show within the run). */
  readonly tiers: string;
  /** Leave the stack and services running after the summary (until Ctrl-C). */
  readonly keepRunning: boolean;
  /** Keep the local stack and the demo's topics after it exits, to inspect them with the CLI. */
  readonly keep: boolean;
  /** Seconds the whole run may take before it gives up. */
  readonly timeoutSeconds: number;
}

export const HELP = `Usage: npm run demo -- [options]

Brings up the local stack (Kafka, the schema registry, anvil), provisions a fresh pipeline,
starts the scanner, the confirmation filter and the dispatcher, starts a merchant that verifies
every webhook's signature (and one flaky endpoint that fails at first), creates payment intents,
pays them on chain (native ETH and an ERC-20 test token), mines the confirmations and shows the
progress live. Ends with a summary and where to look next; Ctrl-C stops everything it started.
Without --keep the demo's topics are deleted when it exits, and so is the local stack if the
demo started it.

Options:
  --payments <n>        payments to create and pay (default 20)
  --confirmations <n>   confirmations per payment (default 3)
  --endpoints <n>       verifying merchant endpoints (default 2), plus one flaky endpoint
  --tiers <list>        retry tiers of the demo pipeline (default 2s,5s,15s)
  --timeout <seconds>   give up after this long (default 300)
  --keep-running        keep everything running after the summary, until Ctrl-C
  --keep                keep the local stack and the demo's topics after it exits, and print
                        payhook commands (with every setting they need) to inspect them
  -h, --help            show this help
`;

/** Thrown for bad command-line input; the message names the option. */
export class DemoUsageError extends Error {}

function positive(name: string, raw: string, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > max)
    throw new DemoUsageError(`--${name} must be an integer from 1 to ${max}, got "${raw}"`);
  return n;
}

/** Parses the command line; undefined when help was asked for. */
export function parseDemoOptions(argv: readonly string[]): DemoOptions | undefined {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        payments: { type: 'string', default: '20' },
        confirmations: { type: 'string', default: '3' },
        endpoints: { type: 'string', default: '2' },
        tiers: { type: 'string', default: '2s,5s,15s' },
        timeout: { type: 'string', default: '300' },
        'keep-running': { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new DemoUsageError((error as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean>;
  if (v.help === true) return undefined;
  return {
    payments: positive('payments', String(v.payments), 1_000),
    confirmations: positive('confirmations', String(v.confirmations), 64),
    endpoints: positive('endpoints', String(v.endpoints), 20),
    tiers: String(v.tiers),
    keepRunning: v['keep-running'] === true,
    keep: v.keep === true,
    timeoutSeconds: positive('timeout', String(v.timeout), 3_600),
  };
}
