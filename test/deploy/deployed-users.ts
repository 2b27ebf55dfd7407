// What the deployments (deploy/k8s, docker-compose.secure.yml) share about credentials, for the
// tests that check them.
import { randomBytes } from 'node:crypto';

/**
 * The Kafka user each program runs as: the users of `payhook acls apply`; the CLI's container
 * provisions (topics, schemas, grants), so it runs as the admin.
 */
export const DEPLOYED_KAFKA_USERS = {
  scanner: 'payhook-scanner',
  'confirmation-filter': 'payhook-confirmation-filter',
  dispatcher: 'payhook-dispatcher',
  'lag-exporter': 'payhook-lag-exporter',
  api: 'payhook-api',
  cli: 'payhook-admin',
} as const;

/** What a stand-in for a mounted file holds: keys for the two keys, any text for the others. */
export function standInContent(variable: string): string {
  if (variable === 'PAYHOOK_SECRETS_KEY_FILE') return `k1:${randomBytes(32).toString('base64')}`;
  if (variable === 'PAYHOOK_PORTAL_KEY_FILE') return randomBytes(32).toString('base64');
  return `stand-in of ${variable}`;
}
