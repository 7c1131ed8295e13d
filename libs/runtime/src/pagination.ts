import { AppError } from './app-error.js';

/** Keyset pagination: an opaque cursor holding the last key seen. */
export interface PageRequest {
  limit: number;
  after?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function parsePageRequest(limit?: string | number, cursor?: string, max = 500): PageRequest {
  const n = limit === undefined || limit === '' ? 100 : Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw AppError.invalid(`limit must be an integer from 1 to ${max}`, [
      { path: 'limit', message: `must be 1-${max}` },
    ]);
  if (cursor === undefined || cursor === '') return { limit: n };
  try {
    return { limit: n, after: Buffer.from(cursor, 'base64url').toString('utf8') };
  } catch {
    throw AppError.invalid('cursor is not valid', [
      { path: 'cursor', message: 'not a cursor from this API' },
    ]);
  }
}

/** Takes limit+1 rows: if the extra one is there, there is a next page. */
export function toPage<T>(rows: T[], request: PageRequest, keyOf: (row: T) => string): Page<T> {
  const items = rows.slice(0, request.limit);
  const more = rows.length > request.limit;
  return {
    items,
    nextCursor: more
      ? Buffer.from(keyOf(items[items.length - 1]), 'utf8').toString('base64url')
      : null,
  };
}
