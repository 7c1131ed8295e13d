import { desiredTargets, launchTemplateSelector, parameterName } from './desired-targets.js';

const distribution = {
  regions: ['eu-west-1', 'us-east-1'],
  targets: {
    ssmParameters: [
      { name: '/images/{family}/{channel}' },
      { name: '/golden/{family}/{region}', channels: ['prod'], regions: ['us-east-1'] },
      { name: '/images/{family}/{channel}', channels: ['prod'] },
    ],
    launchTemplates: [
      {
        region: 'eu-west-1',
        channel: 'prod',
        launchTemplateId: 'lt-0abc',
        setDefaultVersion: true,
      },
      {
        region: 'us-east-1',
        channel: 'dev',
        launchTemplateName: 'fleet',
        setDefaultVersion: false,
      },
    ],
  },
};

describe('desired distribution targets', () => {
  it('fills the name template', () => {
    expect(
      parameterName('/a/{family}/{channel}/{region}/{family}', {
        family: 'web',
        channel: 'prod',
        region: 'eu-west-1',
      }),
    ).toBe('/a/web/prod/eu-west-1/web');
  });

  it('writes every region of a parameter entry for its channels, and each template of the channel', () => {
    expect(desiredTargets('web', 'prod', distribution)).toEqual([
      { kind: 'ssm-parameter', region: 'eu-west-1', target: '/images/web/prod', setDefault: false },
      { kind: 'ssm-parameter', region: 'us-east-1', target: '/images/web/prod', setDefault: false },
      {
        kind: 'ssm-parameter',
        region: 'us-east-1',
        target: '/golden/web/us-east-1',
        setDefault: false,
      },
      { kind: 'launch-template', region: 'eu-west-1', target: 'id:lt-0abc', setDefault: true },
    ]);
  });

  it('leaves out entries limited to other channels', () => {
    expect(desiredTargets('web', 'dev', distribution)).toEqual([
      { kind: 'ssm-parameter', region: 'eu-west-1', target: '/images/web/dev', setDefault: false },
      { kind: 'ssm-parameter', region: 'us-east-1', target: '/images/web/dev', setDefault: false },
      { kind: 'launch-template', region: 'us-east-1', target: 'name:fleet', setDefault: false },
    ]);
    expect(
      desiredTargets('web', 'staging', {
        regions: ['eu-west-1'],
        targets: { ssmParameters: [], launchTemplates: [] },
      }),
    ).toEqual([]);
  });

  it('names a launch template by id or name in EC2 calls', () => {
    expect(launchTemplateSelector('id:lt-0abc')).toEqual({ LaunchTemplateId: 'lt-0abc' });
    expect(launchTemplateSelector('name:fleet')).toEqual({ LaunchTemplateName: 'fleet' });
  });
});
