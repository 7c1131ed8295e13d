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

describe('distribution targets and accounts', () => {
  const base = {
    name: 'web',
    owner: 'o',
    source: { amiId: 'ami-0123456789abcdef0' },
  };

  it('keeps old specs valid and defaults the targets to none', () => {
    const result = validateFamilySpec({ ...base, distribution: { regions: ['eu-west-1'] } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec.distribution?.targets).toEqual({ ssmParameters: [], launchTemplates: [] });
    expect(result.spec.distribution?.accounts).toEqual([]);
  });

  it('applies the defaults of SSM parameters, launch templates and accounts', () => {
    const result = validateFamilySpec({
      ...base,
      distribution: {
        regions: ['eu-west-1', 'us-east-1'],
        targets: {
          ssmParameters: [{}],
          launchTemplates: [{ region: 'eu-west-1', launchTemplateName: 'web-fleet' }],
        },
        accounts: [{ accountId: '210987654321' }],
      },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec.distribution?.targets.ssmParameters).toEqual([
      { name: '/images/{family}/{channel}' },
    ]);
    expect(result.spec.distribution?.targets.launchTemplates).toEqual([
      {
        region: 'eu-west-1',
        channel: 'prod',
        launchTemplateName: 'web-fleet',
        setDefaultVersion: true,
      },
    ]);
    expect(result.spec.distribution?.accounts).toEqual([
      { accountId: '210987654321', roleName: 'ami-factory-distribution' },
    ]);
  });

  it('names each mistake in targets and accounts', () => {
    const result = validateFamilySpec({
      ...base,
      distribution: {
        regions: ['eu-west-1'],
        targets: {
          ssmParameters: [
            { name: '/images/{family}/latest' },
            { name: '/images/{owner}/{channel}' },
            { name: '/x/{channel}', regions: ['us-west-2'] },
          ],
          launchTemplates: [
            { region: 'eu-west-1' },
            { region: 'eu-west-1', launchTemplateId: 'lt-0abc', channel: 'prod' },
            { region: 'eu-west-1', launchTemplateId: 'lt-0abc', channel: 'dev' },
          ],
        },
        accounts: [
          { accountId: '210987654321', regions: ['ap-south-1'] },
          { accountId: '210987654321' },
        ],
      },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byPath = Object.fromEntries(result.problems.map((p) => [p.path, p.message]));
    expect(byPath['distribution.targets.ssmParameters.0.name']).toMatch(/must contain \{channel\}/);
    expect(byPath['distribution.targets.ssmParameters.1.name']).toMatch(/only placeholders/);
    expect(byPath['distribution.targets.ssmParameters.2.regions']).toMatch(
      /us-west-2 is not in distribution.regions/,
    );
    expect(byPath['distribution.targets.launchTemplates.0']).toMatch(/one of launchTemplateId/);
    expect(byPath['distribution.targets.launchTemplates.2']).toMatch(/named twice/);
    expect(byPath['distribution.accounts.0.regions']).toMatch(/ap-south-1/);
    expect(byPath['distribution.accounts.1.accountId']).toMatch(/named twice/);
  });

  it('lets a single-channel parameter name leave out {channel}', () => {
    const result = validateFamilySpec({
      ...base,
      distribution: {
        regions: ['eu-west-1'],
        targets: { ssmParameters: [{ name: '/golden/web', channels: ['prod'] }] },
      },
    });
    expect(result.ok).toBe(true);
  });

  it('takes retention stages in order (deprecate, disable, retire) and refuses them out of order', () => {
    const spec = (maintenance: object) =>
      validateFamilySpec({
        name: 'web',
        owner: 'x',
        source: { amiId: 'ami-0123456789abcdef0' },
        maintenance,
      });
    const good = spec({
      keepLatest: 2,
      deprecateAfterDays: 0,
      disableAfterDays: 0.5,
      retireAfterDays: 7,
    });
    expect(good.ok && good.spec.maintenance).toMatchObject({
      channelWindowDays: 14,
      retentionMode: 'enforce',
      perRunCap: 10,
    });
    const noDeprecation = spec({ retireAfterDays: 7 });
    expect(!noDeprecation.ok && noDeprecation.problems).toEqual([
      {
        path: 'maintenance.retireAfterDays',
        message: expect.stringContaining('needs deprecateAfterDays'),
      },
    ]);
    const backwards = spec({ deprecateAfterDays: 5, disableAfterDays: 10, retireAfterDays: 8 });
    expect(!backwards.ok && backwards.problems).toEqual([
      { path: 'maintenance.retireAfterDays', message: 'must not be before disableAfterDays' },
    ]);
    expect(spec({ retentionMode: 'delete-everything' }).ok).toBe(false);
  });

  it('takes a maintenance schedule as a cron expression in a time zone, and says what is wrong with a bad one', () => {
    const spec = (schedule: unknown) => ({
      name: 'web',
      owner: 'x',
      source: { ssmParameter: '/aws/x' },
      maintenance: { schedule, promoteAfterRebuild: {} },
    });
    const good = validateFamilySpec(spec({ cron: '30 2 * * 1', timezone: 'Europe/Berlin' }));
    expect(good.ok).toBe(true);
    if (good.ok) expect(good.spec.maintenance.promoteAfterRebuild).toEqual({ channel: 'prod' });
    const utc = validateFamilySpec(spec({ cron: '0 3 * * *' }));
    expect(utc.ok && utc.spec.maintenance.schedule?.timezone).toBe('UTC');
    const bad = validateFamilySpec(spec({ cron: '61 * * * *', timezone: 'Mars/Olympus' }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.problems).toEqual([
        {
          path: 'maintenance.schedule.cron',
          message: expect.stringContaining('is not a cron expression'),
        },
        {
          path: 'maintenance.schedule.timezone',
          message: expect.stringContaining('IANA time zone'),
        },
      ]);
    }
    const short = validateFamilySpec(spec({ cron: '* *' }));
    expect(!short.ok && short.problems[0]?.message).toContain('5 fields');
  });
});
