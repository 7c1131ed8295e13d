import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentActor, RequireRole } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { ApiAnswers, AppError, parsePageRequest, TIME_KEY, toPage } from '@ami/runtime';
import { BuildCommands } from './build-commands.use-case.js';
import { BuildsRepository } from './builds.repository.js';
import { buildView, withSteps } from './build-view.js';
import {
  buildIdParam,
  buildPage,
  buildRequestOutcome,
  buildSchema,
  buildWithStepsSchema,
  listBuildsQuery,
  requestBuildBody,
} from './builds.http-schemas.js';

/** The key toPage writes below: `<created_at ISO>|<build id>`. */
const BUILD_CURSOR = TIME_KEY('[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}');
const NO_BUILD = { 404: 'no such build' } as const;

@ApiTags('builds')
@Controller('v1/builds')
export class BuildsHttpController {
  constructor(
    @Inject(BuildsRepository) private readonly builds: BuildsRepository,
    @Inject(BuildCommands) private readonly commands: BuildCommands,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Builds, newest first (filter by family and state)' })
  @ApiAnswers({ description: 'a page of builds', schema: buildPage })
  async list(@Query({ schema: listBuildsQuery }) query: z.output<typeof listBuildsQuery>) {
    const page = parsePageRequest(query.limit, query.cursor, { key: BUILD_CURSOR });
    const builds = toPage(
      await this.builds.list(page, { family: query.family, state: query.state }),
      page,
      (b) => `${new Date(b.createdAt).toISOString()}|${b.id}`,
    );
    return { ...builds, items: builds.items.map(buildView) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A build with its steps and the time spent in each' })
  @ApiAnswers({ description: 'the build', schema: buildWithStepsSchema }, NO_BUILD)
  async get(@Param('id', buildIdParam) id: string) {
    const build = await this.builds.get(id);
    if (!build) throw AppError.notFound(`build ${id} not found`);
    return withSteps(build, await this.builds.steps(id));
  }

  @Post()
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Request a build (joins a running one for the same family or key)' })
  @ApiAnswers({
    status: 202,
    description: 'started, joined an existing build, or rejected (with the reason)',
    schema: buildRequestOutcome,
  })
  request(
    @Body({ schema: requestBuildBody }) input: z.output<typeof requestBuildBody>,
    @CurrentActor() actor: Actor,
  ) {
    return this.commands.request({ ...input, actor: actor.name });
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Cancel a queued or running build' })
  @ApiAnswers(
    { status: 202, description: 'the build, cancel requested', schema: buildSchema },
    { 404: 'no such build', 409: 'the build has finished' },
  )
  async cancel(@Param('id', buildIdParam) id: string, @CurrentActor() actor: Actor) {
    return buildView(await this.commands.cancel(id, actor.name));
  }

  @Post(':id/retry')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Request a new build like a failed, cancelled or rejected one' })
  @ApiAnswers(
    { status: 202, description: 'the new build request', schema: buildRequestOutcome },
    { 404: 'no such build', 409: 'the build did not fail, and was not cancelled or rejected' },
  )
  retry(@Param('id', buildIdParam) id: string, @CurrentActor() actor: Actor) {
    return this.commands.retry(id, actor.name);
  }
}
