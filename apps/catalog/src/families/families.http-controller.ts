import { Body, Controller, Get, Headers, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentActor, RequireRole } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { ApiAnswers, AppError, parsePageRequest, toPage, unstorableText } from '@ami/runtime';
import { familyParam, specVersionNumber } from '../api/catalog-params.js';
import { ApplyFamilySpec } from './apply-family-spec.use-case.js';
import { FamiliesRepository } from './families.repository.js';
import {
  appliedSpecSchema,
  FAMILY_SPEC_IN_PATH_REF,
  FAMILY_SPEC_REF,
  familyPage,
  familyWithSpecSchema,
  listFamiliesQuery,
  SPEC_MEDIA_TYPES,
  specVersionList,
  specVersionSchema,
} from './families.http-schemas.js';
import { parseSpecDocument } from './parse-spec-document.js';

const NO_FAMILY = { 404: 'no such family' } as const;
const SPEC_PROBLEMS = {
  400: 'the spec is not valid (each problem with its path), or not valid YAML',
  409: 'another apply created the same family at the same moment',
} as const;

/** A spec body: JSON (parsed by the HTTP layer) or YAML text; checked before the use case. */
function specDocument(body: unknown, contentType: string | undefined): unknown {
  const document = parseSpecDocument(body, contentType);
  const problems = unstorableText(document);
  if (problems.length)
    throw AppError.invalid('the spec holds text that cannot be stored', problems);
  return document;
}

@ApiTags('families')
@Controller('v1/families')
export class FamiliesHttpController {
  constructor(
    @Inject(FamiliesRepository) private readonly families: FamiliesRepository,
    @Inject(ApplyFamilySpec) private readonly applySpec: ApplyFamilySpec,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List image families (paginated; filter by owner or parent family)' })
  @ApiAnswers({ description: 'a page of families, by name', schema: familyPage })
  async list(@Query({ schema: listFamiliesQuery }) query: z.output<typeof listFamiliesQuery>) {
    const page = parsePageRequest(query.limit, query.cursor, { key: /^[a-z0-9][a-z0-9-]{0,62}$/ });
    const filter = { owner: query.owner, parent: query.parent };
    return toPage(await this.families.list(page, filter), page, (f) => f.name);
  }

  @Get(':family')
  @ApiOperation({ summary: 'A family with its current spec' })
  @ApiAnswers({ description: 'the family', schema: familyWithSpecSchema }, NO_FAMILY)
  async get(@Param('family', familyParam) name: string) {
    const family = await this.families.get(name);
    if (!family) throw AppError.notFound(`family ${name} not found`);
    const spec = await this.families.currentSpec(name);
    return { ...family, spec: spec?.spec ?? null, specDigest: spec?.digest ?? null };
  }

  @Get(':family/specs')
  @ApiOperation({ summary: 'Every spec version of a family, newest first' })
  @ApiAnswers({ description: 'the spec versions', schema: specVersionList }, NO_FAMILY)
  async specs(@Param('family', familyParam) name: string) {
    if (!(await this.families.get(name))) throw AppError.notFound(`family ${name} not found`);
    return { items: await this.families.specVersions(name) };
  }

  @Get(':family/specs/:version')
  @ApiOperation({ summary: 'One spec version of a family' })
  @ApiAnswers(
    { description: 'the spec version', schema: specVersionSchema },
    { 404: 'no such family or spec version' },
  )
  async spec(
    @Param('family', familyParam) name: string,
    @Param('version', { schema: specVersionNumber }) version: number,
  ) {
    const found = await this.families.specVersion(name, version);
    if (!found) throw AppError.notFound(`spec version ${version} of family ${name} not found`);
    return found;
  }

  @Put(':family/spec')
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Apply a spec (JSON or YAML body); the name in the path must match the spec',
  })
  @ApiConsumes(...SPEC_MEDIA_TYPES)
  @ApiBody({
    schema: FAMILY_SPEC_IN_PATH_REF,
    description: 'the family spec; name may be left out',
  })
  @ApiAnswers(
    { description: 'the spec applied (or unchanged)', schema: appliedSpecSchema },
    SPEC_PROBLEMS,
  )
  async apply(
    @Param('family', familyParam) name: string,
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @CurrentActor() actor: Actor,
  ) {
    const document = specDocument(body, contentType);
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
  @ApiConsumes(...SPEC_MEDIA_TYPES)
  @ApiBody({ schema: FAMILY_SPEC_REF, description: 'the family spec' })
  @ApiAnswers(
    { status: 201, description: 'the spec applied (or unchanged)', schema: appliedSpecSchema },
    SPEC_PROBLEMS,
  )
  apply(
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @CurrentActor() actor: Actor,
  ) {
    return this.applySpec.execute({
      document: specDocument(body, contentType),
      actor: actor.name,
    });
  }
}
