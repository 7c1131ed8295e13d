import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

/**
 * A zod schema as the JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) that clients and
 * fuzzers see. `input`: what a caller may send (defaults optional, coercions as their target
 * type); also used for answers, so that a field added later does not break old clients.
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

/** For SwaggerModule's standardSchemaConverter: nested $defs become components. */
export function standardSchemaToOpenApi(
  schema: unknown,
  options: { schemaType: 'input' | 'output' },
): { schema: unknown; components?: Record<string, unknown> } | undefined {
  if (!(schema instanceof z.ZodType)) return undefined;
  const { $defs, ...rest } = jsonSchemaOf(schema, options.schemaType) as JsonSchema & {
    $defs?: Record<string, unknown>;
  };
  return { schema: rest, components: $defs };
}
