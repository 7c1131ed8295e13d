import { z } from 'zod';

/**
 * RFC 9457 problem details, as every service answers a 4xx or 5xx (ProblemDetailsFilter).
 * Documented once per OpenAPI document as components.schemas.Problem.
 */
export const problemItemSchema = z.object({
  path: z.string().meta({ description: 'the parameter or body field, e.g. limit or build.region' }),
  message: z.string(),
});

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string().meta({ description: 'what was wrong, for a person to read' }),
  instance: z.string(),
  errors: z
    .array(problemItemSchema)
    .optional()
    .meta({ description: 'validation failures, each with its path' }),
});

export type Problem = z.infer<typeof problemSchema>;

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
