import { splitSnapshotTagSpecs } from './image-actions.js';

describe('splitSnapshotTagSpecs (moto cannot take snapshot tag specifications on CreateImage)', () => {
  it('takes the snapshot tag specification out and returns its tags', () => {
    const { params, snapshotTags } = splitSnapshotTagSpecs([
      ['Action', 'CreateImage'],
      ['TagSpecification.1.ResourceType', 'image'],
      ['TagSpecification.1.Tag.1.Key', 'ami-factory:family'],
      ['TagSpecification.1.Tag.1.Value', 'web-base'],
      ['TagSpecification.2.ResourceType', 'snapshot'],
      ['TagSpecification.2.Tag.1.Key', 'ami-factory:build-id'],
      ['TagSpecification.2.Tag.1.Value', 'b-1'],
      ['TagSpecification.2.Tag.2.Key', 'ami-factory:version'],
      ['TagSpecification.2.Tag.2.Value', '2026.11.27-1'],
    ]);
    expect(params).toEqual([
      ['Action', 'CreateImage'],
      ['TagSpecification.1.ResourceType', 'image'],
      ['TagSpecification.1.Tag.1.Key', 'ami-factory:family'],
      ['TagSpecification.1.Tag.1.Value', 'web-base'],
    ]);
    expect(snapshotTags).toEqual([
      ['ami-factory:build-id', 'b-1'],
      ['ami-factory:version', '2026.11.27-1'],
    ]);
  });

  it('leaves a request without snapshot tags alone', () => {
    const input: Array<[string, string]> = [
      ['Action', 'CreateImage'],
      ['Name', 'x'],
    ];
    expect(splitSnapshotTagSpecs(input)).toEqual({ params: input, snapshotTags: [] });
  });
});
