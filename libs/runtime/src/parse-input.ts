import { z } from 'zod';
import { AppError } from './app-error.js';

/** Validates a request body or query at the edge; every problem with its path. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what = 'request body',
): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw AppError.invalid(
    `the ${what} is not valid`,
    result.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })),
  );
}
