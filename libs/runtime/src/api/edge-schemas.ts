import { z } from 'zod';

/**
 * Schemas for values that arrive from outside (path, query, body), shared by every service's
 * controllers. Each one documents itself in OpenAPI (pattern, limits) and refuses what the
 * database could not store, so bad input is a 400 naming the parameter, never a 500.
 */

/** No NUL (PostgreSQL text cannot hold it) and no U+FFFD (what invalid UTF-8 decodes to). */
const STORABLE = /^[^\x00\uFFFD]*$/u;
const STORABLE_MESSAGE = 'must be UTF-8 text without NUL characters';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** No lone surrogate (JSON may carry "\ud800"; jsonb refuses it). */
const wellFormed = (s: string) => !LONE_SURROGATE.test(s);

/** Free text: storable, well-formed (no lone surrogates), at most `max` characters. */
export function text(options: { min?: number; max: number }) {
  return z
    .string()
    .min(options.min ?? 0)
    .max(options.max)
    .regex(STORABLE, STORABLE_MESSAGE)
    .refine((s) => wellFormed(s), STORABLE_MESSAGE);
}

/** An identifier-like string: the pattern says everything a value may contain. */
export function token(pattern: RegExp, message: string) {
  return z.string().regex(pattern, message);
}

export const uuid = z.uuid();

/** ?limit= of a keyset-paginated list. Query values are strings; coerce, then check. */
export const limitParam = (max = 500, defaultLimit = Math.min(100, max)) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .default(defaultLimit)
    .meta({ description: `page size, 1-${max}` });

/** ?cursor= of a keyset-paginated list: the nextCursor of the previous page, verbatim. */
export const cursorParam = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a nextCursor returned by this API')
  .optional()
  .meta({ description: 'nextCursor of the previous page' });

/** The fields every keyset-paginated list query has. */
export const pageQuery = (max = 500) => ({ limit: limitParam(max), cursor: cursorParam });

/** Timestamps in answers: Date objects serialised by JSON.stringify (ISO 8601, UTC). */
export const timestamp = z.string().meta({ format: 'date-time' });

/** A page of a keyset-paginated list. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().meta({ description: 'pass as ?cursor= for the next page' }),
  });
}

/** `{ items: [...] }`: a short list answered whole. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item) });
}

export interface StorableTextProblem {
  path: string;
  message: string;
}

/**
 * Every string (key or value) in a parsed JSON/YAML document that PostgreSQL could not store
 * in text or jsonb: NUL characters, lone surrogates. For bodies validated elsewhere (specs).
 */
export function unstorableText(value: unknown, path = ''): StorableTextProblem[] {
  const bad = (s: string) => s.includes('\u0000') || !wellFormed(s);
  if (typeof value === 'string')
    return bad(value) ? [{ path: path || '(root)', message: STORABLE_MESSAGE }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => unstorableText(v, join(path, i)));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      bad(k)
        ? [{ path: join(path, k), message: `key ${STORABLE_MESSAGE}` }]
        : unstorableText(v, join(path, k)),
    );
  }
  return [];
}

const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));
