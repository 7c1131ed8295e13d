import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { CurrentActor, RequireRole } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { ApiAnswers, AppError, parsePageRequest, TIME_KEY, toPage } from '@ami/runtime';
import { copyJobView, type CopyJob } from './copy-job.types.js';
import { CopyCommands } from './copy-commands.use-case.js';
import { CopyJobsRepository } from './copy-jobs.repository.js';
import {
  copyIdParam,
  copyJobSchema,
  copyJobsPage,
  listCopiesQuery,
  replicationBody,
  replicationOutcome,
} from './copies.http-schemas.js';

export const cursorOf = (j: CopyJob) => `${new Date(j.createdAt).toISOString()}|${j.id}`;
/** The key cursorOf writes: `<created_at ISO>|<job id>`. */
export const COPY_CURSOR = TIME_KEY('[0-9a-f-]{36}');

@ApiTags('copies')
@Controller('v1')
export class CopiesHttpController {
  constructor(
    @Inject(CopyJobsRepository) private readonly jobs: CopyJobsRepository,
    @Inject(CopyCommands) private readonly commands: CopyCommands,
  ) {}

  @Get('copies')
  @ApiOperation({ summary: 'Copy jobs, newest first (filter by family, version, region, state)' })
  @ApiAnswers({ description: 'a page of copy jobs', schema: copyJobsPage })
  async list(@Query({ schema: listCopiesQuery }) query: z.output<typeof listCopiesQuery>) {
    const page = parsePageRequest(query.limit, query.cursor, { key: COPY_CURSOR });
    const { family, version, region, state } = query;
    const result = toPage(
      await this.jobs.list(page, { family, version, region, state }),
      page,
      cursorOf,
    );
    return { items: result.items.map(copyJobView), nextCursor: result.nextCursor };
  }

  @Get('copies/:id')
  @ApiOperation({ summary: 'One copy job: source, destination, state, copy and snapshots' })
  @ApiAnswers({ description: 'the copy job', schema: copyJobSchema }, { 404: 'no such copy job' })
  async get(@Param('id', copyIdParam) id: string) {
    const job = await this.jobs.get(id);
    if (!job) throw AppError.notFound(`copy job ${id} not found`);
    return copyJobView(job);
  }

  @Post('copies/:id/retry')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Queue a failed or cancelled copy job again' })
  @ApiAnswers(
    { status: 202, description: 'queued again', schema: copyJobSchema },
    {
      404: 'no such copy job',
      409: "the job is not failed or cancelled, or its region left the family's distribution",
    },
  )
  async retry(@Param('id', copyIdParam) id: string, @CurrentActor() actor: Actor) {
    return copyJobView(await this.commands.retry(id, actor.name));
  }

  @Post('replications')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({
    summary: 'Copy a version to every region of its distribution that lacks a copy',
  })
  @ApiAnswers(
    {
      status: 202,
      description: 'the jobs queued and those that existed',
      schema: replicationOutcome,
    },
    {
      404: 'the version is unknown to the replicator (not built or imported)',
      412: 'the family has no distribution yet',
    },
  )
  async replicate(
    @Body({ schema: replicationBody }) body: z.output<typeof replicationBody>,
    @CurrentActor() actor: Actor,
  ) {
    const outcome = await this.commands.requestReplication({ ...body, actor: actor.name });
    return {
      family: outcome.family,
      version: outcome.version,
      queued: outcome.queued.map(copyJobView),
      existing: outcome.existing.map(copyJobView),
    };
  }
}
