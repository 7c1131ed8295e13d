import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { AppError } from '../app-error.js';

const WHERE: Record<string, string> = { body: 'request body', query: 'query', param: 'path' };

/**
 * The global pipe that validates every route argument declared with a schema, e.g.
 * `@Query({ schema })`, `@Param('family', { schema })`, `@Body({ schema })`: the same zod
 * schema documents the parameter in OpenAPI. A failure is a 400 whose `errors` name the
 * parameter (`limit`, `family`) or the body field (`build.region`).
 */
@Injectable()
export class EdgeValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const schema = metadata.schema as StandardSchemaV1 | undefined;
    if (!schema || metadata.type === 'custom') return value;
    const input = metadata.type === 'body' ? (value ?? {}) : value;
    const result = await schema['~standard'].validate(input);
    if (!result.issues) return result.value;
    const problems = result.issues.map((issue) => ({
      path: pathOf(issue, metadata),
      message: issue.message,
    }));
    const where = WHERE[metadata.type] ?? metadata.type;
    throw AppError.invalid(
      `the ${where} is not valid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      problems,
    );
  }
}

function pathOf(issue: StandardSchemaV1.Issue, metadata: ArgumentMetadata): string {
  const segments = (issue.path ?? []).map((s) =>
    String(typeof s === 'object' && s !== null ? s.key : s),
  );
  if (metadata.data) segments.unshift(metadata.data);
  return segments.join('.') || '(root)';
}
