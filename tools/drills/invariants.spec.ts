import { evaluate, formatResults, type Observed } from './invariants.js';

/** One family, built once, copied from us-east-1 to eu-west-1, shared and promoted: all well. */
function healthy(): Observed {
  const family = 'drill-abc-f0';
  const version = '2026.12.04-1';
  return {
    families: [family],
    regions: { [family]: ['us-east-1', 'eu-west-1'] },
    sharingAccounts: { [family]: ['111122223333'] },
    requests: [
      { requestId: 'r1', family, idempotencyKey: 'k1', via: 'catalog' },
      { requestId: 'r2', family, idempotencyKey: 'k1', via: 'kafka' },
    ],
    rebuildRows: [
      { eventId: 'r1', family, outcome: 'build-started', buildId: 'b1' },
      { eventId: 'r2', family, outcome: 'duplicate', buildId: 'b1' },
    ],
    builds: [
      {
        id: 'b1',
        family,
        state: 'succeeded',
        requestId: 'r1',
        idempotencyKey: 'k1',
        version,
        imageId: 'ami-1',
      },
    ],
    copyJobs: [
      {
        id: 'c1',
        family,
        version,
        region: 'eu-west-1',
        account: null,
        state: 'succeeded',
        sourceImageId: 'ami-1',
        imageId: 'ami-2',
      },
    ],
    shares: [
      {
        family,
        version,
        region: 'us-east-1',
        account: '123456789012',
        imageId: 'ami-1',
        requestGeneration: 1,
        appliedGeneration: 1,
        lastError: null,
      },
      {
        family,
        version,
        region: 'eu-west-1',
        account: '123456789012',
        imageId: 'ami-2',
        requestGeneration: 1,
        appliedGeneration: 1,
        lastError: null,
      },
    ],
    promotes: [{ family, channel: 'prod', version }],
    channels: [{ family, name: 'prod', version }],
    assignments: [{ family, channel: 'prod', version, movement: 'promote' }],
    catalogCopies: [
      {
        family,
        version,
        region: 'us-east-1',
        imageId: 'ami-1',
        state: 'available',
        snapshotIds: ['snap-1'],
      },
      {
        family,
        version,
        region: 'eu-west-1',
        imageId: 'ami-2',
        state: 'available',
        snapshotIds: ['snap-2'],
      },
    ],
    motoImages: [
      {
        imageId: 'ami-1',
        region: 'us-east-1',
        state: 'available',
        family,
        snapshotIds: ['snap-1'],
        launchAccounts: ['111122223333'],
      },
      {
        imageId: 'ami-2',
        region: 'eu-west-1',
        state: 'available',
        family,
        sourceImageId: 'ami-1',
        snapshotIds: ['snap-2'],
        launchAccounts: ['111122223333'],
      },
    ],
    motoInstances: [{ instanceId: 'i-1', region: 'us-east-1', state: 'terminated', family }],
    motoSnapshots: [
      { snapshotId: 'snap-1', region: 'us-east-1' },
      { snapshotId: 'snap-2', region: 'eu-west-1' },
    ],
    audit: [
      { id: 'e1', action: 'family-spec.applied', subject: { family }, after: null },
      { id: 'e2', action: 'rebuild.received', subject: { family }, after: { requestId: 'r1' } },
      { id: 'e3', action: 'rebuild.received', subject: { family }, after: { requestId: 'r2' } },
      { id: 'e4', action: 'build.succeeded', subject: { family, version }, after: null },
      {
        id: 'e5',
        action: 'copy.succeeded',
        subject: { family, version, region: 'eu-west-1' },
        after: null,
      },
      {
        id: 'e6',
        action: 'launch-permissions.applied',
        subject: { family, version, region: 'us-east-1' },
        after: null,
      },
      {
        id: 'e7',
        action: 'launch-permissions.applied',
        subject: { family, version, region: 'eu-west-1' },
        after: null,
      },
      { id: 'e8', action: 'channel.promoted', subject: { family, version }, after: null },
    ],
    poisonSent: [{ marker: 'p1', topic: 'ami.builder.builds.v1', what: 'malformed-json' }],
    groupsByTopic: { 'ami.builder.builds.v1': ['catalog-drill-abc', 'replicator-drill-abc'] },
    deadLetters: [
      {
        marker: 'p1',
        topic: 'ami.builder.builds.v1',
        group: 'catalog-drill-abc',
        kind: 'malformed-json',
        reason: 'x',
      },
      {
        marker: 'p1',
        topic: 'ami.builder.builds.v1',
        group: 'replicator-drill-abc',
        kind: 'malformed-json',
        reason: 'x',
      },
    ],
  };
}

const failing = (o: Observed) =>
  evaluate(o)
    .filter((r) => !r.pass)
    .map((r) => r.name);

