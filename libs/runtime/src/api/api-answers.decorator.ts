import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { z } from 'zod';
import { jsonSchemaOf, JsonSchema } from './json-schema.js';
import { PROBLEM_MEDIA_TYPE } from './problem.schema.js';

export const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

export type ProblemStatus = 400 | 404 | 409 | 412 | 413 | 415 | 422 | 503;

export interface SuccessAnswer {
  /** 200 unless the handler says otherwise (@HttpCode). */
  status?: number;
  description: string;
  /** The answer's body: a zod schema (preferred), or a JSON Schema such as a $ref. */
  schema?: z.ZodType | JsonSchema;
  mediaType?: string;
}

/**
 * Documents every answer of an operation: its success with the body's schema, and each
 * problem it can answer (`{ 404: 'no such family' }`) as application/problem+json with the
 * shared Problem schema. Answers every operation shares are added by buildOpenApiDocument:
 * 400 when it validates parameters or a body, 401/403/503 unless it is public, 500 always.
 *
 *   @ApiAnswers({ description: 'the family', schema: familySchema }, { 404: 'no such family' })
 */
export function ApiAnswers(
  success: SuccessAnswer,
  problems: Partial<Record<ProblemStatus, string>> = {},
): MethodDecorator {
  const schema =
    success.schema instanceof z.ZodType ? jsonSchemaOf(success.schema) : success.schema;
  return applyDecorators(
    ApiResponse({
      status: success.status ?? 200,
      description: success.description,
      ...(schema ? { content: { [success.mediaType ?? 'application/json']: { schema } } } : {}),
    }),
    ...Object.entries(problems).map(([status, description]) =>
      ApiResponse({ status: Number(status), description, content: problemContent() }),
    ),
  );
}

export const problemContent = () => ({ [PROBLEM_MEDIA_TYPE]: { schema: { ...PROBLEM_REF } } });
