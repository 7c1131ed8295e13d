import { AppError } from './app-error.js';
import { decodeCursor, parsePageRequest, TIME_KEY, toPage } from './pagination.js';

const KEY = TIME_KEY('[0-9a-f-]{36}');
const cursorOf = (key: string) => Buffer.from(key, 'utf8').toString('base64url');
const refused = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof AppError && error.kind === 'invalid'
      ? error.problems.map((p) => p.path)
      : error;
  }
  return 'accepted';
};

describe('keyset cursors', () => {
  const id = '0b5a3c1e-7d1f-4c4e-9a51-3f1f1b2c3d4e';
  it('round-trips the cursor toPage writes', () => {
    const page = toPage(
      [{ k: `2026-11-27T10:00:00.000Z|${id}` }, { k: 'x' }],
      { limit: 1 },
      (r) => r.k,
    );
    expect(decodeCursor(page.nextCursor!, KEY)).toBe(`2026-11-27T10:00:00.000Z|${id}`);
  });

  it.each([
    ['not base64url', 'a b'],
    ['padding and junk Buffer.from would skip', 'YWJj!!'],
    ['a key of another shape', cursorOf('web-base')],
    ['a NUL byte', cursorOf(`2026-11-27T10:00:00.000Z|${id}\u0000`)],
    ['invalid UTF-8', Buffer.from([0xff, 0xfe, 0x41]).toString('base64url')],
    ['an impossible date', cursorOf(`2026-02-30T10:00:00.000Z|${id}`)],
  ])('refuses %s, naming cursor', (_what, cursor) => {
    expect(refused(() => decodeCursor(cursor, KEY))).toEqual(['cursor']);
  });

  it('refuses limits out of range, naming limit', () => {
    expect(refused(() => parsePageRequest(0, undefined))).toEqual(['limit']);
    expect(refused(() => parsePageRequest(501, undefined, { max: 500 }))).toEqual(['limit']);
    expect(parsePageRequest(undefined, undefined)).toEqual({ limit: 100 });
  });
});
