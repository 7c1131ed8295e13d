import { z } from 'zod';
import { cronProblem, isTimeZone } from './cron.js';

/**
 * An image family, declared as a versioned spec (YAML or JSON). Applying a spec stores a new
 * spec version in the catalog and publishes it; each service takes its slice: the builder the
 * source and build recipe, the replicator the distribution, permissions the sharing, the
 * scanner the maintenance policy.
 */
export const FAMILY_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const familyName = z
  .string()
  .regex(
    FAMILY_NAME,
    'must be 1-63 lowercase letters, digits or dashes, starting with a letter or digit',
  );
export const regionSchema = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'must be an AWS region such as eu-west-1');
const amiId = z.string().regex(/^ami-[0-9a-f]{8,17}$/, 'must be an AMI id such as ami-0abc1234');
export const ACCOUNT_ID = /^\d{12}$/;
/** Formats of the principals an image can be shared with (also used by the permissions API). */
export const ORGANIZATION_ARN = /^arn:aws[\w-]*:organizations::\d{12}:organization\/o-[a-z0-9]+$/;
export const ORGANIZATIONAL_UNIT_ARN =
  /^arn:aws[\w-]*:organizations::\d{12}:ou\/o-[a-z0-9]+\/ou-[a-z0-9-]+$/;
const accountId = z.string().regex(ACCOUNT_ID, 'must be a 12-digit AWS account id');

export const imageFilterSchema = z
  .object({
    owners: z
      .array(z.string().min(1))
      .min(
        1,
        'owners is required: name the account ids or aliases (amazon, aws-marketplace, self) you trust',
      ),
    filters: z
      .array(
        z.object({ name: z.string().min(1), values: z.array(z.string().min(1)).min(1) }).strict(),
      )
      .min(1),
    mostRecent: z
      .literal(true, 'mostRecent must be true: a filter must pick exactly one image')
      .default(true),
  })
  .strict();

/** Exactly one of: an AMI id, a DescribeImages filter, an SSM parameter, or another family's channel. */
export const sourceSchema = z
  .object({
    amiId: amiId.optional(),
    region: regionSchema.optional(),
    filter: imageFilterSchema.optional(),
    ssmParameter: z
      .string()
      .regex(/^\/[\w./-]+$/, 'must be an SSM parameter path such as /aws/service/...')
      .optional(),
    family: z
      .object({ name: familyName, channel: z.string().min(1).default('prod') })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((source, ctx) => {
    const kinds = (['amiId', 'filter', 'ssmParameter', 'family'] as const).filter(
      (k) => source[k] !== undefined,
    );
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? 'give one of amiId, filter, ssmParameter or family'
            : `give only one of ${kinds.join(', ')}`,
      });
    }
    if (source.region !== undefined && source.amiId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['region'], message: 'region goes with amiId only' });
    }
  });

export const blockDeviceSchema = z
  .object({
    deviceName: z.string().regex(/^\/dev\/[a-z0-9]+$/, 'must be a device name such as /dev/xvda'),
    volumeSize: z.number().int().min(1).max(16384).optional(),
    volumeType: z.enum(['gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1', 'standard']).default('gp3'),
    iops: z.number().int().positive().optional(),
    throughput: z.number().int().positive().optional(),
    encrypted: z.boolean().default(true),
    kmsKeyId: z.string().min(1).optional(),
    deleteOnTermination: z.boolean().default(true),
  })
  .strict();

export const buildRecipeSchema = z
  .object({
    region: regionSchema,
    instanceType: z
      .string()
      .regex(/^[a-z0-9-]+\.[a-z0-9]+$/, 'must be an instance type such as t3.micro')
      .default('t3.micro'),
    subnetId: z
      .string()
      .regex(/^subnet-[0-9a-f]+$/)
      .optional(),
    securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/)).default([]),
    instanceProfile: z.string().min(1).optional(),
    customisation: z
      .object({
        steps: z
          .array(z.object({ name: z.string().min(1), run: z.string().min(1) }).strict())
          .default([]),
        userData: z.string().optional(),
        timeoutMinutes: z.number().int().min(1).max(720).default(60),
      })
      .strict()
      .default({ steps: [], timeoutMinutes: 60 }),
    launchBlockDeviceMappings: z.array(blockDeviceSchema).default([]),
    imageBlockDeviceMappings: z.array(blockDeviceSchema).default([]),
    imdsv2Required: z.boolean().default(true),
    testLaunch: z
      .object({
        enabled: z.boolean().default(true),
        instanceType: z.string().optional(),
        timeoutMinutes: z.number().int().min(1).max(120).default(15),
      })
      .strict()
      .default({ enabled: true, timeoutMinutes: 15 }),
    /**
     * Checks run through SSM on the test instance once its status checks pass, in order; a
     * failing one fails the build and the image is removed. Optional: older specs stay valid.
     */
    testSteps: z
      .array(z.object({ name: z.string().min(1), run: z.string().min(1) }).strict())
      .max(50)
      .optional(),
  })
  .strict();

