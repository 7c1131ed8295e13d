import { copyClientToken, copyImageName } from './copy-naming.js';
import { pickSource, regionsLackingCopy, removedRegions } from './plan-copies.js';

describe('regionsLackingCopy', () => {
  it('keeps the distribution regions with no image and no job, in order', () => {
    expect(
      regionsLackingCopy(
        ['us-east-1', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'],
        { sourceRegion: 'us-east-1', images: { 'eu-central-1': 'ami-1' } },
        ['ap-southeast-2'],
      ),
    ).toEqual(['eu-west-1']);
  });
});

describe('removedRegions', () => {
  it('lists the regions a new distribution drops', () => {
    expect(removedRegions(['a-b-1', 'c-d-2'], ['c-d-2', 'e-f-3'])).toEqual(['a-b-1']);
  });
});

describe('pickSource', () => {
  it('prefers an image inside the distribution', () => {
    const images = [
      { region: 'sa-east-1', imageId: 'ami-1' },
      { region: 'eu-west-1', imageId: 'ami-2' },
    ];
    expect(pickSource(images, ['eu-west-1'])).toEqual(images[1]);
    expect(pickSource(images, null)).toEqual(images[0]);
  });
});

describe('copy identity', () => {
  const copy = { family: 'web', version: '2026.11.27-1', region: 'eu-west-1', generation: 1 };

  it('derives the same ClientToken for the same version and region, another for a replacement', () => {
    expect(copyClientToken(copy)).toBe(copyClientToken({ ...copy }));
    expect(copyClientToken(copy)).not.toBe(copyClientToken({ ...copy, region: 'eu-west-2' }));
    expect(copyClientToken(copy)).not.toBe(copyClientToken({ ...copy, generation: 2 }));
    expect(copyClientToken(copy).length).toBeLessThanOrEqual(64);
  });

  it('names the copy after the version, and a replacement after its generation', () => {
    expect(copyImageName(copy)).toBe('ami-factory/web/2026.11.27-1');
    expect(copyImageName({ ...copy, generation: 2 })).toBe('ami-factory/web/2026.11.27-1/copy-2');
  });
});
