#!/usr/bin/env node
// Composition root of the payhook CLI: parse the command line, run one command, exit.
import { InputError } from '@payhook/inputs';
import { ConfigError, PayhookError } from '@payhook/runtime';
import { CommanderError } from 'commander';
import { CliUsageError } from './cli-error.ts';
import { createProgram } from './program.ts';

const io = {
  out: (line: string) => process.stdout.write(`${line}\n`),
  err: (line: string) => process.stderr.write(`${line}\n`),
};
const program = createProgram({ io, env: process.env }).exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed help, the version, or what was wrong with the command line.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof ConfigError) {
    io.err('payhook: invalid configuration');
    for (const issue of error.issues) io.err(`  ${issue.variable}: ${issue.problem}`);
    process.exitCode = 2;
  } else if (error instanceof CliUsageError || error instanceof InputError) {
    io.err(`payhook: ${error.message}`);
    process.exitCode = 2;
  } else {
    const message = error instanceof Error ? error.message : String(error);
    io.err(`payhook: ${message}${error instanceof PayhookError ? ` [${error.code}]` : ''}`);
    process.exitCode = 1;
  }
}
