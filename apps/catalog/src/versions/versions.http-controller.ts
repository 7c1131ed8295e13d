import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppError, parsePageRequest, toPage } from '@ami/runtime';
import { FamiliesRepository } from '../families/families.repository.js';
import { OrphanAdoption } from './orphan-adoption.service.js';
import { VersionsRepository } from './versions.repository.js';

const STATES = ['pending', 'available', 'failed', 'deprecated', 'disabled', 'deregistered'];

@ApiTags('versions')
@Controller('v1')
export class VersionsHttpController {
  constructor(
    @Inject(VersionsRepository) private readonly versions: VersionsRepository,
    @Inject(FamiliesRepository) private readonly families: FamiliesRepository,
    @Inject(OrphanAdoption) private readonly orphans: OrphanAdoption,
  ) {}

  @Get('families/:family/versions')
  @ApiOperation({
    summary:
      "A family's versions with their regional copies, newest first (filter by region and copy state)",
  })
  async list(
    @Param('family') family: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
    @Query('region') region?: string,
    @Query('state') state?: string,
  ) {
    if (state && !STATES.includes(state))
      throw AppError.invalid(`state must be one of ${STATES.join(', ')}`, [
        { path: 'state', message: 'unknown state' },
      ]);
    if (!(await this.families.get(family))) throw AppError.notFound(`family ${family} not found`);
    const page = parsePageRequest(limit, cursor);
    const rows = await this.versions.list(family, page, { region, state });
    return toPage(rows, page, (v) => `${new Date(v.createdAt).toISOString()}|${v.version}`);
  }

  @Get('families/:family/versions/:version')
  async get(@Param('family') family: string, @Param('version') version: string) {
    const found = await this.versions.get(family, version);
    if (!found) {
      if (!(await this.families.get(family))) throw AppError.notFound(`family ${family} not found`);
      throw AppError.notFound(`version ${version} of family ${family} not found`);
    }
    return found;
  }

  @Get('families/:family/versions/:version/copies')
  async copies(@Param('family') family: string, @Param('version') version: string) {
    return { items: (await this.get(family, version)).copies };
  }

  @Get('orphans')
  @ApiOperation({
    summary: 'Events about families the catalog does not know, kept until the family exists',
  })
  async listOrphans(@Query('family') family?: string) {
    return { items: await this.orphans.list(family) };
  }
}
