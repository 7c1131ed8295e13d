import { describe, expect, it } from 'vitest';
import { decideAsk, findCauses, findingsOf, type ScanInput } from './rebuild-rules.js';
import type { RebuildAsk, ScanFamily, ScanVersion } from './scan.types.js';

const now = new Date('2026-12-03T12:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);

const family = (over: Partial<ScanFamily> = {}): ScanFamily => ({
  family: 'web',
  specVersion: 1,
  source: { ssmParameter: '/aws/service/x' },
  buildRegion: 'us-east-1',
  maintenance: {
    rebuildOnSourceChange: true,
    keepLatest: 3,
    channelWindowDays: 14,
    perRunCap: 10,
    retentionMode: 'enforce',
    maxAgeDays: 30,
  },
  parentFamily: null,
  parentChannel: null,
  nextScanAt: now,
  scanCause: 'schedule',
  scanGeneration: 0,
  findingsDigest: null,
  consecutiveFailures: 0,
  lastFailureReason: null,
  suspendedAt: null,
  ...over,
});
const version = (over: Partial<ScanVersion> = {}): ScanVersion => ({
  family: 'web',
  version: '2026.12.01-1',
  origin: 'built',
  builtAt: daysAgo(2),
  sourceImageId: 'ami-00000001',
  parentFamily: null,
  parentVersion: null,
  ...over,
});
const input = (over: Partial<ScanInput> = {}): ScanInput => ({
  family: family(),
  latest: version(),
  source: { kind: 'resolved', imageId: 'ami-00000001' },
  builtFromDeprecated: false,
  parent: null,
  revokedAncestors: [],
  asks: [],
  now,
  ...over,
});
const ask = (over: Partial<RebuildAsk> = {}): RebuildAsk => ({
  id: 'r1',
  family: 'web',
  cause: 'stale',
  causeKey: 'stale:2026.12.01-1',
  attempt: 1,
  idempotencyKey: 'maintenance:stale:2026.12.01-1',
  reason: 'old',
  state: 'asked',
  buildId: null,
  outcomeReason: null,
  askedAt: daysAgo(1),
  settledAt: null,
  ...over,
});
const policy = { maxFailures: 3, backoffMs: (n: number) => n * 3_600_000 };

describe('rebuild causes', () => {
  it('finds nothing for a fresh family whose source stands still', () => {
    expect(findCauses(input())).toEqual([]);
  });

  it('calls a version older than maxAgeDays stale, keyed by that version, forced', () => {
    const [cause] = findCauses(input({ latest: version({ builtAt: daysAgo(31) }) }));
    expect(cause).toMatchObject({ cause: 'stale', causeKey: 'stale:2026.12.01-1', force: true });
  });

  it('is not stale without maxAgeDays', () => {
    const f = family({
      maintenance: {
        rebuildOnSourceChange: true,
        keepLatest: 3,
        channelWindowDays: 14,
        perRunCap: 10,
        retentionMode: 'enforce',
      },
    });
    expect(findCauses(input({ family: f, latest: version({ builtAt: daysAgo(400) }) }))).toEqual(
      [],
    );
  });

  it('sees a moved source, keyed by the new image', () => {
    const [cause] = findCauses(input({ source: { kind: 'resolved', imageId: 'ami-00000002' } }));
    expect(cause).toMatchObject({ cause: 'source-moved', causeKey: 'source-moved:ami-00000002' });
  });

  it('asks nothing of a source that does not resolve (a finding instead)', () => {
    const scan = input({
      source: { kind: 'unresolvable', reason: 'SSM parameter /x does not exist' },
    });
    expect(findCauses(scan)).toEqual([]);
    expect(findingsOf(scan).sourceUnresolvable).toContain('does not exist');
  });

  it('follows a parent only once its new version is in the build region', () => {
    const child = family({
      source: { family: { name: 'base', channel: 'prod' } },
      parentFamily: 'base',
      parentChannel: 'prod',
    });
    const latest = version({ parentFamily: 'base', parentVersion: 'v1' });
    const away = { family: 'base', channel: 'prod', version: 'v2', availableInBuildRegion: false };
    expect(
      findCauses(input({ family: child, latest, parent: away, source: { kind: 'not-looked-up' } })),
    ).toEqual([]);
    expect(findingsOf(input({ family: child, latest, parent: away })).parentMoved).toMatchObject({
      to: 'v2',
      availableInBuildRegion: false,
    });
    const here = { ...away, availableInBuildRegion: true };
    const [cause] = findCauses(
      input({ family: child, latest, parent: here, source: { kind: 'not-looked-up' } }),
    );
    expect(cause).toMatchObject({ cause: 'parent-moved', causeKey: 'parent-moved:base/prod:v2' });
  });

  it('puts the parent first, then the source, then age', () => {
    const child = family({ parentFamily: 'base', parentChannel: 'prod' });
    const causes = findCauses(
      input({
        family: child,
        latest: version({ builtAt: daysAgo(90), parentVersion: 'v1' }),
        source: { kind: 'resolved', imageId: 'ami-00000009' },
        parent: { family: 'base', channel: 'prod', version: 'v2', availableInBuildRegion: true },
      }),
    );
    expect(causes.map((c) => c.cause)).toEqual(['parent-moved', 'source-moved', 'stale']);
  });

  it('never rebuilds a family that was never built or has no recipe', () => {
    expect(findCauses(input({ latest: null }))).toEqual([]);
    expect(
      findCauses(
        input({ family: family({ buildRegion: null }), latest: version({ builtAt: daysAgo(99) }) }),
      ),
    ).toEqual([]);
  });
});

describe('asking for a rebuild', () => {
  const stale = findCauses(input({ latest: version({ builtAt: daysAgo(31) }) }))[0];

  it('asks the first time under the cause key', () => {
    expect(decideAsk(family(), stale, [], policy, now)).toMatchObject({
      attempt: 1,
      idempotencyKey: 'maintenance:stale:2026.12.01-1',
    });
  });

  it('never asks twice for one cause while the first ask stands', () => {
    for (const state of ['asked', 'building', 'succeeded', 'superseded'] as const)
      expect(decideAsk(family(), stale, [ask({ state })], policy, now)).toBeNull();
  });

  it('asks one rebuild at a time, whatever the cause', () => {
    const other = ask({ causeKey: 'source-moved:ami-1', cause: 'source-moved', state: 'building' });
    expect(decideAsk(family(), stale, [other], policy, now)).toBeNull();
  });

  it('asks again after a failure once the backoff has passed, under a new key', () => {
    const failed = ask({ state: 'failed', settledAt: new Date(now.getTime() - 30 * 60_000) });
    const f = family({ consecutiveFailures: 1 });
    expect(decideAsk(f, stale, [failed], policy, now)).toBeNull();
    const later = new Date(now.getTime() + 31 * 60_000);
    expect(decideAsk(f, stale, [failed], policy, later)).toMatchObject({
      attempt: 2,
      idempotencyKey: 'maintenance:stale:2026.12.01-1#2',
    });
  });

  it('stops asking after maxFailures in a row, and while suspended', () => {
    const failed = ask({ state: 'failed', attempt: 3, settledAt: daysAgo(5) });
    expect(decideAsk(family({ consecutiveFailures: 3 }), stale, [failed], policy, now)).toBeNull();
    expect(decideAsk(family({ suspendedAt: daysAgo(1) }), stale, [], policy, now)).toBeNull();
  });
});

describe('findings', () => {
  it('report age, staleness and the moved source', () => {
    const f = findingsOf(
      input({
        latest: version({ builtAt: daysAgo(31) }),
        source: { kind: 'resolved', imageId: 'ami-00000002' },
      }),
    );
    expect(f).toMatchObject({
      stale: true,
      maxAgeDays: 30,
      sourceMoved: { from: 'ami-00000001', to: 'ami-00000002' },
    });
    expect(f.ageDays).toBeCloseTo(31, 1);
  });

  it('list the pending rebuilds only', () => {
    const f = findingsOf(
      input({
        asks: [
          ask({ state: 'building', buildId: '00000000-0000-4000-8000-000000000001' }),
          ask({ id: 'r0', state: 'failed' }),
        ],
      }),
    );
    expect(f.pendingRebuilds).toHaveLength(1);
    expect(f.pendingRebuilds[0]).toMatchObject({ requestId: 'r1', state: 'building' });
  });
});

describe('retry time', () => {
  it('is the end of the backoff after a failed ask, and nothing otherwise', async () => {
    const { retryDueAt } = await import('./rebuild-rules.js');
    const stale = findCauses(input({ latest: version({ builtAt: daysAgo(31) }) }))[0];
    const settledAt = new Date(now.getTime() - 30 * 60_000);
    const failed = ask({ state: 'failed', settledAt });
    expect(retryDueAt(family({ consecutiveFailures: 1 }), stale, [failed], policy, now)).toEqual(
      new Date(settledAt.getTime() + 3_600_000),
    );
    expect(retryDueAt(family(), stale, [ask()], policy, now)).toBeNull();
    expect(retryDueAt(family({ consecutiveFailures: 3 }), stale, [failed], policy, now)).toBeNull();
  });
});

describe('revoked parents', () => {
  const child = family({
    source: { family: { name: 'base', channel: 'prod' } },
    parentFamily: 'base',
    parentChannel: 'prod',
  });
  const latest = version({ parentFamily: 'base', parentVersion: 'v2' });
  const revoked = [{ family: 'base', version: 'v2', reason: 'CVE', generation: 1 }];

  it('rebuilds from the version the channel fell back to, before any other cause', () => {
    const parent = { family: 'base', channel: 'prod', version: 'v1', availableInBuildRegion: true };
    const causes = findCauses(
      input({
        family: child,
        latest,
        parent,
        revokedAncestors: revoked,
        source: { kind: 'not-looked-up' },
      }),
    );
    expect(causes[0]).toMatchObject({
      cause: 'parent-revoked',
      causeKey: 'parent-revoked:base/v2',
    });
  });

  it('waits while the channel still points to the revoked version, and reports it', () => {
    const parent = { family: 'base', channel: 'prod', version: 'v2', availableInBuildRegion: true };
    const scan = input({
      family: child,
      latest,
      parent,
      revokedAncestors: revoked,
      source: { kind: 'not-looked-up' },
    });
    expect(findCauses(scan)).toEqual([]);
    expect(findingsOf(scan).revokedAncestors).toEqual(revoked);
  });

  it('flags a grandchild without rebuilding it until its own parent moves', () => {
    const parent = { family: 'base', channel: 'prod', version: 'v2', availableInBuildRegion: true };
    const far = [{ ...revoked[0]!, generation: 2 }];
    expect(
      findCauses(
        input({
          family: child,
          latest,
          parent,
          revokedAncestors: far,
          source: { kind: 'not-looked-up' },
        }),
      ),
    ).toEqual([]);
  });
});
