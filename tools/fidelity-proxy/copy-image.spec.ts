import { CopyTracker, tagSpecifications, withCopyFailure } from './copy-image.js';

const scope = { account: '123456789012', region: 'eu-west-1' };

describe('CopyTracker', () => {
  it('counts copies pending in a region and keeps the peak', () => {
    let now = 0;
    const copies = new CopyTracker(() => now);
    copies.record(scope, { imageId: 'ami-1', pendingMs: 100, encrypted: false });
    copies.record(scope, { imageId: 'ami-2', pendingMs: 100, encrypted: false });
    copies.record(
      { ...scope, region: 'eu-west-2' },
      { imageId: 'ami-3', pendingMs: 100, encrypted: false },
    );
    expect(copies.inFlight(scope)).toBe(2);
    now = 150;
    copies.record(scope, { imageId: 'ami-4', pendingMs: 100, encrypted: false });
    expect(copies.inFlight(scope)).toBe(1);
    expect(copies.peakInFlight()).toEqual({
      '123456789012/eu-west-1': 2,
      '123456789012/eu-west-2': 1,
    });
  });

  it('shows a copy failure only after its pending period', () => {
    let now = 0;
    const copies = new CopyTracker(() => now);
    const failure = { code: 'Client.InvalidKMSKey.InvalidState', message: 'bad key' };
    copies.record(scope, { imageId: 'ami-1', pendingMs: 100, encrypted: true, failure });
    expect(copies.failureOf(scope, 'ami-1')).toBeUndefined();
    now = 100;
    expect(copies.failureOf(scope, 'ami-1')).toEqual(failure);
  });
});

describe('CopyImage request pieces', () => {
  it('reads the tag specifications by resource type', () => {
    const call = {
      ...scope,
      action: 'CopyImage',
      params: [
        ['TagSpecification.1.ResourceType', 'image'],
        ['TagSpecification.1.Tag.1.Key', 'a'],
        ['TagSpecification.1.Tag.1.Value', '1'],
        ['TagSpecification.2.ResourceType', 'snapshot'],
        ['TagSpecification.2.Tag.1.Key', 'b'],
        ['TagSpecification.2.Tag.1.Value', '2'],
      ] as Array<[string, string]>,
    };
    expect(tagSpecifications(call)).toEqual({ image: [['a', '1']], snapshot: [['b', '2']] });
  });

  it('marks a failed copy with its state reason', () => {
    const item = '<item><imageId>ami-1</imageId><imageState>available</imageState></item>';
    expect(withCopyFailure(item, { code: 'C', message: 'M' })).toBe(
      '<item><imageId>ami-1</imageId><imageState>failed</imageState><stateReason><code>C</code><message>M</message></stateReason></item>',
    );
    expect(withCopyFailure(item, undefined)).toBe(item);
  });
});
