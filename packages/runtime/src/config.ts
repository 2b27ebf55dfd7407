import { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors.ts';

/** The environment as a plain record, usually `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Parses the environment once against a zod object whose keys are variable names.
 * Empty strings count as unset, so `FOO=` falls back to the default.
 *
 * @throws ConfigError naming every variable that is missing or malformed.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: Environment): z.infer<S> {
  const present: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') present[key] = value.trim();
  }
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(environment)');
    return { variable, problem: variable in present ? issue.message : 'is required but not set' };
  });
  throw new ConfigError(issues);
}

/** Reusable zod fields for environment variables. */
export const envField = {
  /** A comma-separated list of `host:port` pairs. */
  hostPorts: () =>
    z
      .string()
      .transform((raw) =>
        raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      )
      .pipe(
        z
          .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be a comma-separated list of host:port'))
          .min(1, 'must name at least one host:port'),
      ),
  /** An http(s) URL. */
  httpUrl: () => z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  /** A TCP port, 0 for "any free port". */
  port: () =>
    z.coerce
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .min(0, 'must be between 0 and 65535')
      .max(65535, 'must be between 0 and 65535'),
  /** A positive integer (counts, milliseconds). */
  positiveInt: () => z.coerce.number({ error: 'must be a number' }).int('must be an integer').positive('must be > 0'),
  /** A pino log level. */
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /**
   * A string turned into a value by `parse`; what `parse` throws becomes the variable's
   * problem, so its message must say what is wrong without repeating a secret value.
   */
  parsed: <T>(parse: (text: string) => T) =>
    z.string().transform((text, ctx): T => {
      try {
        return parse(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
        return z.NEVER;
      }
    }),
} as const;

/**
 * For a service's composition root: parse the environment or print what is wrong
 * (every variable named) to stderr and exit with status 78 (EX_CONFIG).
 */
export function loadConfigOrExit<S extends z.ZodObject>(
  service: string,
  schema: S,
  env: Environment = process.env,
): z.infer<S> {
  return exitOnConfigError(service, () => parseEnv(schema, env));
}

/**
 * Runs `build` (parsing the environment, or building clients from settings that must fit
 * together); a `ConfigError` it throws is printed, every variable named, and the process
 * exits with status 78 (EX_CONFIG). Other errors pass through.
 */
export function exitOnConfigError<T>(service: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${service}: invalid configuration\n`);
    for (const issue of error.issues) process.stderr.write(`  ${issue.variable}: ${issue.problem}\n`);
    process.exit(78);
  }
}
