import { regionProblem } from './region-directory.js';

describe('regionProblem', () => {
  const regions = new Map<string, string | undefined>([
    ['eu-west-1', 'opt-in-not-required'],
    ['af-south-1', 'opted-in'],
    ['ap-east-1', 'not-opted-in'],
  ]);

  it('accepts enabled regions', () => {
    expect(regionProblem('eu-west-1', '123456789012', regions)).toBeNull();
    expect(regionProblem('af-south-1', '123456789012', regions)).toBeNull();
  });

  it('names an unknown region and a region the account has not enabled', () => {
    expect(regionProblem('xx-nowhere-1', '123456789012', regions)).toEqual({
      code: 'InvalidRegion',
      reason: 'xx-nowhere-1 is not an EC2 region',
    });
    expect(regionProblem('ap-east-1', '123456789012', regions)?.code).toBe('OptInRequired');
  });
});
