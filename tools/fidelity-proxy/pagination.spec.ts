import {
  PageRuns,
  decodeNextToken,
  encodeNextToken,
  paginate,
  parseMaxResults,
  queryHash,
} from './pagination.js';

describe('paginate', () => {
  const ids = ['ami-3', 'ami-1', 'ami-5', 'ami-2', 'ami-4'];

  it('walks every item once, in id order, then stops', () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = paginate(ids, (id) => id, 2, after);
      seen.push(...page.items);
      if (!page.nextAfter) break;
      after = page.nextAfter;
    }
    expect(seen).toEqual(['ami-1', 'ami-2', 'ami-3', 'ami-4', 'ami-5']);
  });

  it('neither repeats nor skips surviving items when the set changes between pages', () => {
    const first = paginate(ids, (id) => id, 2);
    const changed = ['ami-0', 'ami-3', 'ami-5', 'ami-4', 'ami-6']; // ami-1, ami-2 gone; ami-0, ami-6 new
    const second = paginate(changed, (id) => id, 10, first.nextAfter);
    expect(first.items).toEqual(['ami-1', 'ami-2']);
    expect(second.items).toEqual(['ami-3', 'ami-4', 'ami-5', 'ami-6']);
  });
});

describe('NextToken', () => {
  const call = {
    action: 'DescribeImages',
    account: '123456789012',
    region: 'us-east-1',
    params: [
      ['Owner.1', 'self'],
      ['MaxResults', '5'],
    ] as Array<[string, string]>,
  };

  it('round-trips for the same query, whatever the page size', () => {
    const hash = queryHash(call);
    expect(
      queryHash({
        ...call,
        params: [
          ['Owner.1', 'self'],
          ['MaxResults', '50'],
          ['NextToken', 'x'],
        ],
      }),
    ).toBe(hash);
    expect(decodeNextToken(encodeNextToken('ami-7', hash), hash)).toEqual({ after: 'ami-7' });
  });

  it('is refused by another query or when garbled', () => {
    const token = encodeNextToken('ami-7', queryHash(call));
    const other = queryHash({ ...call, params: [['Owner.1', 'amazon']] });
    expect(decodeNextToken(token, other)).toHaveProperty('error');
    expect(decodeNextToken('not-a-token', other)).toHaveProperty('error');
  });

  it('validates MaxResults', () => {
    expect(parseMaxResults(undefined)).toBeUndefined();
    expect(parseMaxResults('5')).toBe(5);
    expect(parseMaxResults('0')).toHaveProperty('error');
    expect(parseMaxResults('abc')).toHaveProperty('error');
  });
});

describe('paging runs', () => {
  it('keeps a run until its last page, and forgets it after the time to live', async () => {
    const runs = new PageRuns<string>(50, 2);
    const id = runs.start(['ami-1', 'ami-2'], '<h>', '<t>', {});
    expect(runs.get(id)?.items).toEqual(['ami-1', 'ami-2']);
    expect(decodeNextToken(encodeNextToken('ami-1', 'q', id), 'q')).toEqual({
      after: 'ami-1',
      run: id,
    });
    runs.finish(id);
    expect(runs.get(id)).toBeUndefined();
    const stale = runs.start(['ami-3'], '', '', {});
    await new Promise((r) => setTimeout(r, 80));
    expect(runs.get(stale)).toBeUndefined();
  });

  it('keeps at most maxRuns, dropping the oldest', () => {
    const runs = new PageRuns<string>(60_000, 2);
    const [a, b, c] = [
      runs.start([], '', '', {}),
      runs.start([], '', '', {}),
      runs.start([], '', '', {}),
    ];
    expect(runs.get(a)).toBeUndefined();
    expect(runs.get(b)).toBeDefined();
    expect(runs.get(c)).toBeDefined();
  });
});
