import { changeLine, diffSpecs, summaryLine } from './spec-diff.js';

const stored = {
  name: 'web-base',
  owner: 'web',
  source: { family: { name: 'base-al2023', channel: 'prod' } },
  build: {
    region: 'us-east-1',
    customisation: {
      steps: [
        { name: 'nginx', run: 'dnf -y install nginx' },
        { name: 'motd', run: 'echo hi' },
      ],
    },
  },
  distribution: { regions: ['us-east-1', 'eu-west-1'] },
  sharing: { accounts: ['111122223333'] },
};

describe('spec diff', () => {
  it('finds no change between equal specs, whatever the key order', () => {
    const reordered = JSON.parse(JSON.stringify({ ...stored, owner: 'web', name: 'web-base' }));
    expect(diffSpecs(stored, reordered)).toEqual([]);
    expect(summaryLine([])).toBe('0 to add, 0 to change, 0 to remove');
  });

  it('names each added, changed and removed path, nested objects as dotted paths', () => {
    const file = structuredClone(stored) as any;
    file.build.instanceType = 't3.small';
    file.build.region = 'eu-west-1';
    delete file.sharing;
    file.build.customisation.steps[1].run = 'echo hello';
    file.build.customisation.steps.push({ name: 'clean', run: 'dnf clean all' });
    file.distribution.regions = ['us-east-1'];
    const changes = diffSpecs(stored, file);
    expect(changes.map(changeLine)).toEqual([
      '~ build.region: us-east-1 -> eu-west-1',
      '~ build.customisation.steps[1].run: echo hi -> echo hello',
      '+ build.customisation.steps[2].name: clean',
      '+ build.customisation.steps[2].run: dnf clean all',
      '+ build.instanceType: t3.small',
      '~ distribution.regions: ["us-east-1","eu-west-1"] -> ["us-east-1"]',
      '- sharing.accounts: ["111122223333"]',
    ]);
    expect(summaryLine(changes)).toBe('3 to add, 3 to change, 1 to remove');
  });

  it('shows every path as added for a family the catalog lacks', () => {
    const changes = diffSpecs(undefined, { name: 'new', build: { region: 'us-east-1' }, tags: {} });
    expect(changes.map(changeLine)).toEqual([
      '+ name: new',
      '+ build.region: us-east-1',
      '+ tags: {}',
    ]);
    expect(changes.every((c) => c.op === 'add')).toBe(true);
  });

  it('compares long lists by index, and a value that changes kind as a change', () => {
    const long = (n: number) => Array.from({ length: n }, (_, i) => `account-number-${i}`);
    const changes = diffSpecs({ accounts: long(4), x: { a: 1 } }, { accounts: long(5), x: 'flat' });
    expect(changes).toEqual([
      { op: 'add', path: 'accounts[4]', after: 'account-number-4' },
      { op: 'change', path: 'x', before: { a: 1 }, after: 'flat' },
    ]);
  });
});
