import {
  ec2PatternToFnmatch,
  getFilters,
  getList,
  matchesFilterValue,
  parseCredentialScope,
} from './ec2-request.js';

describe('EC2 request parsing', () => {
  it('reads region and service from the SigV4 credential scope', () => {
    expect(
      parseCredentialScope(
        'AWS4-HMAC-SHA256 Credential=testing/20250101/eu-west-1/ec2/aws4_request, SignedHeaders=host, Signature=abc',
      ),
    ).toEqual({ region: 'eu-west-1', service: 'ec2' });
    expect(parseCredentialScope(undefined)).toEqual({});
  });

  it('reads list parameters and filters in index order', () => {
    const params: Array<[string, string]> = [
      ['ImageId.2', 'ami-b'],
      ['ImageId.1', 'ami-a'],
      ['Filter.2.Name', 'state'],
      ['Filter.2.Value.1', 'pending'],
      ['Filter.1.Name', 'name'],
      ['Filter.1.Value.2', 'b*'],
      ['Filter.1.Value.1', 'a*'],
    ];
    expect(getList(params, 'ImageId')).toEqual(['ami-a', 'ami-b']);
    expect(getFilters(params)).toEqual([
      { name: 'name', values: ['a*', 'b*'] },
      { name: 'state', values: ['pending'] },
    ]);
  });
});

describe('filter values', () => {
  it('match with EC2 wildcards and escapes', () => {
    expect(matchesFilterValue('available', 'avail*')).toBe(true);
    expect(matchesFilterValue('pending', 'pend?ng')).toBe(true);
    expect(matchesFilterValue('web [prod]', 'web [prod]')).toBe(true);
    expect(matchesFilterValue('a*b', 'a\\*b')).toBe(true);
    expect(matchesFilterValue('axb', 'a\\*b')).toBe(false);
  });

  it('are rewritten for moto so that brackets stay literal', () => {
    expect(ec2PatternToFnmatch('web [prod]-*')).toBe('web [[]prod]-*');
    expect(ec2PatternToFnmatch('a\\*b\\?c')).toBe('a[*]b[?]c');
  });
});
