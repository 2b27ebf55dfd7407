import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { z } from 'zod';

const REDACTED = '[redacted]';

/**
 * A password held so that it cannot leak by accident: logging, `JSON.stringify`, `String()` and
 * `util.inspect` all show `[redacted]`; only {@link Secret.reveal} gives the value, at the one
 * place that hands it to a client.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself: pass it to the client that needs it and nowhere else. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** A file named by a variable, read once at parse time. */
export interface FileContent {
  readonly path: string;
  readonly text: string;
}

/** An environment field naming a file that must exist and be readable; parses to its path and text. */
export const fileField = () =>
  z.string().transform((path, ctx): FileContent => {
    try {
      return { path, text: readFileSync(path, 'utf8') };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      ctx.addIssue({
        code: 'custom',
        message:
          code === 'ENOENT'
            ? `file ${path} does not exist`
            : code === 'EISDIR'
              ? `${path} is a folder, not a file`
              : `cannot read ${path} (${code ?? (error as Error).message})`,
      });
      return z.NEVER;
    }
  });

/** An environment field holding a password; parses to a {@link Secret}. */
export const secretField = () => z.string().transform((text) => new Secret(text));

/**
 * An environment field naming a file that holds a password (a mounted Kubernetes Secret); one
 * trailing newline is dropped, as `kubectl create secret --from-file` keeps it.
 */
export const secretFileField = () =>
  fileField().transform((file, ctx): Secret => {
    const text = file.text.replace(/\r?\n$/, '');
    if (text.length === 0) {
      ctx.addIssue({ code: 'custom', message: `file ${file.path} is empty` });
      return z.NEVER;
    }
    return new Secret(text);
  });