const channelName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a channel name such as prod');
const uniqueRegions = z
  .array(regionSchema)
  .min(1)
  .refine((r) => new Set(r).size === r.length, 'regions must not repeat');

/** The placeholders an SSM parameter name template may use. */
export const SSM_NAME_PLACEHOLDERS = ['{family}', '{channel}', '{region}'] as const;

/**
 * An SSM parameter that holds the AMI id a channel points to, in each region (EC2 Image
 * Builder's "SSM parameter" distribution). Written with data type aws:ec2:image, so EC2
 * checks the id, on every channel move.
 */
export const ssmParameterTargetSchema = z
  .object({
    /** A name template: `/images/{family}/{channel}` (the default) becomes /images/web-base/prod. */
    name: z
      .string()
      .max(900)
      .regex(
        /^\/[\w./{}-]+$/,
        'must be an SSM parameter path such as /images/{family}/{channel}; letters, digits, . _ - / and the placeholders {family} {channel} {region}',
      )
      .refine(
        (name) => !/\{(?!family\}|channel\}|region\})/.test(name),
        'the only placeholders are {family}, {channel} and {region}',
      )
      .default('/images/{family}/{channel}'),
    /** The channels written; absent: every channel of the family. */
    channels: z.array(channelName).min(1).optional(),
    /** The regions written; absent: every region of distribution.regions. */
    regions: uniqueRegions.optional(),
  })
  .strict();

/**
 * A launch template that gets a new version with the channel's AMI id on every move, in one
 * region (by id or by name), made its default version unless told otherwise.
 */
export const launchTemplateTargetSchema = z
  .object({
    region: regionSchema,
    channel: channelName.default('prod'),
    launchTemplateId: z
      .string()
      .regex(/^lt-[0-9a-f]+$/, 'must be a launch template id such as lt-0abc1234')
      .optional(),
    launchTemplateName: z
      .string()
      .regex(/^[\w().\/-]{3,128}$/, 'must be a launch template name (3-128 characters)')
      .optional(),
    setDefaultVersion: z.boolean().default(true),
  })
  .strict()
  .superRefine((t, ctx) => {
    if ((t.launchTemplateId === undefined) === (t.launchTemplateName === undefined))
      ctx.addIssue({ code: 'custom', message: 'give one of launchTemplateId, launchTemplateName' });
  });

export const distributionTargetsSchema = z
  .object({
    ssmParameters: z.array(ssmParameterTargetSchema).max(20).default([]),
    launchTemplates: z.array(launchTemplateTargetSchema).max(100).default([]),
  })
  .strict();

/**
 * An account that gets owned copies (EC2 Image Builder's "AMI distribution to other
 * accounts"): the source image is shared with it, the role is assumed there, and the copy
 * is made inside it, in each region.
 */
export const distributionAccountSchema = z
  .object({
    accountId: accountId,
    /** The role the replicator assumes in the account (arn:aws:iam::<account>:role/<roleName>). */
    roleName: z
      .string()
      .regex(/^[\w+=,.@\/-]{1,64}$/, 'must be an IAM role name')
      .default('ami-factory-distribution'),
    /** The regions it gets copies in; absent: every region of distribution.regions. */
    regions: uniqueRegions.optional(),
  })
  .strict();

export const distributionSchema = z
  .object({
    regions: uniqueRegions,
    kmsKeys: z.record(regionSchema, z.string().min(1)).default({}),
    targets: distributionTargetsSchema.default({ ssmParameters: [], launchTemplates: [] }),
    accounts: z.array(distributionAccountSchema).max(100).default([]),
  })
  .strict()
  .superRefine((d, ctx) => checkDistribution(d, ctx));

