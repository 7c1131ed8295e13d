import { Body, Controller, Get, Headers, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, RequireRole } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { AppError, parsePageRequest, toPage } from '@ami/runtime';
import { ApplyFamilySpec } from './apply-family-spec.use-case.js';
import { FamiliesRepository } from './families.repository.js';
import { parseSpecDocument } from './parse-spec-document.js';

@ApiTags('families')
@Controller('v1/families')
export class FamiliesHttpController {
  constructor(
    @Inject(FamiliesRepository) private readonly families: FamiliesRepository,
    @Inject(ApplyFamilySpec) private readonly applySpec: ApplyFamilySpec,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List image families (paginated; filter by owner or parent family)' })
  async list(
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
    @Query('owner') owner?: string,
    @Query('parent') parent?: string,
  ) {
    const page = parsePageRequest(limit, cursor);
    return toPage(await this.families.list(page, { owner, parent }), page, (f) => f.name);
  }

  @Get(':family')
  @ApiOperation({ summary: 'A family with its current spec' })
  async get(@Param('family') name: string) {
    const family = await this.families.get(name);
    if (!family) throw AppError.notFound(`family ${name} not found`);
    const spec = await this.families.currentSpec(name);
    return { ...family, spec: spec?.spec ?? null, specDigest: spec?.digest ?? null };
  }

  @Get(':family/specs')
  @ApiOperation({ summary: 'Every spec version of a family, newest first' })
  async specs(@Param('family') name: string) {
    if (!(await this.families.get(name))) throw AppError.notFound(`family ${name} not found`);
    return { items: await this.families.specVersions(name) };
  }

  @Get(':family/specs/:version')
  async spec(@Param('family') name: string, @Param('version') version: string) {
    const found = Number.isInteger(Number(version))
      ? await this.families.specVersion(name, Number(version))
      : null;
    if (!found) throw AppError.notFound(`spec version ${version} of family ${name} not found`);
    return found;
  }

  @Put(':family/spec')
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Apply a spec (JSON or YAML body); the name in the path must match the spec',
  })
  async apply(
    @Param('family') name: string,
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @CurrentActor() actor: Actor,
  ) {
    const document = parseSpecDocument(body, contentType);
    if (document && typeof document === 'object' && !Array.isArray(document)) {
      const named = (document as { name?: unknown }).name;
      if (named === undefined) (document as { name?: unknown }).name = name;
      else if (named !== name)
        throw AppError.invalid(`the spec is named ${String(named)} but the path names ${name}`, [
          { path: 'name', message: `must be ${name}` },
        ]);
    }
    return this.applySpec.execute({ document, actor: actor.name });
  }
}

@ApiTags('families')
@Controller('v1/specs')
export class SpecsHttpController {
  constructor(@Inject(ApplyFamilySpec) private readonly applySpec: ApplyFamilySpec) {}

  @Post()
  @RequireRole('admin')
  @ApiOperation({ summary: 'Apply a spec (JSON or YAML body), creating the family if new' })
  apply(
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @CurrentActor() actor: Actor,
  ) {
    return this.applySpec.execute({
      document: parseSpecDocument(body, contentType),
      actor: actor.name,
    });
  }
}
