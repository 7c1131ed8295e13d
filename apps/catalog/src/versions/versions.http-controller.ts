import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentActor, RequireRole } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { ApiAnswers, AppError, parsePageRequest, TIME_KEY, toPage } from '@ami/runtime';
import { familyParam, versionParam } from '../api/catalog-params.js';
import { FamiliesRepository } from '../families/families.repository.js';
import { OrphanAdoption } from './orphan-adoption.service.js';
import {
  copyList,
  listVersionsQuery,
  orphanList,
  orphansQuery,
  revokeBody,
  revokeResult,
  versionPage,
  versionSchema,
} from './versions.http-schemas.js';
import { RevokeVersion } from './revoke-version.use-case.js';
import { VersionsRepository } from './versions.repository.js';

/** The key toPage writes below: `<created_at ISO>|<version>`. */
const VERSION_CURSOR = TIME_KEY('\\d{4}\\.\\d{2}\\.\\d{2}-i?\\d{1,9}');
const NOT_FOUND = { 404: 'no such family or version' } as const;

@ApiTags('versions')
@Controller('v1')
export class VersionsHttpController {
  constructor(
    @Inject(VersionsRepository) private readonly versions: VersionsRepository,
    @Inject(FamiliesRepository) private readonly families: FamiliesRepository,
    @Inject(OrphanAdoption) private readonly orphans: OrphanAdoption,
    @Inject(RevokeVersion) private readonly revocation: RevokeVersion,
  ) {}

  @Post('families/:family/versions/:version/revoke')
  @HttpCode(200)
  @RequireRole('admin')
  @ApiOperation({
    summary:
      'Revoke a version: resolve refuses it, channels pointing to it fall back to their previous good version, families built from it are rebuilt',
  })
  @ApiAnswers(
    { description: 'revoked', schema: revokeResult },
    { 404: 'no such family or version', 409: 'the version is already revoked' },
  )
  revoke(
    @Param('family', familyParam) family: string,
    @Param('version', versionParam) version: string,
    @Body({ schema: revokeBody }) body: z.output<typeof revokeBody>,
    @CurrentActor() actor: Actor,
  ) {
    return this.revocation.revoke({
      actor: actor.name,
      isAdmin: actor.roles.includes('admin'),
      family,
      version,
      reason: body.reason,
    });
  }

  @Get('families/:family/versions')
  @ApiOperation({
    summary:
      "A family's versions with their regional copies, newest first (filter by region and copy state)",
  })
  @ApiAnswers({ description: 'a page of versions', schema: versionPage }, { 404: 'no such family' })
  async list(
    @Param('family', familyParam) family: string,
    @Query({ schema: listVersionsQuery }) query: z.output<typeof listVersionsQuery>,
  ) {
    const page = parsePageRequest(query.limit, query.cursor, { key: VERSION_CURSOR });
    if (!(await this.families.get(family))) throw AppError.notFound(`family ${family} not found`);
    const rows = await this.versions.list(family, page, {
      region: query.region,
      state: query.state,
    });
    return toPage(rows, page, (v) => `${new Date(v.createdAt).toISOString()}|${v.version}`);
  }

  @Get('families/:family/versions/:version')
  @ApiOperation({ summary: 'A version with its regional copies' })
  @ApiAnswers({ description: 'the version', schema: versionSchema }, NOT_FOUND)
  async get(
    @Param('family', familyParam) family: string,
    @Param('version', versionParam) version: string,
  ) {
    const found = await this.versions.get(family, version);
    if (!found) {
      if (!(await this.families.get(family))) throw AppError.notFound(`family ${family} not found`);
      throw AppError.notFound(`version ${version} of family ${family} not found`);
    }
    return found;
  }

  @Get('families/:family/versions/:version/copies')
  @ApiOperation({ summary: "A version's regional copies" })
  @ApiAnswers({ description: 'the copies, by region', schema: copyList }, NOT_FOUND)
  async copies(
    @Param('family', familyParam) family: string,
    @Param('version', versionParam) version: string,
  ) {
    return { items: (await this.get(family, version)).copies };
  }

  @Get('orphans')
  @ApiOperation({
    summary: 'Events about families the catalog does not know, kept until the family exists',
  })
  @ApiAnswers({ description: 'the orphaned events', schema: orphanList })
  async listOrphans(@Query({ schema: orphansQuery }) query: z.output<typeof orphansQuery>) {
    return { items: await this.orphans.list(query.family) };
  }
}
