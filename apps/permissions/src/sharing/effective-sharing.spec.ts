import { sharingSchema } from '@ami/contracts';
import { effectiveSharing } from './effective-sharing.js';

describe('effective sharing', () => {
  const sharing = sharingSchema.parse({ accounts: ['111122223333'] });

  it('adds the accounts that get owned copies, once', () => {
    const result = effectiveSharing({
      sharing,
      distribution: {
        regions: ['eu-west-1'],
        kmsKeys: {},
        targets: { ssmParameters: [], launchTemplates: [] },
        accounts: [
          { accountId: '111122223333', roleName: 'r' },
          { accountId: '210987654321', roleName: 'r' },
        ],
      },
    });
    expect(result.accounts).toEqual(['111122223333', '210987654321']);
  });

  it('keeps the spec sharing as it is without distribution accounts', () => {
    expect(effectiveSharing({ sharing, distribution: undefined })).toBe(sharing);
  });
});
