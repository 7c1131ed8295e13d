import { removalReason, type BuildRecord, type Leftover } from './leftovers.js';

const now = new Date('2026-12-01T12:00:00Z');
const context = { now, graceS: 3600, knownImageIds: new Set<string>() };
const leftover = (over: Partial<Leftover> = {}): Leftover => ({
  kind: 'image',
  id: 'ami-1',
  region: 'us-east-1',
  buildId: 'b-1',
  family: 'web',
  createdAt: new Date(now.getTime() - 7200_000),
  ...over,
});
const build = (over: Partial<BuildRecord> = {}): BuildRecord => ({
  id: 'b-1',
  state: 'succeeded',
  region: 'us-east-1',
  imageId: 'ami-1',
  snapshotIds: ['snap-1'],
  ...over,
});

describe('which tagged resources the janitor removes', () => {
  it('keeps what a succeeded build published: its image and its snapshots', () => {
    expect(removalReason(leftover(), build(), context)).toBeNull();
    expect(
      removalReason(leftover({ kind: 'snapshot', id: 'snap-1' }), build(), context),
    ).toBeNull();
  });

  it('removes what a terminal build made and did not publish', () => {
    expect(removalReason(leftover({ id: 'ami-2' }), build(), context)).toMatch(
      /succeeded and did not publish this image/,
    );
    expect(removalReason(leftover(), build({ state: 'failed' }), context)).toMatch(/failed/);
    expect(
      removalReason(
        leftover({ kind: 'instance', id: 'i-1' }),
        build({ state: 'cancelled' }),
        context,
      ),
    ).toMatch(/cancelled/);
  });

  it('never touches a running build, copies in other regions, or images the platform knows', () => {
    expect(
      removalReason(leftover({ id: 'ami-2' }), build({ state: 'running' }), context),
    ).toBeNull();
    expect(
      removalReason(leftover({ id: 'ami-9', region: 'eu-west-1' }), build(), context),
    ).toBeNull();
    expect(
      removalReason(leftover({ id: 'ami-2' }), build(), {
        ...context,
        knownImageIds: new Set(['ami-2']),
      }),
    ).toBeNull();
  });

  it("removes an unknown build's resources only once older than the grace period", () => {
    expect(removalReason(leftover(), undefined, context)).toMatch(/unknown/);
    expect(
      removalReason(leftover({ createdAt: new Date(now.getTime() - 60_000) }), undefined, context),
    ).toBeNull();
  });
});
