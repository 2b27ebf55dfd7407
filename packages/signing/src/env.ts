import { readFileSync } from 'node:fs';
import { envField } from '@payhook/runtime';
import { readSecretsKeyRingFile, SecretsKeyRing } from './sealed-secrets.ts';

/**
 * The key-encryption keys of endpoints' signing secrets, for the services that hold them (the
 * dispatcher, the CLI, the API): `<key id>:<base64 of 32 bytes>[,…]`, the current key first,
 * older ones still opening what they sealed. Read the ring with {@link secretsKeyRingOf}.
 */
export const secretsKeyEnv = {
  PAYHOOK_SECRETS_KEY: envField.parsed(SecretsKeyRing.parse).optional(),
  /** The same, from a file (a mounted Kubernetes Secret); it wins when both are set. */
  PAYHOOK_SECRETS_KEY_FILE: envField
    .parsed((path) => readSecretsKeyRingFile(path, (p) => readFileSync(p, 'utf8')))
    .optional(),
} as const;

/** The ring a parsed {@link secretsKeyEnv} holds; undefined when no key is configured. */
export const secretsKeyRingOf = (config: {
  readonly PAYHOOK_SECRETS_KEY?: SecretsKeyRing | undefined;
  readonly PAYHOOK_SECRETS_KEY_FILE?: SecretsKeyRing | undefined;
}): SecretsKeyRing | undefined => config.PAYHOOK_SECRETS_KEY_FILE ?? config.PAYHOOK_SECRETS_KEY;
