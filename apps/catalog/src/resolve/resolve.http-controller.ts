import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiAnswers } from '@ami/runtime';
import { channelName, familyParam, region } from '../api/catalog-params.js';
import { ResolveService } from './resolve.service.js';

const resolveQuery = z.object({
  region,
  channel: channelName
    .default('prod')
    .meta({ description: 'a channel, or "latest" for the newest launchable version' }),
});

const resolvedSchema = z.object({
  family: z.string(),
  channel: z.string(),
  region: z.string(),
  version: z.string(),
  imageId: z.string(),
  state: z.enum(['available', 'deprecated']),
});

@ApiTags('resolve')
@Controller('v1/families/:family/resolve')
export class ResolveHttpController {
  constructor(@Inject(ResolveService) private readonly resolver: ResolveService) {}

  /** The hot path: answered synchronously from the cache when it can be. */
  @Get()
  @ApiOperation({ summary: 'Which AMI: family + channel (or "latest") + region -> image id' })
  @ApiAnswers(
    { description: 'the image to launch', schema: resolvedSchema },
    { 404: 'no such family or channel, or no launchable image in the region' },
  )
  resolve(
    @Param('family', familyParam) family: string,
    @Query({ schema: resolveQuery }) query: z.output<typeof resolveQuery>,
  ) {
    return this.resolver.resolve(family, query.channel, query.region);
  }
}
