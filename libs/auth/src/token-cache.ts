interface Entry<T> {
  value: T;
  /** Epoch ms after which the entry must not be served. */
  until: number;
}

/**
 * Verified tokens, each kept until its expiry, keyed by the token string itself: a lookup is one
 * Map probe on the string the request already holds (a SHA-256 digest per request was the
 * resolve path's largest cost after the socket). The process holds each token while it serves
 * the request anyway, and with HS256 it holds the signing secret, which is worth more. Bounded:
 * when full, the oldest insertion is evicted. A hit does not reorder (that would cost a delete
 * and a set on every request); an evicted token that is still in use is verified again once.
 */
export class TokenCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  key(token: string): string {
    return token;
  }

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.now() < entry.until) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: T, until: number): void {
    if (until <= this.now()) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.evictOldest();
    this.entries.set(key, { value, until });
  }

  get size(): number {
    return this.entries.size;
  }

  private evictOldest(): void {
    // Map iteration follows insertion order, so the first key is the oldest insertion.
    this.entries.delete(this.entries.keys().next().value!);
  }
}
