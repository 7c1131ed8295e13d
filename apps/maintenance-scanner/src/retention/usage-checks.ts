import {
  DescribeImageReferencesCommand,
  DescribeLaunchTemplateVersionsCommand,
} from '@aws-sdk/client-ec2';
import { classifyAwsError, Ec2Gateway } from '@ami/aws';
import type { Use } from './retention-plan.js';

/** Values per filter that EC2 accepts, and image ids per DescribeImageReferences call. */
const VALUES_PER_FILTER = 200;
const REFERENCE_IDS_PER_CALL = 10;
const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

/** Instances only while they may run again (AWS counts terminated ones too unless asked). */
const REFERENCE_TYPES = [
  {
    ResourceType: 'ec2:Instance' as const,
    ResourceTypeOptions: [{ OptionName: 'state-name' as const, OptionValues: LIVE_STATES }],
  },
  { ResourceType: 'ec2:LaunchTemplate' as const },
  { ResourceType: 'ssm:Parameter' as const },
  { ResourceType: 'imagebuilder:ImageRecipe' as const },
  { ResourceType: 'imagebuilder:ContainerRecipe' as const },
];

export interface UsageReport {
  uses: Map<string, Use[]>;
  /** Checks that could not be made; the caller treats every image as used when this is non-empty. */
  unknown: string[];
}

const chunk = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );

/**
 * Where images are used in one account and region, batched: instances not terminated
 * (DescribeInstances filtered by image-id, 200 ids a call), the latest and default version of
 * every launch template (one paginated DescribeLaunchTemplateVersions), and
 * DescribeImageReferences (instances, launch templates, SSM parameters, Image Builder recipes)
 * where EC2 offers it. A check that fails makes the answer unknown, and unknown counts as in
 * use: retention errs towards keeping.
 */
export class UsageChecks {
  constructor(private readonly ec2: Ec2Gateway) {}

  async check(region: string, imageIds: string[], account?: string): Promise<UsageReport> {
    const ids = [...new Set(imageIds)];
    const uses = new Map<string, Use[]>();
    const unknown: string[] = [];
    if (ids.length === 0) return { uses, unknown };
    const options = { account };
    const add = (imageId: string, use: Use) => {
      const list = uses.get(imageId) ?? [];
      if (!list.some((u) => u.kind === use.kind && u.id === use.id)) list.push(use);
      uses.set(imageId, list);
    };
    const wanted = new Set(ids);
    await Promise.all([
      this.guard(unknown, 'instances', async () => {
        for (const batch of chunk(ids, VALUES_PER_FILTER))
          for await (const instance of this.ec2.eachInstance(
            region,
            {
              Filters: [
                { Name: 'image-id', Values: batch },
                { Name: 'instance-state-name', Values: LIVE_STATES },
              ],
            },
            options,
          ))
            if (instance.ImageId && instance.InstanceId)
              add(instance.ImageId, { kind: 'ec2:Instance', id: instance.InstanceId });
      }),
      this.guard(unknown, 'launch templates', async () => {
        let NextToken: string | undefined;
        do {
          const page = await this.ec2.send(
            region,
            new DescribeLaunchTemplateVersionsCommand({
              Versions: ['$Latest', '$Default'],
              MaxResults: 200,
              NextToken,
            }),
            options,
          );
          for (const v of page.LaunchTemplateVersions ?? []) {
            const imageId = v.LaunchTemplateData?.ImageId;
            if (imageId && wanted.has(imageId))
              add(imageId, {
                kind: 'ec2:LaunchTemplate',
                id: v.LaunchTemplateId ?? String(v.LaunchTemplateName),
              });
          }
          NextToken = page.NextToken;
        } while (NextToken);
      }),
      this.references(region, ids, options, add, unknown),
    ]);
    return { uses, unknown };
  }

  /** DescribeImageReferences; a region or account where EC2 does not offer it adds nothing. */
  private async references(
    region: string,
    ids: string[],
    options: { account?: string },
    add: (imageId: string, use: Use) => void,
    unknown: string[],
  ) {
    await this.guard(unknown, 'image references', async () => {
      for (const batch of chunk(ids, REFERENCE_IDS_PER_CALL)) {
        let NextToken: string | undefined;
        do {
          const page = await this.ec2
            .send(
              region,
              new DescribeImageReferencesCommand({
                ImageIds: batch,
                ResourceTypes: REFERENCE_TYPES,
                NextToken,
              }),
              options,
            )
            .catch((error: unknown) => {
              if (notOffered(error)) return null;
              throw error;
            });
          if (page === null) return;
          for (const ref of page.ImageReferences ?? [])
            if (ref.ImageId && ref.Arn)
              add(ref.ImageId, { kind: ref.ResourceType ?? 'unknown', id: shortId(ref.Arn) });
          NextToken = page.NextToken;
        } while (NextToken);
      }
    });
  }

  private async guard(unknown: string[], what: string, check: () => Promise<void>) {
    try {
      await check();
    } catch (error) {
      unknown.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** EC2 answers these where an action is not available (an older partition, an emulator). */
function notOffered(error: unknown): boolean {
  const { code } = classifyAwsError(error);
  return [
    'InvalidAction',
    'UnsupportedOperation',
    'NotImplemented',
    'UnknownOperationException',
  ].includes(code);
}

/** The resource id from an ARN (instance/i-123 -> i-123, parameter/x -> x). */
function shortId(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  const slash = resource.indexOf('/');
  return slash === -1 ? resource : resource.slice(slash + 1);
}
