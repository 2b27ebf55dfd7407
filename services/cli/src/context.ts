import { contractsEnv, type PipelineTopics, pipelineTopics } from '@payhook/contracts';
import { kafkaEnv, pipelineTopicSpecs, type TopicSpec } from '@payhook/kafka';
import { type Environment, parseEnv } from '@payhook/runtime';
import { secretsKeyEnv } from '@payhook/signing';
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

const pipelineSchema = z.object({ ...kafkaEnv, ...contractsEnv, ...secretsKeyEnv });
/** The pipeline settings commands read from the environment. */
export type PipelineEnv = z.infer<typeof pipelineSchema>;

/** Parses the pipeline settings, naming any variable that is wrong. */
export function pipelineEnv(env: Environment): PipelineEnv {
  return parseEnv(pipelineSchema, env);
}

/** The pipeline's topic names and their intended specs, from the settings. */
export function pipelineLayout(env: PipelineEnv): { topics: PipelineTopics; specs: TopicSpec[] } {
  const topics = pipelineTopics(env.PAYHOOK_RETRY_TIERS, env.PAYHOOK_TOPIC_PREFIX);
  return { topics, specs: pipelineTopicSpecs(topics, { partitions: env.PAYHOOK_PARTITIONS }) };
}