describe('drill invariants', () => {
  it('all hold for a clean run, and say so with counts', () => {
    const results = evaluate(healthy());
    expect(results.filter((r) => !r.pass)).toEqual([]);
    const printed = formatResults(results);
    expect(printed).toContain('PASS  no leaked instances: 1 instances launched, 0 not terminated');
    expect(printed).toContain(`${results.length} of ${results.length} invariants hold`);
  });

  it('fail on a request never received, received twice, or refused', () => {
    const o = healthy();
    o.requests.push({ requestId: 'r3', family: o.families[0], via: 'kafka' });
    o.rebuildRows.push({ ...o.rebuildRows[0] });
    o.rebuildRows[1].outcome = 'rejected';
    const result = evaluate(o).find((r) => r.name.includes('rebuild request'))!;
    expect(result.pass).toBe(false);
    expect(result.problems).toEqual(
      expect.arrayContaining([
        'request r3 (kafka) received 0 times',
        'request r1 (catalog) received 2 times',
        `request r2 (kafka) of ${o.families[0]} was rejected`,
      ]),
    );
  });

  it('fail on a build still running, two builds of one key, a copy in flight or twice', () => {
    const o = healthy();
    o.builds.push({ ...o.builds[0], id: 'b2', state: 'running', version: null });
    o.copyJobs.push({ ...o.copyJobs[0], id: 'c2', state: 'copying' });
    expect(failing(o)).toEqual(
      expect.arrayContaining([
        'every accepted rebuild request reached exactly one outcome',
        'every build reached one final state',
        'every copy reached one final state, one per version, region and account',
      ]),
    );
  });

  it('fail on a share not applied, a promotion recorded twice, a family never promoted', () => {
    const o = healthy();
    o.shares[0].appliedGeneration = 0;
    o.assignments.push({ ...o.assignments[0] });
    expect(failing(o)).toEqual(
      expect.arrayContaining([
        "every copy's launch permissions applied, once per copy",
        'every accepted promotion moved its channel exactly once',
      ]),
    );
    const unpromoted = healthy();
    unpromoted.channels = [];
    expect(failing(unpromoted)).toContain(
      'every family built, copied to every region, shared and promoted',
    );
  });

  it('fail when moto holds an image, copy, snapshot, instance or permission the catalog does not say', () => {
    const o = healthy();
    o.motoImages.push({ ...o.motoImages[1], imageId: 'ami-3', snapshotIds: ['snap-3'] });
    o.motoSnapshots.push({ snapshotId: 'snap-9', region: 'us-east-1' });
    o.motoInstances.push({
      instanceId: 'i-2',
      region: 'us-east-1',
      state: 'running',
      family: o.families[0],
    });
    o.motoImages[0].launchAccounts = [];
    const failed = failing(o);
    expect(failed).toEqual(
      expect.arrayContaining([
        'moto holds exactly the images and snapshots the catalog says',
        'moto holds exactly the launch permissions the specs say',
        'no leaked instances',
        'no duplicate copies (per source image and region)',
        'no orphan snapshots',
      ]),
    );
  });

  it('pass an identical redelivery, and fail on one id naming two entries and on a change missing from the audit stream', () => {
    const ids = 'the audit stream names each change by one event id';
    const redelivered = healthy();
    redelivered.audit.push({ ...redelivered.audit[3] });
    const again = evaluate(redelivered).find((r) => r.name === ids)!;
    expect(again.pass).toBe(true);
    expect(again.detail).toContain('1 identical redeliveries');
    const o = healthy();
    o.audit.push({ ...o.audit[3], after: { another: 'change under the same id' } });
    o.audit = o.audit.filter((a) => a.action !== 'copy.succeeded');
    const results = evaluate(o);
    expect(results.find((r) => r.name === ids)!.pass).toBe(false);
    const changes = results.find((r) => r.name === 'the audit stream has every change, once')!;
    expect(changes.problems).toEqual([
      `missing: copy.succeeded ${o.families[0]} 2026.12.04-1 eu-west-1`,
    ]);
  });

  it('fail when a poison message is dead-lettered twice or not at all, or a real event is dead-lettered', () => {
    const twice = healthy();
    twice.deadLetters.push({ ...twice.deadLetters[0] });
    expect(failing(twice)).toEqual([
      'the dead-letter topics hold exactly the poison messages sent',
    ]);
    const missing = healthy();
    missing.deadLetters.pop();
    expect(failing(missing)).toEqual([
      'the dead-letter topics hold exactly the poison messages sent',
    ]);
    const real = healthy();
    real.deadLetters.push({
      topic: 'ami.builder.builds.v1',
      group: 'catalog-drill-abc',
      kind: 'processing-failed',
      reason: 'boom',
    });
    const result = evaluate(real).find((r) => r.name.includes('dead-letter'))!;
    expect(result.problems).toEqual([
      'catalog-drill-abc dead-lettered a real event from ami.builder.builds.v1: processing-failed: boom',
    ]);
  });
});
