/**
 * Variables a deployment sets for the runtime beneath the program rather than for the program:
 * the C library reads `MALLOC_ARENA_MAX` (the dispatcher's malloc arenas). The configuration
 * tests let these through and hand the program the rest.
 */
export const RUNTIME_VARIABLES: ReadonlySet<string> = new Set(['MALLOC_ARENA_MAX']);

/** `env` without the runtime's variables: what the program's own schema must accept. */
export function programEnvironment(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !RUNTIME_VARIABLES.has(name)));
}
