import type { DesiredPermissions } from './desired-state.js';
import { afterChanges, isEmptyPlan, nextApplied, planPermissions } from './permission-plan.js';
import { PUBLIC, type Principal } from './principal.js';

const a = (value: string): Principal => ({ kind: 'account', value });
const ou: Principal = {
  kind: 'organizational-unit',
  value: 'arn:aws:organizations::123456789012:ou/o-abc123def4/ou-ab12-cdef3456',
};
const desired = (launch: Principal[], additionsAllowed = true): DesiredPermissions => ({
  launch,
  volume: launch.filter((p) => p.kind === 'account').map((p) => p.value),
  refused: [],
  additionsAllowed,
});
const IMAGE = 'ami-0abc12345';
const SNAP = 'snap-0abc1';

describe('planPermissions', () => {
  it('shares a new copy with everyone desired: intended changes, no drift', () => {
    const plan = planPermissions({
      imageId: IMAGE,
      desired: desired([a('111122223333'), ou]),
      actual: { launch: [], snapshots: { [SNAP]: [] } },
      applied: null,
      mode: 'repair',
    });
    expect(plan.image).toEqual({ add: [a('111122223333'), ou], remove: [] });
    expect(plan.snapshots).toEqual([{ snapshotId: SNAP, add: [a('111122223333')], remove: [] }]);
    expect(plan.drift).toEqual([]);
    expect(plan.intended).toBe(3);
  });

  it('removes an account the spec no longer lists, from the image and its snapshots, as an intended change', () => {
    const plan = planPermissions({
      imageId: IMAGE,
      desired: desired([a('111122223333')]),
      actual: {
        launch: [a('111122223333'), a('444455556666')],
        snapshots: { [SNAP]: [a('111122223333'), a('444455556666')] },
      },
      applied: {
        launch: [a('111122223333'), a('444455556666')],
        volume: ['111122223333', '444455556666'],
      },
      mode: 'report-only',
    });
    expect(plan.image).toEqual({ add: [], remove: [a('444455556666')] });
    expect(plan.snapshots[0]).toEqual({ snapshotId: SNAP, add: [], remove: [a('444455556666')] });
    expect(plan.drift).toEqual([]);
  });

  it('finds drift both ways and repairs it in repair mode', () => {
    const plan = planPermissions({
      imageId: IMAGE,
      desired: desired([a('111122223333')]),
      actual: { launch: [a('999999999999')], snapshots: { [SNAP]: [a('111122223333')] } },
      applied: { launch: [a('111122223333')], volume: ['111122223333'] },
      mode: 'repair',
    });
    expect(plan.drift).toEqual([
      { resource: 'image', resourceId: IMAGE, principal: a('111122223333'), change: 'missing' },
      { resource: 'image', resourceId: IMAGE, principal: a('999999999999'), change: 'unexpected' },
    ]);
    expect(plan.repairs).toEqual(plan.drift);
    expect(plan.image).toEqual({ add: [a('111122223333')], remove: [a('999999999999')] });
  });

  it('only reports drift in report-only mode, except a public grant, which it removes at once', () => {
    const plan = planPermissions({
      imageId: IMAGE,
      desired: desired([a('111122223333')]),
      actual: {
        launch: [a('111122223333'), a('999999999999'), PUBLIC],
        snapshots: { [SNAP]: [PUBLIC] },
      },
      applied: { launch: [a('111122223333')], volume: ['111122223333'] },
      mode: 'report-only',
    });
    expect(plan.drift).toHaveLength(4);
    expect(plan.image).toEqual({ add: [], remove: [PUBLIC] });
    expect(plan.snapshots[0]).toEqual({ snapshotId: SNAP, add: [], remove: [PUBLIC] });
    expect(plan.repairs.map((r) => r.principal)).toEqual([PUBLIC, PUBLIC]);
  });

  it('adds nobody new to a frozen (deprecated) copy, but still removes', () => {
    const plan = planPermissions({
      imageId: IMAGE,
      desired: desired([a('111122223333'), a('222233334444')], false),
      actual: { launch: [a('111122223333'), a('555566667777')], snapshots: {} },
      applied: { launch: [a('111122223333'), a('555566667777')], volume: [] },
      mode: 'repair',
    });
    expect(plan.image).toEqual({ add: [], remove: [a('555566667777')] });
  });

  it('is empty when actual already matches desired', () => {
    const plan = planPermissions({
      imageId: IMAGE,
      desired: desired([a('111122223333')]),
      actual: { launch: [a('111122223333')], snapshots: { [SNAP]: [a('111122223333')] } },
      applied: { launch: [a('111122223333')], volume: ['111122223333'] },
      mode: 'repair',
    });
    expect(isEmptyPlan(plan)).toBe(true);
  });
});

describe('afterChanges and nextApplied', () => {
  it('records a failed addition as not applied, so the next pass tries it again as intended', () => {
    const want = desired([a('111122223333'), ou]);
    const after = afterChanges(
      { launch: [], snapshots: { [SNAP]: [] } },
      {
        image: { add: [a('111122223333')], remove: [] },
        snapshots: [{ snapshotId: SNAP, add: [a('111122223333')], remove: [] }],
      },
    );
    expect(after).toEqual({
      launch: [a('111122223333')],
      snapshots: { [SNAP]: [a('111122223333')] },
    });
    const applied = nextApplied(want, null, after, []);
    expect(applied).toEqual({ launch: [a('111122223333')], volume: ['111122223333'] });
    const again = planPermissions({
      imageId: IMAGE,
      desired: want,
      actual: after,
      applied,
      mode: 'repair',
    });
    expect(again.image).toEqual({ add: [ou], remove: [] });
    expect(again.drift).toEqual([]);
  });

  it('keeps unrepaired missing drift applied, so report-only mode keeps reporting it', () => {
    const want = desired([a('111122223333')]);
    const applied = nextApplied(
      want,
      { launch: [a('111122223333')], volume: ['111122223333'] },
      { launch: [], snapshots: { [SNAP]: [] } },
      [],
    );
    expect(applied.launch).toEqual([a('111122223333')]);
  });
});
