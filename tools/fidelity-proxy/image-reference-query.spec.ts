import type { Params } from './ec2-request.js';
import {
  DEFAULT_VERSION_DEPTH,
  INSTANCE_STATES,
  imageReferencesXml,
  instanceArn,
  launchTemplateArn,
  parameterArn,
  parseImageReferenceQuery,
  terminatedLongAgo,
  versionWindow,
  type ImageReferenceQuery,
  type QueryError,
} from './image-reference-query.js';
import { readXml } from './xml.js';

const scope = { account: '123456789012', region: 'eu-west-1' };
const ok = (params: Params) => parseImageReferenceQuery(params) as ImageReferenceQuery;
const failed = (params: Params) => parseImageReferenceQuery(params) as QueryError;

describe('parseImageReferenceQuery', () => {
  it('checks every resource type with the documented defaults for IncludeAllResourceTypes', () => {
    expect(
      ok([
        ['ImageId.1', 'ami-1'],
        ['IncludeAllResourceTypes', 'true'],
      ]),
    ).toEqual({
      imageIds: ['ami-1'],
      instanceStates: [...INSTANCE_STATES],
      versionDepth: DEFAULT_VERSION_DEPTH,
      ssmParameters: true,
      imageBuilder: true,
    });
  });

  it('checks only the resource types asked for, with their options', () => {
    const query = ok([
      ['ImageId.1', 'ami-1'],
      ['ImageId.2', 'ami-2'],
      ['ResourceType.1.ResourceType', 'ec2:Instance'],
      ['ResourceType.1.ResourceTypeOption.1.OptionName', 'state-name'],
      ['ResourceType.1.ResourceTypeOption.1.OptionValue.1', 'running'],
      ['ResourceType.1.ResourceTypeOption.1.OptionValue.2', 'stopped'],
      ['ResourceType.2.ResourceType', 'ec2:LaunchTemplate'],
      ['ResourceType.2.ResourceTypeOption.1.OptionName', 'version-depth'],
      ['ResourceType.2.ResourceTypeOption.1.OptionValue.1', '1'],
      ['MaxResults', '5'],
    ]);
    expect(query).toEqual({
      imageIds: ['ami-1', 'ami-2'],
      instanceStates: ['running', 'stopped'],
      versionDepth: 1,
      ssmParameters: false,
      imageBuilder: false,
      maxResults: 5,
    });
  });

  it('lets ResourceTypes options override the IncludeAllResourceTypes defaults', () => {
    const query = ok([
      ['ImageId.1', 'ami-1'],
      ['IncludeAllResourceTypes', 'true'],
      ['ResourceType.1.ResourceType', 'ec2:LaunchTemplate'],
      ['ResourceType.1.ResourceTypeOption.1.OptionName', 'version-depth'],
      ['ResourceType.1.ResourceTypeOption.1.OptionValue.1', '3'],
    ]);
    expect(query.versionDepth).toBe(3);
    expect(query.instanceStates).toEqual([...INSTANCE_STATES]);
    expect(query.ssmParameters).toBe(true);
  });

  it('refuses requests EC2 refuses', () => {
    expect(failed([['IncludeAllResourceTypes', 'true']]).code).toBe('MissingParameter');
    expect(failed([['ImageId.1', 'ami-1']]).message).toMatch(
      /IncludeAllResourceTypes or ResourceTypes/,
    );
    const eleven = Array.from({ length: 11 }, (_, i): [string, string] => [
      `ImageId.${i + 1}`,
      `ami-${i}`,
    ]);
    expect(failed([...eleven, ['IncludeAllResourceTypes', 'true']]).code).toBe(
      'InvalidParameterValue',
    );
    const withType = (type: string, option?: [string, string]): Params => [
      ['ImageId.1', 'ami-1'],
      ['ResourceType.1.ResourceType', type],
      ...(option
        ? ([
            ['ResourceType.1.ResourceTypeOption.1.OptionName', option[0]],
            ['ResourceType.1.ResourceTypeOption.1.OptionValue.1', option[1]],
          ] as Params)
        : []),
    ];
    expect(failed(withType('ec2:Volume')).code).toBe('InvalidParameterValue');
    expect(failed(withType('ec2:Instance', ['state-name', 'asleep'])).code).toBe(
      'InvalidParameterValue',
    );
    expect(failed(withType('ec2:Instance', ['version-depth', '2'])).code).toBe(
      'InvalidParameterValue',
    );
    expect(failed(withType('ec2:LaunchTemplate', ['version-depth', '0'])).code).toBe(
      'InvalidParameterValue',
    );
    expect(failed(withType('ec2:LaunchTemplate', ['version-depth', '10001'])).code).toBe(
      'InvalidParameterValue',
    );
    expect(failed([...withType('ssm:Parameter'), ['MaxResults', '4']]).code).toBe(
      'InvalidParameterValue',
    );
  });
});

describe('image reference ARNs', () => {
  it('names instances, launch templates and parameters as AWS does', () => {
    expect(instanceArn(scope, 'i-0abc')).toBe('arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc');
    expect(launchTemplateArn(scope, 'lt-0abc')).toBe(
      'arn:aws:ec2:eu-west-1:123456789012:launch-template/lt-0abc',
    );
    expect(parameterArn(scope, '/golden/web')).toBe(
      'arn:aws:ssm:eu-west-1:123456789012:parameter/golden/web',
    );
    expect(parameterArn(scope, 'golden-web')).toBe(
      'arn:aws:ssm:eu-west-1:123456789012:parameter/golden-web',
    );
  });
});

describe('versionWindow', () => {
  it('covers the newest versions, never below version 1', () => {
    expect(versionWindow(12, 10)).toEqual({ minVersion: 3, maxVersion: 12 });
    expect(versionWindow(3, 10)).toEqual({ minVersion: 1, maxVersion: 3 });
    expect(versionWindow(5, 1)).toEqual({ minVersion: 5, maxVersion: 5 });
  });
});

describe('terminatedLongAgo', () => {
  const at = Date.parse('2026-01-02T10:00:00Z');
  it('forgets an instance terminated more than an hour ago, as EC2 does', () => {
    const reason = 'User initiated (2026-01-02 10:00:00 UTC)';
    expect(terminatedLongAgo(reason, at + 59 * 60_000)).toBe(false);
    expect(terminatedLongAgo(reason, at + 61 * 60_000)).toBe(true);
    expect(terminatedLongAgo('User initiated (2026-01-02 10:00:00 GMT)', at + 2 * 3_600_000)).toBe(
      true,
    );
  });
  it('keeps an instance whose termination time cannot be read', () => {
    expect(terminatedLongAgo(undefined, at)).toBe(false);
    expect(terminatedLongAgo('', at)).toBe(false);
  });
});

describe('imageReferencesXml', () => {
  it('writes the items and the token the SDK reads', () => {
    const xml = `<R>${imageReferencesXml(
      [
        {
          imageId: 'ami-1',
          resourceType: 'ssm:Parameter',
          arn: 'arn:aws:ssm:eu-west-1:1:parameter/a&b',
        },
      ],
      'tok',
    )}</R>`;
    expect(readXml(xml)).toEqual({
      R: {
        imageReferenceSet: {
          item: [
            {
              imageId: 'ami-1',
              resourceType: 'ssm:Parameter',
              arn: 'arn:aws:ssm:eu-west-1:1:parameter/a&b',
            },
          ],
        },
        nextToken: 'tok',
      },
    });
    expect(imageReferencesXml([])).toBe('<imageReferenceSet></imageReferenceSet>');
  });
});