function checkDistribution(
  d: {
    regions: string[];
    targets: z.infer<typeof distributionTargetsSchema>;
    accounts: Array<z.infer<typeof distributionAccountSchema>>;
  },
  ctx: z.RefinementCtx,
): void {
  const outside = (regions: string[] | undefined, path: Array<string | number>) => {
    for (const region of regions ?? [])
      if (!d.regions.includes(region))
        ctx.addIssue({
          code: 'custom',
          path,
          message: `region ${region} is not in distribution.regions`,
        });
  };
  d.targets.ssmParameters.forEach((p, i) => {
    const path = ['targets', 'ssmParameters', i];
    outside(p.regions, [...path, 'regions']);
    if (!p.name.includes('{channel}') && (p.channels?.length ?? 2) > 1)
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'name'],
        message: 'name must contain {channel} unless channels names exactly one channel',
      });
  });
  const seenTemplates = new Set<string>();
  d.targets.launchTemplates.forEach((t, i) => {
    const path = ['targets', 'launchTemplates', i];
    outside([t.region], [...path, 'region']);
    const key = `${t.region}/${t.launchTemplateId ?? t.launchTemplateName}`;
    if (seenTemplates.has(key))
      ctx.addIssue({
        code: 'custom',
        path,
        message: `launch template ${key} is named twice; one channel writes a template`,
      });
    seenTemplates.add(key);
  });
  const seenAccounts = new Set<string>();
  d.accounts.forEach((a, i) => {
    outside(a.regions, ['accounts', i, 'regions']);
    if (seenAccounts.has(a.accountId))
      ctx.addIssue({
        code: 'custom',
        path: ['accounts', i, 'accountId'],
        message: `account ${a.accountId} is named twice`,
      });
    seenAccounts.add(a.accountId);
  });
}

export const sharingSchema = z
  .object({
    accounts: z.array(accountId).max(1000).default([]),
    organizationArns: z
      .array(z.string().regex(ORGANIZATION_ARN, 'must be an organization ARN'))
      .max(25)
      .default([]),
    organizationalUnitArns: z
      .array(z.string().regex(ORGANIZATIONAL_UNIT_ARN, 'must be an OU ARN'))
      .max(25)
      .default([]),
    public: z.boolean().default(false),
    /** What a reconcile does with drift: repair it (default) or only report it. Public grants made outside the platform are removed in either mode. */
    mode: z.enum(['repair', 'report-only']).default('repair'),
    /** Whether deprecated or disabled versions are still newly shared (by default they keep what they have, nothing is added). */
    shareDeprecated: z.boolean().default(false),
  })
  .strict();

/**
 * When the maintenance scanner looks at a family: a cron expression (five fields, or six with
 * seconds) in an IANA time zone, parsed by cron-parser. Absent: the platform's default
 * (MAINTENANCE_DEFAULT_SCHEDULE, MAINTENANCE_DEFAULT_TIMEZONE).
 */
