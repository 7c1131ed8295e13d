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

/**
 * Validates a gRPC request at the edge. proto3 cannot tell an unset field from '' or 0, so
 * those become undefined first (defaults and optionals apply); then any problem is an
 * INVALID_ARGUMENT naming the field.
 */
export function parseGrpcRequest<S extends z.ZodType>(schema: S, request: unknown): z.output<S> {
  const present =
    request && typeof request === 'object'
      ? Object.fromEntries(
          Object.entries(request).filter(([, value]) => value !== '' && value !== 0),
        )
      : request;
  return parseInput(schema, present, 'request');
}
