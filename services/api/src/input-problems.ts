import { InputError } from '@payhook/inputs';
import { invalidField } from './problems.ts';

/**
 * Runs a parser or builder of `@payhook/inputs` (the validation the CLI shares): an
 * InputError becomes a 422 problem naming the field.
 */
export function asField<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InputError) throw invalidField(error.field, error.problem);
    throw error;
  }
}
