import { readFileSync } from 'node:fs';

/** The payhook release, from the root package.json. */
export const PAYHOOK_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
