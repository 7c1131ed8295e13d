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

export interface PageOptions {
  max?: number;
  /**
   * What a decoded cursor must look like (the key toPage wrote, e.g. `<iso time>|<uuid>`).
   * A cursor that does not match is a 400 naming `cursor`, so a forged or truncated one
   * never reaches SQL as a malformed timestamp or id.
   */
  key?: RegExp;
}

/** Keys of the form `<ISO timestamp>|<rest>` as toPage writes them from created_at. */
export const TIME_KEY = (rest: string) =>
  new RegExp(`^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z\\|${rest}$`);

const badCursor = () =>
  AppError.invalid('cursor is not valid', [
    { path: 'cursor', message: 'not a cursor from this API' },
  ]);

export function parsePageRequest(
  limit?: string | number,
  cursor?: string,
  options: number | PageOptions = {},
): PageRequest {
  const { max = 500, key } = typeof options === 'number' ? { max: options } : options;
  const n = limit === undefined || limit === '' ? 100 : Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw AppError.invalid(`limit must be an integer from 1 to ${max}`, [
      { path: 'limit', message: `must be 1-${max}` },
    ]);
  if (cursor === undefined || cursor === '') return { limit: n };
  return { limit: n, after: decodeCursor(cursor, key) };
}

/** The key inside a cursor, refusing anything toPage could not have written. */
export function decodeCursor(cursor: string, key?: RegExp): string {
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw badCursor();
  const bytes = Buffer.from(cursor, 'base64url');
  // Buffer.from skips what is not base64url; a cursor we wrote re-encodes to itself.
  if (bytes.toString('base64url') !== cursor) throw badCursor();
  const decoded = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (/[\x00\uFFFD]/.test(decoded) || (key && !key.test(decoded))) throw badCursor();
  // A well-shaped but impossible time (month 13) would still fail in SQL.
  const head = decoded.split('|')[0];
  if (/^\d{4}-\d{2}-\d{2}T/.test(head) && !sameInstant(head)) throw badCursor();
  return decoded;
}

function sameInstant(iso: string): boolean {
  const time = new Date(iso);
  return !Number.isNaN(time.getTime()) && time.toISOString() === iso;
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
