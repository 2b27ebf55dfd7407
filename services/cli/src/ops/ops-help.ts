/** What each environment variable the operations commands read means, for `--help`. */
const OPS_ENV_HELP = {
  KAFKA_BROKERS: 'comma-separated host:port list (default 127.0.0.1:9092)',
  SCHEMA_REGISTRY_URL: 'Confluent-compatible registry API (default http://127.0.0.1:8081/apis/ccompat/v7)',
  PAYHOOK_TOPIC_PREFIX: 'prefix of every topic, registry subject and group (default empty)',
  PAYHOOK_RETRY_TIERS: 'retry tier delays, as the dispatcher has them (default 5s,1m,10m,1h,6h,24h)',
  DISPATCHER_GROUP_ID: "the dispatcher's consumer group, before the prefix (default payhook-dispatcher)",
  FILTER_GROUP_ID: "the confirmation filter's consumer group, before the prefix (default payhook-confirmation-filter)",
} as const;
/** An environment variable documented in {@link opsCommandHelp}. */
export type OpsHelpVariable = keyof typeof OPS_ENV_HELP;

/** Help text after the options of an operations command: notes, environment, exit statuses. */
export function opsCommandHelp(
  variables: readonly OpsHelpVariable[],
  notes: readonly string[],
  exitStatuses: { readonly ok: string; readonly failure?: string; readonly refused: readonly string[] },
): string {
  const width = Math.max(...variables.map((v) => v.length));
  return [
    '',
    ...notes,
    ...(notes.length > 0 ? [''] : []),
    'Environment:',
    ...variables.map((v) => `  ${v.padEnd(width)}  ${OPS_ENV_HELP[v]}`),
    '',
    'Exit status:',
    `  0  ${exitStatuses.ok}`,
    `  1  ${exitStatuses.failure ?? 'failure: the broker or registry is unreachable, a topic is missing, or a write failed'}`,
    ...exitStatuses.refused.map((line, i) => `${i === 0 ? '  2  ' : '     '}${line}`),
  ].join('\n');
}
