import { planRetention, type CopyState, type PlanInputs } from './retention-plan.js';
import {
  judge,
  type ChannelSpan,
  type RetentionPolicy,
  type VersionFacts,
} from './retention-rules.js';

const DAY = 86_400_000;
const now = new Date('2026-12-01T12:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * DAY);
const policy: RetentionPolicy = {
  keepLatest: 2,
  channelWindowDays: 7,
  deprecateAfterDays: 0,
  disableAfterDays: 5,
  retireAfterDays: 10,
  perRunCap: 10,
};
/** v1 (60 days old) ... v5 (today). */
const versions: VersionFacts[] = [60, 40, 20, 3, 0].map((age, i) => ({
  version: `1.0.${i + 1}`,
  builtAt: daysAgo(age),
  heldReason: null,
}));
const byVersion = (verdicts: ReturnType<typeof judge>) =>
  Object.fromEntries(verdicts.map((v) => [v.version, v]));

describe('retention verdicts', () => {
  it('keeps the newest keepLatest and ages the rest from the day they were pushed out', () => {
    const v = byVersion(judge(versions, [], policy, now));
    expect(v['1.0.5']!.kept).toEqual([{ kind: 'latest', rank: 1 }]);
    expect(v['1.0.4']!.kept).toEqual([{ kind: 'latest', rank: 2 }]);
    // 1.0.3 was pushed out when 1.0.5 was built (today): deprecation due, disable in 5 days.
    expect(v['1.0.3']).toMatchObject({ due: ['deprecate'], eligibleAt: daysAgo(0) });
    expect(v['1.0.3']!.kept).toEqual([
      { kind: 'not-yet-due', stage: 'disable', at: new Date(now.getTime() + 5 * DAY) },
    ]);
    // 1.0.2 pushed out by 1.0.4 (3 days ago): not yet disabled; 1.0.1 by 1.0.3 (20 days): retire.
    expect(v['1.0.2']!.due).toEqual(['deprecate']);
    expect(v['1.0.1']!.due).toEqual(['deprecate', 'disable', 'retire']);
  });

  it('keeps what a channel points to, and what it pointed to within the window', () => {
    const channels: ChannelSpan[] = [
      { channel: 'prod', version: '1.0.1', since: daysAgo(59), until: null },
      { channel: 'beta', version: '1.0.2', since: daysAgo(39), until: daysAgo(2) },
      { channel: 'beta', version: '1.0.3', since: daysAgo(40), until: daysAgo(30) },
    ];
    const v = byVersion(judge(versions, channels, policy, now));
    expect(v['1.0.1']!.kept).toEqual([{ kind: 'channel', channel: 'prod' }]);
    expect(v['1.0.1']!.due).toEqual([]);
    expect(v['1.0.2']!.kept).toEqual([
      { kind: 'channel-window', channel: 'beta', until: new Date(daysAgo(2).getTime() + 7 * DAY) },
    ]);
    // The window lapsed 23 days ago, but 1.0.3 only left the newest two today.
    expect(v['1.0.3']!.eligibleAt).toEqual(now);
  });

  it('ages a version from the end of its channel window when that is later', () => {
    const channels: ChannelSpan[] = [
      { channel: 'prod', version: '1.0.1', since: daysAgo(59), until: daysAgo(8) },
    ];
    const v = byVersion(judge(versions, channels, { ...policy, channelWindowDays: 1 }, now));
    expect(v['1.0.1']!.eligibleAt).toEqual(daysAgo(7));
    expect(v['1.0.1']!.due).toEqual(['deprecate', 'disable']);
  });

  it('deprecates only when the policy time has come, and says when that is', () => {
    const later = byVersion(
      judge(versions, [], { ...policy, deprecateAfterDays: 1, disableAfterDays: 5 }, now),
    );
    // 1.0.3 left the newest two today: deprecation is due tomorrow, nothing before.
    expect(later['1.0.3']).toMatchObject({
      due: [],
      kept: [{ kind: 'not-yet-due', stage: 'deprecate', at: new Date(now.getTime() + DAY) }],
    });
    expect(later['1.0.2']!.due).toEqual(['deprecate']);
  });

  it('leaves held versions and families without a deprecation policy alone', () => {
    const held = versions.map((v) =>
      v.version === '1.0.1' ? { ...v, heldReason: 'restored by ops' } : v,
    );
    expect(byVersion(judge(held, [], policy, now))['1.0.1']!.kept).toEqual([
      { kind: 'held', reason: 'restored by ops' },
    ]);
    const reportOnly = judge(
      versions,
      [],
      { keepLatest: 2, channelWindowDays: 7, perRunCap: 1 },
      now,
    );
    expect(reportOnly.every((v) => v.due.length === 0)).toBe(true);
    expect(byVersion(reportOnly)['1.0.1']!.kept).toEqual([{ kind: 'no-policy' }]);
  });
});

describe('retention plans', () => {
  const regions = ['us-east-1', 'eu-west-1'];
  const copies = versions.flatMap((v, i) =>
    regions.map((region) => ({
      version: v.version,
      account: '123456789012',
      region,
      imageId: `ami-${i + 1}${region.slice(0, 2)}`,
    })),
  );
  const fresh = (imageId: string): CopyState => ({
    deprecationTime: null,
    disabled: false,
    protected: false,
    snapshots: [{ snapshotId: `snap-${imageId.slice(4)}`, sizeGiB: 8 }],
  });
  const inputs = (over: Partial<PlanInputs> = {}): PlanInputs => {
    const states = new Map(copies.map((c) => [c.imageId, fresh(c.imageId)]));
    return {
      verdicts: judge(versions, [], policy, now),
      copies,
      states,
      uses: new Map(),
      snapshotUsers: new Map(
        [...states].flatMap(([id, s]) => s.snapshots.map((x) => [x.snapshotId, [id]] as const)),
      ),
      policy,
      now,
      ...over,
    };
  };
  const summary = (plan: ReturnType<typeof planRetention>) =>
    plan.actions.map(
      (a) => `${a.action} ${a.version} ${a.imageId}${a.snapshotId ? ` ${a.snapshotId}` : ''}`,
    );

  it('retires every copy of the oldest version with its snapshots, after deprecating the others', () => {
    const plan = planRetention(inputs());
    expect(summary(plan)).toEqual([
      'deprecate 1.0.2 ami-2eu',
      'deprecate 1.0.2 ami-2us',
      'deprecate 1.0.3 ami-3eu',
      'deprecate 1.0.3 ami-3us',
      'deregister 1.0.1 ami-1eu',
      'deregister 1.0.1 ami-1us',
      'delete-snapshot 1.0.1 ami-1eu snap-1eu',
      'delete-snapshot 1.0.1 ami-1us snap-1us',
    ]);
    expect(plan.bytesRecovered).toBe(2 * 8 * 1024 ** 3);
    // Deprecation never lies in the past: now, rounded up to the minute.
    expect(plan.actions[0]!.deprecateAt).toEqual(now);
  });

  it('does not repeat what is done already', () => {
    const done = inputs();
    for (const id of ['ami-2eu', 'ami-2us']) done.states.get(id)!.deprecationTime = daysAgo(1);
    done.states.delete('ami-1eu'); // deregistered in an earlier run
    expect(summary(planRetention(done))).toEqual([
      'deprecate 1.0.3 ami-3eu',
      'deprecate 1.0.3 ami-3us',
      'deregister 1.0.1 ami-1us',
      'delete-snapshot 1.0.1 ami-1us snap-1us',
    ]);
  });

  it('never touches a version in use, and says where it is used', () => {
    const plan = planRetention(
      inputs({ uses: new Map([['ami-1eu', [{ kind: 'ec2:Instance', id: 'i-1' }]]]) }),
    );
    expect(summary(plan).some((a) => a.includes('1.0.1'))).toBe(false);
    expect(plan.kept.find((k) => k.version === '1.0.1')).toEqual({
      version: '1.0.1',
      reasons: ['in use; retire is due'],
      usedBy: [
        {
          imageId: 'ami-1eu',
          region: 'eu-west-1',
          account: '123456789012',
          uses: [{ kind: 'ec2:Instance', id: 'i-1' }],
        },
      ],
    });
  });

  it('keeps a snapshot another image still uses, and stops protected copies at disable', () => {
    const shared = inputs();
    shared.snapshotUsers.set('snap-1us', ['ami-1us', 'ami-other']);
    const plan = planRetention(shared);
    expect(summary(plan)).not.toContain('delete-snapshot 1.0.1 ami-1us snap-1us');
    expect(plan.sharedSnapshots).toEqual([
      { snapshotId: 'snap-1us', region: 'us-east-1', usedBy: ['ami-other'] },
    ]);
    const guarded = inputs();
    guarded.states.get('ami-1eu')!.protected = true;
    const stopped = planRetention(guarded);
    expect(summary(stopped).filter((a) => a.includes('1.0.1'))).toEqual([
      'deprecate 1.0.1 ami-1eu',
      'deprecate 1.0.1 ami-1us',
      'disable 1.0.1 ami-1eu',
      'disable 1.0.1 ami-1us',
    ]);
    expect(stopped.kept.find((k) => k.version === '1.0.1')!.reasons[0]).toContain(
      'deregistration protection is on for ami-1eu',
    );
  });

  it('retires at most perRunCap versions, the oldest first', () => {
    const old = versions.map((v) => ({ ...v, builtAt: new Date(v.builtAt.getTime() - 100 * DAY) }));
    const plan = planRetention(
      inputs({
        verdicts: judge(old, [], { ...policy, perRunCap: 2 }, now),
        policy: { ...policy, perRunCap: 2 },
      }),
    );
    const retired = new Set(
      plan.actions.filter((a) => a.action === 'deregister').map((a) => a.version),
    );
    expect([...retired]).toEqual(['1.0.1', '1.0.2']);
    expect(plan.kept.find((k) => k.version === '1.0.3')!.reasons).toEqual([
      'the per-run cap of 2 retirements is reached; it waits for the next run',
    ]);
  });
});
