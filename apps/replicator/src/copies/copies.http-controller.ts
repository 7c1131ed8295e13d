import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentActor, RequireRole } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { AppError, parseInput, parsePageRequest, toPage } from '@ami/runtime';
import { COPY_STATES, copyJobView, type CopyJob } from './copy-job.types.js';
import { CopyCommands } from './copy-commands.use-case.js';
import { CopyJobsRepository } from './copy-jobs.repository.js';

const replicationBody = z
  .object({
    family: z.string().min(1),
    version: z.string().regex(/^\d{4}\.\d{2}\.\d{2}-i?\d+$/, 'must look like 2026.11.27-1'),
  })
  .strict();

export const cursorOf = (j: CopyJob) => `${new Date(j.createdAt).toISOString()}|${j.id}`;

export function checkState(state: string | undefined): void {
  if (state && !(COPY_STATES as string[]).includes(state))
    throw AppError.invalid(`state must be one of ${COPY_STATES.join(', ')}`, [
      { path: 'state', message: 'unknown state' },
    ]);
}

@ApiTags('copies')
@Controller('v1')
export class CopiesHttpController {
  constructor(
    @Inject(CopyJobsRepository) private readonly jobs: CopyJobsRepository,
    @Inject(CopyCommands) private readonly commands: CopyCommands,
  ) {}

  @Get('copies')
  @ApiOperation({ summary: 'Copy jobs, newest first (filter by family, version, region, state)' })
  async list(
    @Query('family') family?: string,
    @Query('version') version?: string,
    @Query('region') region?: string,
    @Query('state') state?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ) {
    checkState(state);
    const page = parsePageRequest(limit, cursor);
    const result = toPage(
      await this.jobs.list(page, { family, version, region, state }),
      page,
      cursorOf,
    );
    return { items: result.items.map(copyJobView), nextCursor: result.nextCursor };
  }

  @Get('copies/:id')
  @ApiOperation({ summary: 'One copy job: source, destination, state, copy and snapshots' })
  async get(@Param('id') id: string) {
    const job = await this.jobs.get(id);
    if (!job) throw AppError.notFound(`copy job ${id} not found`);
    return copyJobView(job);
  }

  @Post('copies/:id/retry')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Queue a failed or cancelled copy job again' })
  async retry(@Param('id') id: string, @CurrentActor() actor: Actor) {
    return copyJobView(await this.commands.retry(id, actor.name));
  }

  @Post('replications')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({
    summary: 'Copy a version to every region of its distribution that lacks a copy',
  })
  async replicate(@Body() body: unknown, @CurrentActor() actor: Actor) {
    const outcome = await this.commands.requestReplication({
      ...parseInput(replicationBody, body),
      actor: actor.name,
    });
    return {
      family: outcome.family,
      version: outcome.version,
      queued: outcome.queued.map(copyJobView),
      existing: outcome.existing.map(copyJobView),
    };
  }
}
