/** What each environment variable the table commands read means, for `--help`. */
const ENV_HELP = {
  KAFKA_BROKERS: 'comma-separated host:port list (default 127.0.0.1:9092)',
  SCHEMA_REGISTRY_URL: 'Confluent-compatible registry API (default http://127.0.0.1:8081/apis/ccompat/v7)',
  PAYHOOK_TOPIC_PREFIX: 'prefix of every topic and registry subject (default empty)',
  DISPATCHER_DEV_ALLOW_LIST:
    'hosts, IPs or CIDRs allowed over http and at private addresses, comma-separated (development only; default none)',
  PAYHOOK_SECRETS_KEY:
    'key-encryption keys of signing secrets, <key id>:<base64 of 32 bytes>[,…], the current one first (or PAYHOOK_SECRETS_KEY_FILE)',
} as const;
/** An environment variable documented in {@link tableCommandHelp}. */
export type HelpVariable = keyof typeof ENV_HELP;

/** The exit statuses every table command shares. */
export const EXIT_STATUS_HELP = [
  'Exit status:',
  '  0  done',
  '  1  failure: the broker or registry is unreachable, a topic is missing, or a write failed',
  '  2  refused input, with the option or variable named and nothing written: a malformed value,',
  '     an unknown id, an id that is taken, a deleted endpoint, or a deposit address already in use',
].join('\n');

/** Help text after the options of a command that reads or writes the tables. */
export function tableCommandHelp(variables: readonly HelpVariable[], extra: readonly string[] = []): string {
  const width = Math.max(...variables.map((v) => v.length));
  return [
    '',
    ...extra,
    ...(extra.length > 0 ? [''] : []),
    'Environment:',
    ...variables.map((v) => `  ${v.padEnd(width)}  ${ENV_HELP[v]}`),
    '',
    EXIT_STATUS_HELP,
  ].join('\n');
}
