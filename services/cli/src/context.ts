import { contractsEnv } from '@payhook/contracts';
import { kafkaEnv } from '@payhook/kafka';
import { type Environment, parseEnv } from '@payhook/runtime';
import { z } from 'zod';

/** Where the CLI writes: injected so tests can capture it. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** Everything a command needs from outside. */
export interface CliContext {
  readonly io: CliIo;
  readonly env: Environment;
}

const pipelineSchema = z.object({ ...kafkaEnv, ...contractsEnv });
/** The pipeline settings commands read from the environment. */
export type PipelineEnv = z.infer<typeof pipelineSchema>;

/** Parses the pipeline settings, naming any variable that is wrong. */
export function pipelineEnv(env: Environment): PipelineEnv {
  return parseEnv(pipelineSchema, env);
}
