import { Body, Controller, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentActor, RequireRole } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { ApiAnswers, text } from '@ami/runtime';
import { ec2Region, familyParam } from '../api/catalog-params.js';
import { ImportImages } from './import-images.use-case.js';

// What DescribeImages takes: account ids or aliases, filter names such as name or tag:Team.
const owner = z
  .string()
  .regex(
    /^(\d{12}|self|amazon|aws-marketplace|aws-backup-vault)$/,
    'must be an account id or alias',
  );
const filterName = z
  .string()
  .regex(/^(tag:[^\x00-\x1f\x7f\uFFFD]{1,128}|[a-z][a-z0-9.-]{0,63})$/u, 'must be a filter name');
const filterValue = text({ min: 1, max: 255 }).regex(
  /^[^\x00-\x1f\x7f]*$/,
  'no control characters',
);
const importBody = z
  .object({
    region: ec2Region,
    imageIds: z
      .array(z.string().regex(/^ami-[0-9a-f]{8,17}$/, 'must be an AMI id'))
      .min(1)
      .max(1000)
      .optional(),
    filter: z
      .object({
        owners: z.array(owner).min(1, 'owners is required with a filter').max(100),
        filters: z
          .array(
            z.object({ name: filterName, values: z.array(filterValue).min(1).max(200) }).strict(),
          )
          .min(1)
          .max(50),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((b) => Boolean(b.imageIds) !== Boolean(b.filter), {
    message: 'give exactly one of imageIds or filter',
  });

const importResult = z.object({
  imported: z.array(
    z.object({
      version: z.string(),
      imageId: z.string(),
      ownerType: z.string(),
      rootDeviceType: z.string(),
    }),
  ),
  skipped: z.array(z.string()).meta({ description: 'image ids already in the catalog' }),
  notFound: z.array(z.string()).meta({
    description:
      'image ids asked for that EC2 does not show in the region (a typo, not shared with this account, or too new to be seen yet: import again)',
  }),
});

@ApiTags('imports')
@Controller('v1/families/:family/imports')
export class ImportsHttpController {
  constructor(@Inject(ImportImages) private readonly importImages: ImportImages) {}

  @Post()
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Adopt AMIs built elsewhere (by id or by filter with owners) into a family',
  })
  @ApiAnswers(
    { status: 201, description: 'the images imported or skipped', schema: importResult },
    { 404: 'no such family, or no image matched in the region' },
  )
  import(
    @Param('family', familyParam) family: string,
    @Body({ schema: importBody }) input: z.output<typeof importBody>,
    @CurrentActor() actor: Actor,
  ) {
    return this.importImages.execute({ family, actor: actor.name, ...input });
  }
}
