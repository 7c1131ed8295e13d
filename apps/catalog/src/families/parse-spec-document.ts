import { parse } from 'yaml';
import { AppError } from '@ami/runtime';

/** A spec arrives as JSON (already parsed by the HTTP layer) or as YAML text. */
export function parseSpecDocument(body: unknown, contentType: string | undefined): unknown {
  if (typeof body !== 'string') return body;
  if (contentType && !/yaml|text\/plain/.test(contentType)) return body;
  try {
    return parse(body, { prettyErrors: true, maxAliasCount: 50 });
  } catch (error) {
    throw AppError.invalid(`the spec is not valid YAML: ${(error as Error).message}`, [
      { path: '(root)', message: 'YAML syntax error' },
    ]);
  }
}
