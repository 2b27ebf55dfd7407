// The demo's entry point: parse the options, run, and stop everything on Ctrl-C.
import { DemoUsageError, HELP, parseDemoOptions } from './options.ts';
import { runDemo } from './run-demo.ts';

let options: ReturnType<typeof parseDemoOptions>;
try {
  options = parseDemoOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof DemoUsageError)) throw error;
  process.stderr.write(`demo: ${error.message}\n\n${HELP}`);
  process.exit(2);
}
if (options === undefined) {
  process.stdout.write(HELP);
  process.exit(0);
}

const abort = new AbortController();
process.once('SIGINT', () => abort.abort());
process.once('SIGTERM', () => abort.abort());
try {
  const summary = await runDemo(
    options,
    {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
      tty: process.stdout.isTTY === true,
    },
    abort.signal,
  );
  process.exit(summary.ok ? 0 : 1);
} catch (error) {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(abort.signal.aborted ? 130 : 1);
}
