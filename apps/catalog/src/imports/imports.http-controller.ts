import { Body, Controller, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentActor, RequireRole } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { parseInput } from '@ami/runtime';
import { ImportImages } from './import-images.use-case.js';

const importBody = z
  .object({
    region: z.string().min(1),
    imageIds: z
      .array(z.string().regex(/^ami-[0-9a-f]+$/, 'must be an AMI id'))
      .min(1)
      .max(1000)
      .optional(),
    filter: z
      .object({
        owners: z.array(z.string().min(1)).min(1, 'owners is required with a filter'),
        filters: z
          .array(
            z
              .object({ name: z.string().min(1), values: z.array(z.string().min(1)).min(1) })
              .strict(),
          )
          .min(1),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((b) => Boolean(b.imageIds) !== Boolean(b.filter), {
    message: 'give exactly one of imageIds or filter',
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
  import(@Param('family') family: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.importImages.execute({
      family,
      actor: actor.name,
      ...parseInput(importBody, body),
    });
  }
}