export const maintenanceScheduleSchema = z
  .object({
    cron: z
      .string()
      .min(1)
      .superRefine((cron, ctx) => {
        const problem = cronProblem(cron);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    timezone: z
      .string()
      .min(1)
      .default('UTC')
      .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin or UTC'),
  })
  .strict();

export const maintenanceSchema = z
  .object({
    schedule: maintenanceScheduleSchema.optional(),
    /**
     * Once a rebuild the scanner asked for has succeeded (its test launch passed) and its copies
     * exist, move this channel to it, so that the families built from this one follow.
     */
    promoteAfterRebuild: z
      .object({ channel: channelName.default('prod') })
      .strict()
      .optional(),
    maxAgeDays: z.number().int().min(1).optional(),
    rebuildOnSourceChange: z.boolean().default(true),
    /** Retention: the newest versions that are always kept. */
    keepLatest: z.number().int().min(1).default(3),
    /** Every version a channel points to, or pointed to within this many days, is kept (for rollback). */
    channelWindowDays: z.number().min(0).default(14),
    /**
     * Days after a version stops being kept until it is deprecated in every copy
     * (EnableImageDeprecation at that time). Fractions are allowed (0.5 is twelve hours).
     * Absent: retention only reports; nothing is deprecated, disabled or retired.
     */
    deprecateAfterDays: z.number().min(0).optional(),
    /** Optional: days after a version stops being kept until it is disabled (DisableImage; one restore call brings it back). */
    disableAfterDays: z.number().min(0).optional(),
    /** Days after a version stops being kept until it is deregistered and its snapshots deleted. Absent: never retired. */
    retireAfterDays: z.number().min(0).optional(),
    /** At most this many versions are retired (deregistered) by one retention run; the rest wait for the next. */
    perRunCap: z.number().int().min(1).default(10),
    /** `report-only`: retention plans are computed and reported, never carried out by the schedule. */
    retentionMode: z.enum(['enforce', 'report-only']).default('enforce'),
  })
  .strict();

export const familySpecSchema = z
  .object({
    name: familyName,
    description: z.string().max(1000).default(''),
    owner: z.string().min(1),
    source: sourceSchema,
    build: buildRecipeSchema.optional(),
    distribution: distributionSchema.optional(),
    sharing: sharingSchema.default({
      accounts: [],
      organizationArns: [],
      organizationalUnitArns: [],
      public: false,
      mode: 'repair',
      shareDeprecated: false,
    }),
    maintenance: maintenanceSchema.default({
      rebuildOnSourceChange: true,
      keepLatest: 3,
      channelWindowDays: 14,
      perRunCap: 10,
      retentionMode: 'enforce',
    }),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.source.family?.name === spec.name) {
      ctx.addIssue({
        code: 'custom',
        path: ['source', 'family', 'name'],
        message: 'a family cannot be its own source',
      });
    }
    for (const problem of retentionProblems(spec.maintenance)) ctx.addIssue(problem);
    for (const region of Object.keys(spec.distribution?.kmsKeys ?? {})) {
      if (!spec.distribution!.regions.includes(region)) {
        ctx.addIssue({
          code: 'custom',
          path: ['distribution', 'kmsKeys', region],
          message: `region ${region} is not in distribution.regions`,
        });
      }
    }
  });

/** The retention stages come in order: deprecate, then disable, then retire. */
function retentionProblems(m: z.output<typeof maintenanceSchema>) {
  const problems: { code: 'custom'; path: string[]; message: string }[] = [];
  const deprecate = m.deprecateAfterDays;
  const stages = [
    ['disableAfterDays', m.disableAfterDays],
    ['retireAfterDays', m.retireAfterDays],
  ] as const;
  for (const [name, days] of stages) {
    if (days === undefined) continue;
    if (deprecate === undefined)
      problems.push({
        code: 'custom',
        path: ['maintenance', name],
        message:
          'needs deprecateAfterDays: a version is deprecated before it is disabled or retired',
      });
    else if (days < deprecate)
      problems.push({
        code: 'custom',
        path: ['maintenance', name],
        message: 'must not be before deprecateAfterDays',
      });
  }
  const disable = m.disableAfterDays;
  if (disable !== undefined && m.retireAfterDays !== undefined && m.retireAfterDays < disable)
    problems.push({
      code: 'custom',
      path: ['maintenance', 'retireAfterDays'],
      message: 'must not be before disableAfterDays',
    });
  return problems;
}

/** A spec as written by a person (defaults not yet applied). */
export type FamilySpecInput = z.input<typeof familySpecSchema>;
/** A validated spec, defaults applied. */
export type FamilySpec = z.output<typeof familySpecSchema>;
export type ImageSource = FamilySpec['source'];
export type BuildRecipe = NonNullable<FamilySpec['build']>;
export type SharingSpec = FamilySpec['sharing'];
export type DistributionSpec = NonNullable<FamilySpec['distribution']>;
export type DistributionTargets = DistributionSpec['targets'];
export type SsmParameterTarget = DistributionTargets['ssmParameters'][number];
export type LaunchTemplateTarget = DistributionTargets['launchTemplates'][number];
export type DistributionAccount = DistributionSpec['accounts'][number];

export interface SpecProblem {
  path: string;
  message: string;
}

/** Validates a spec and lists every problem with its path (e.g. "build.region"). */
export function validateFamilySpec(
  input: unknown,
): { ok: true; spec: FamilySpec } | { ok: false; problems: SpecProblem[] } {
  const result = familySpecSchema.safeParse(input);
  if (result.success) return { ok: true, spec: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({
      path: issue.path.join('.') || '(root)',
      message: issue.message,
    })),
  };
}

/** Where the builder starts from: a human-readable description of a spec's source. */
export function describeSource(source: ImageSource): string {
  if (source.amiId) return `AMI ${source.amiId}`;
  if (source.filter) {
    const filters = source.filter.filters.map((f) => `${f.name}=${f.values.join('|')}`).join(' ');
    return `newest image owned by ${source.filter.owners.join(',')} matching ${filters}`;
  }
  if (source.ssmParameter) return `SSM parameter ${source.ssmParameter}`;
  return `family ${source.family?.name} channel ${source.family?.channel}`;
}
