import { createDevAllowList, type DevAllowList, EMPTY_ALLOW_LIST } from '@payhook/http-delivery';
import { type Environment, parseEnv } from '@payhook/runtime';
import { z } from 'zod';

const allowListSchema = z.object({
  /**
   * Host names, IPs or CIDR blocks that may be reached over plain http and at private
   * addresses (development only). The dispatcher reads the same variable, so an endpoint
   * the CLI accepts is one the dispatcher will send to.
   */
  DISPATCHER_DEV_ALLOW_LIST: z
    .string()
    .transform((raw, ctx): DevAllowList => {
      const entries = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      try {
        return createDevAllowList(entries);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .default(EMPTY_ALLOW_LIST),
});

/**
 * The development allow-list of endpoint hosts, from `DISPATCHER_DEV_ALLOW_LIST`
 * (comma-separated; empty in production, where every endpoint must use https).
 *
 * @throws ConfigError naming the variable when an entry is neither a host name, an IP nor a CIDR block.
 */
export function devAllowListFromEnv(env: Environment): DevAllowList {
  return parseEnv(allowListSchema, env).DISPATCHER_DEV_ALLOW_LIST;
}
