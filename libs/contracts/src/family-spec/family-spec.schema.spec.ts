import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { validateFamilySpec } from './family-spec.schema.js';

const example = (name: string) =>
  parse(
    readFileSync(new URL(`../../../../examples/families/${name}.yaml`, import.meta.url), 'utf8'),
  );

describe('family spec validation', () => {
  it('accepts the example families and applies defaults', () => {
    const base = validateFamilySpec(example('base-al2023'));
    expect(base.ok).toBe(true);
    if (base.ok) {
      expect(base.spec.sharing.public).toBe(false);
      expect(base.spec.build?.launchBlockDeviceMappings[0]).toMatchObject({
        deleteOnTermination: true,
        encrypted: true,
      });
    }
    const web = validateFamilySpec(example('web-base'));
    expect(web.ok).toBe(true);
    if (web.ok) expect(web.spec.source.family).toEqual({ name: 'base-al2023', channel: 'prod' });
  });

  it('lists every problem with its path', () => {
    const result = validateFamilySpec({
      name: 'Web Base',
      owner: 'x',
      source: { amiId: 'ami-0123456789abcdef0', ssmParameter: '/aws/x' },
      build: {
        region: 'middle-earth',
        instanceType: 't3.micro',
        customisation: { steps: [{ name: 'x' }] },
      },
      distribution: { regions: ['eu-west-1', 'eu-west-1'], kmsKeys: { 'us-east-1': 'arn:k' } },
      sharing: { accounts: ['123'] },
      maintenance: { deprecateAfterDays: 30, retireAfterDays: 10 },
      colour: 'blue',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'name',
        'source',
        'build.region',
        'build.customisation.steps.0.run',
        'distribution.regions',
        'sharing.accounts.0',
        '(root)',
      ]),
    );
    expect(result.problems.find((p) => p.path === 'source')?.message).toBe(
      'give only one of amiId, ssmParameter',
    );
    expect(result.problems.find((p) => p.path === '(root)')?.message).toMatch(/colour/);
  });

  it('rejects a filter source without owners and a family that is its own source', () => {
    const noOwners = validateFamilySpec({
      name: 'a',
      owner: 'o',
      source: { filter: { owners: [], filters: [{ name: 'name', values: ['x*'] }] } },
    });
    expect(noOwners.ok || noOwners.problems.map((p) => p.path)).toContain('source.filter.owners');
    const selfish = validateFamilySpec({
      name: 'a',
      owner: 'o',
      source: { family: { name: 'a' } },
    });
    expect(selfish.ok || selfish.problems).toEqual([
      { path: 'source.family.name', message: 'a family cannot be its own source' },
    ]);
  });
});
