import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppError } from '@ami/runtime';
import { ResolveService } from './resolve.service.js';

@ApiTags('resolve')
@Controller('v1/families/:family/resolve')
export class ResolveHttpController {
  constructor(@Inject(ResolveService) private readonly resolver: ResolveService) {}

  /** The hot path: answered synchronously from the cache when it can be. */
  @Get()
  @ApiOperation({ summary: 'Which AMI: family + channel (or "latest") + region -> image id' })
  resolve(
    @Param('family') family: string,
    @Query('region') region?: string,
    @Query('channel') channel = 'prod',
  ) {
    if (!region)
      throw AppError.invalid('region is required', [
        { path: 'region', message: 'required, e.g. eu-west-1' },
      ]);
    return this.resolver.resolve(family, channel, region);
  }
}
