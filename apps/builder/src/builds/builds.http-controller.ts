import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentActor, RequireRole } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { AppError, parseInput, parsePageRequest, toPage } from '@ami/runtime';
import { BuildCommands } from './build-commands.use-case.js';
import { BuildsRepository } from './builds.repository.js';
import { withSteps } from './build-view.js';

const requestBody = z
  .object({
    family: z.string().min(1),
    reason: z.string().min(1).max(500),
    idempotencyKey: z.string().min(1).max(200).optional(),
    force: z.boolean().optional(),
  })
  .strict();
const STATES = ['queued', 'running', 'succeeded', 'failed', 'rejected', 'skipped', 'cancelled'];

@ApiTags('builds')
@Controller('v1/builds')
export class BuildsHttpController {
  constructor(
    @Inject(BuildsRepository) private readonly builds: BuildsRepository,
    @Inject(BuildCommands) private readonly commands: BuildCommands,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Builds, newest first (filter by family and state)' })
  async list(
    @Query('family') family?: string,
    @Query('state') state?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ) {
    if (state && !STATES.includes(state))
      throw AppError.invalid(`state must be one of ${STATES.join(', ')}`, [
        { path: 'state', message: 'unknown state' },
      ]);
    const page = parsePageRequest(limit, cursor);
    return toPage(
      await this.builds.list(page, { family, state }),
      page,
      (b) => `${new Date(b.createdAt).toISOString()}|${b.id}`,
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'A build with its steps and the time spent in each' })
  async get(@Param('id') id: string) {
    const build = await this.builds.get(id);
    if (!build) throw AppError.notFound(`build ${id} not found`);
    return withSteps(build, await this.builds.steps(id));
  }

  @Post()
  @HttpCode(202)
  @RequireRole('operator')
  request(@Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.commands.request({ ...parseInput(requestBody, body), actor: actor.name });
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @RequireRole('operator')
  cancel(@Param('id') id: string, @CurrentActor() actor: Actor) {
    return this.commands.cancel(id, actor.name);
  }

  @Post(':id/retry')
  @HttpCode(202)
  @RequireRole('operator')
  retry(@Param('id') id: string, @CurrentActor() actor: Actor) {
    return this.commands.retry(id, actor.name);
  }
}
