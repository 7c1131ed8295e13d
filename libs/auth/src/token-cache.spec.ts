import { TokenCache } from './token-cache.js';

describe('TokenCache', () => {
  it('serves an entry until its expiry, then forgets it', () => {
    let now = 1_000;
    const cache = new TokenCache<string>(10, () => now);
    const key = cache.key('header.payload.signature');
    cache.set(key, 'alice', 5_000);
    now = 4_999;
    expect(cache.get(key)).toBe('alice');
    now = 5_000;
    expect(cache.get(key)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not store what has already expired', () => {
    const cache = new TokenCache<string>(10, () => 5_000);
    cache.set(cache.key('t'), 'late', 5_000);
    expect(cache.size).toBe(0);
  });

  it('keeps at most its bound, evicting the oldest insertion', () => {
    const cache = new TokenCache<number>(3, () => 0);
    for (let i = 0; i < 5; i++) cache.set(cache.key(`token-${i}`), i, 60_000);
    expect(cache.size).toBe(3);
    expect(cache.get(cache.key('token-0'))).toBeUndefined();
    expect(cache.get(cache.key('token-1'))).toBeUndefined();
    expect(cache.get(cache.key('token-4'))).toBe(4);
  });

  it('tells apart tokens that differ only in their signature', () => {
    const cache = new TokenCache<string>(10, () => 0);
    cache.set(cache.key('header.payload.signature'), 'alice', 60_000);
    expect(cache.get(cache.key('header.payload.signaturf'))).toBeUndefined();
    expect(cache.get(cache.key('header.payload.signature'))).toBe('alice');
  });
});
