import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { LineageService } from './lineage.service.js';

@ApiTags('lineage')
@Controller('v1')
export class LineageHttpController {
  constructor(@Inject(LineageService) private readonly lineage: LineageService) {}

  @Get('families/:family/versions/:version/lineage')
  @ApiOperation({ summary: 'Ancestors up to the root source AMI, and descendants' })
  get(@Param('family') family: string, @Param('version') version: string) {
    return this.lineage.lineage(family, version);
  }

  @Get('lineage/outdated')
  @ApiOperation({
    summary:
      'Child families whose parent channel now points at a newer version than they were built from',
  })
  async outdated(@Query('parent') parent?: string) {
    return { items: await this.lineage.outdated(parent) };
  }
}
