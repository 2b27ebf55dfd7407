import type { PipelineTopics } from '@payhook/contracts';
import type { Command } from 'commander';
import kafkajs, { type AclEntry } from 'kafkajs';
import { withAdmin } from '../clients.ts';
import { type CliContext, pipelineEnv, pipelineLayout } from '../context.ts';

const { AclOperationTypes: Op, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

/** The SCRAM user each part of payhook runs as (`KAFKA_SASL_USERNAME`). */
export const SERVICE_USERS = {
  scanner: 'payhook-scanner',
  filter: 'payhook-confirmation-filter',
  dispatcher: 'payhook-dispatcher',
  lagExporter: 'payhook-lag-exporter',
  api: 'payhook-api',
  cli: 'payhook-cli',
} as const;

/** One grant: an operation on a topic, group or transactional id (a name, or every name it starts). */
export interface Grant {
  readonly user: string;
  readonly resource: 'topic' | 'group' | 'transactional-id';
  readonly name: string;
  readonly prefixed: boolean;
  readonly operation:
    | 'READ'
    | 'WRITE'
    | 'DESCRIBE'
    | 'CREATE'
    | 'ALTER'
    | 'DELETE'
    | 'DESCRIBE_CONFIGS'
    | 'ALTER_CONFIGS';
}

/** Group ids as the services build them: a prefix and the service's default group name. */
const TABLE_GROUPS = 'payhook-table';

/**
 * Exactly what each user needs, and nothing else: pure, so that the table is what is reviewed.
 * Topic grants name the pipeline's topics; group and transactional-id grants are prefixes of
 * the ids the services derive (the table readers' groups are `payhook-table.<topic>.<uuid>`).
 */
export function pipelineGrants(topics: PipelineTopics): Grant[] {
  const grants: Grant[] = [];
  const p = topics.prefix;
  const tiers = topics.retry.map((t) => t.topic);
  const topic = (user: string, names: readonly string[], ...operations: Grant['operation'][]) => {
    for (const name of names) {
      for (const operation of operations) grants.push({ user, resource: 'topic', name, prefixed: false, operation });
    }
  };
  const group = (user: string, name: string, ...operations: Grant['operation'][]) => {
    for (const operation of operations) grants.push({ user, resource: 'group', name, prefixed: true, operation });
  };
  const transactional = (user: string, name: string) => {
    for (const operation of ['WRITE', 'DESCRIBE'] as const) {
      grants.push({ user, resource: 'transactional-id', name, prefixed: true, operation });
    }
  };
  const all = [
    topics.intents,
    topics.events,
    topics.endpoints,
    topics.dispatch,
    ...tiers,
    topics.dlq,
    topics.attempts,
    topics.checkpoints,
    topics.apiKeys,
    topics.apiIdempotency,
    topics.apiJobs,
  ];

  const { scanner, filter, dispatcher, lagExporter, api, cli } = SERVICE_USERS;
  // Scanner: intents in, events and checkpoints out in one transaction; at start it reads each
  // payment's latest event and each chain's checkpoint back.
  topic(scanner, [topics.intents], 'READ', 'DESCRIBE');
  topic(scanner, [topics.events], 'READ', 'WRITE', 'DESCRIBE');
  topic(scanner, [topics.checkpoints], 'READ', 'WRITE', 'DESCRIBE');
  group(scanner, TABLE_GROUPS, 'READ');
  group(scanner, `${p}payhook-scanner`, 'READ');
  transactional(scanner, `${p}payhook-scanner`);
  // Confirmation filter: events in, deliveries out transactionally, endpoints as a table.
  topic(filter, [topics.events, topics.endpoints], 'READ', 'DESCRIBE');
  topic(filter, [topics.dispatch], 'WRITE', 'DESCRIBE');
  group(filter, `${p}payhook-confirmation-filter`, 'READ', 'DESCRIBE');
  group(filter, TABLE_GROUPS, 'READ');
  transactional(filter, `${p}payhook-confirmation-filter`);
  // Dispatcher: deliveries and tiers in; tiers, DLQ, attempts and endpoint states out.
  topic(dispatcher, [topics.dispatch, topics.endpoints, ...tiers], 'READ', 'DESCRIBE');
  topic(dispatcher, [...tiers, topics.dlq, topics.attempts, topics.endpoints], 'WRITE', 'DESCRIBE');
  group(dispatcher, `${p}payhook-dispatcher`, 'READ', 'DESCRIBE');
  group(dispatcher, TABLE_GROUPS, 'READ');
  // Lag exporter: the groups' offsets, and the unconsumed records of the topics they consume.
  topic(lagExporter, all, 'DESCRIBE', 'DESCRIBE_CONFIGS');
  topic(lagExporter, [topics.events, topics.dispatch, ...tiers], 'READ');
  group(lagExporter, `${p}payhook-dispatcher`, 'DESCRIBE');
  group(lagExporter, `${p}payhook-confirmation-filter`, 'DESCRIBE');
  group(lagExporter, `${p}payhook-cli.lag`, 'READ');
  // API: intents, endpoints and keys as tables, the read model's streams (every stage of a
  // delivery) and the DLQ it recovers from; not the scanner's checkpoints. It writes intents,
  // endpoints and keys, and resent or recovered deliveries to the dispatch topic; its own
  // Idempotency-Key records and jobs.
  topic(
    api,
    all.filter((t) => t !== topics.checkpoints),
    'READ',
    'DESCRIBE',
  );
  topic(
    api,
    [topics.intents, topics.endpoints, topics.apiKeys, topics.dispatch, topics.apiIdempotency, topics.apiJobs],
    'WRITE',
  );
  group(api, `${p}payhook-api`, 'READ');
  group(api, 'payhook-api', 'READ');
  group(api, TABLE_GROUPS, 'READ');
  // The operator overview's lag, measured as the lag exporter measures it.
  group(api, `${p}payhook-dispatcher`, 'DESCRIBE');
  group(api, `${p}payhook-confirmation-filter`, 'DESCRIBE');
  group(api, `${p}payhook-cli.lag`, 'READ');
  // CLI: provisions and inspects every topic, replays, reads lag; its cursors have a topic.
  const cursors = `${p}payhook.replay-cursors`;
  topic(cli, [...all, cursors], 'READ', 'WRITE', 'DESCRIBE', 'CREATE', 'ALTER', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS');
  group(cli, `${p}payhook-cli`, 'READ', 'DESCRIBE');
  group(cli, 'payhook-cli', 'READ');
  group(cli, TABLE_GROUPS, 'READ');
  group(cli, `${p}payhook-dispatcher`, 'DESCRIBE');
  group(cli, `${p}payhook-confirmation-filter`, 'DESCRIBE');
  return grants;
}

const RESOURCE = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  'transactional-id': AclResourceTypes.TRANSACTIONAL_ID,
} as const;

function aclOf(grant: Grant): AclEntry & { resourceType: number; resourceName: string; resourcePatternType: number } {
  return {
    resourceType: RESOURCE[grant.resource],
    resourceName: grant.name,
    resourcePatternType: grant.prefixed ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
    principal: `User:${grant.user}`,
    host: '*',
    operation: Op[grant.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

const keyOf = (a: { resourceType: number; resourceName: string; resourcePatternType: number } & AclEntry) =>
  [a.resourceType, a.resourceName, a.resourcePatternType, a.principal, a.host, a.operation, a.permissionType].join('|');

/** `payhook acls apply`. */
export function registerAclCommands(program: Command, ctx: CliContext): void {
  const acls = program.command('acls').description('grant each payhook user exactly what it needs (a secured cluster)');
  acls
    .command('apply')
    .description(
      `allow ${Object.values(SERVICE_USERS).join(', ')} exactly the topics, groups and transactional ids each ` +
        'needs (idempotent: existing grants are kept, missing ones created); run as a user allowed to alter ACLs. ' +
        'Reads KAFKA_*, PAYHOOK_RETRY_TIERS, PAYHOOK_TOPIC_PREFIX',
    )
    .option('--dry-run', 'print the grants without touching the broker')
    .action(async (options: { dryRun?: boolean }) => {
      const env = pipelineEnv(ctx.env);
      const { topics } = pipelineLayout(env);
      const grants = pipelineGrants(topics);
      const show = (g: Grant) => `${g.user}  ${g.operation}  ${g.resource} ${g.name}${g.prefixed ? '*' : ''}`;
      if (options.dryRun === true) {
        for (const g of grants) ctx.io.out(show(g));
        return;
      }
      const created = await withAdmin(env, async (admin) => {
        const existing = await admin.describeAcls({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          operation: Op.ANY,
          permissionType: AclPermissionTypes.ANY,
        });
        const present = new Set(
          existing.resources.flatMap((r) =>
            r.acls.map((a) =>
              keyOf({
                ...a,
                resourceType: r.resourceType,
                resourceName: r.resourceName,
                resourcePatternType: r.resourcePatternType,
              }),
            ),
          ),
        );
        const missing = grants.filter((g) => !present.has(keyOf(aclOf(g))));
        if (missing.length > 0) await admin.createAcls({ acl: missing.map(aclOf) });
        return missing;
      });
      for (const g of created) ctx.io.out(`granted ${show(g)}`);
      ctx.io.out(
        `${created.length} grant${created.length === 1 ? '' : 's'} created, ${grants.length - created.length} already present`,
      );
    });
}
