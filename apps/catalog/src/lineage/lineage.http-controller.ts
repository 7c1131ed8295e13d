import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiAnswers, listOf, timestamp } from '@ami/runtime';
import { familyName, familyParam, versionParam } from '../api/catalog-params.js';
import { LineageService } from './lineage.service.js';

const lineageNode = z.object({
  family: z.string(),
  version: z.string(),
  sourceImageId: z.string().nullable(),
  sourceRegion: z.string().nullable(),
  createdAt: timestamp,
});
const lineageSchema = z.object({
  version: lineageNode,
  ancestors: z.array(lineageNode),
  rootSourceImageId: z.string().nullable(),
  descendants: z.array(
    lineageNode.extend({
      parent: z.object({ family: z.string(), version: z.string() }),
      depth: z.number().int(),
    }),
  ),
});
const outdatedList = listOf(
  z.object({
    family: z.string(),
    parentFamily: z.string(),
    parentChannel: z.string(),
    builtFromParentVersion: z.string().nullable(),
    parentChannelVersion: z.string(),
    latestVersion: z.string().nullable(),
  }),
);
const outdatedQuery = z.object({ parent: familyName.optional() });

@ApiTags('lineage')
@Controller('v1')
export class LineageHttpController {
  constructor(@Inject(LineageService) private readonly lineage: LineageService) {}

  @Get('families/:family/versions/:version/lineage')
  @ApiOperation({ summary: 'Ancestors up to the root source AMI, and descendants' })
  @ApiAnswers(
    { description: 'the lineage', schema: lineageSchema },
    { 404: 'no such family or version' },
  )
  get(
    @Param('family', familyParam) family: string,
    @Param('version', versionParam) version: string,
  ) {
    return this.lineage.lineage(family, version);
  }

  @Get('lineage/outdated')
  @ApiOperation({
    summary:
      'Child families whose parent channel now points at a newer version than they were built from',
  })
  @ApiAnswers({ description: 'the outdated child families', schema: outdatedList })
  async outdated(@Query({ schema: outdatedQuery }) query: z.output<typeof outdatedQuery>) {
    return { items: await this.lineage.outdated(query.parent) };
  }
}
