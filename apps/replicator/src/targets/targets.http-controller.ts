import { Body, Controller, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { RequireRole } from '@ami/auth';
import { ApiAnswers, parsePageRequest, TIME_KEY, toPage } from '@ami/runtime';
import { TargetReconciler } from './target-reconciler.js';
import { targetView, type TargetRow } from './target-state.types.js';
import { TargetWorker } from './target-worker.service.js';
import {
  listTargetsQuery,
  reconcileBody,
  reconcileSummary,
  targetsPage,
} from './targets.http-schemas.js';
import { TargetsRepository } from './targets.repository.js';

const cursorOf = (t: TargetRow) => `${new Date(t.createdAt).toISOString()}|${t.id}`;

@ApiTags('distribution targets')
@Controller('v1/targets')
export class TargetsHttpController {
  constructor(
    @Inject(TargetsRepository) private readonly targets: TargetsRepository,
    @Inject(TargetReconciler) private readonly reconciler: TargetReconciler,
    @Inject(TargetWorker) private readonly worker: TargetWorker,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Distribution targets (SSM parameters, launch templates): what each channel should hold in each region, and what was written',
  })
  @ApiAnswers({ description: 'a page of targets, oldest first', schema: targetsPage })
  async list(@Query({ schema: listTargetsQuery }) query: z.output<typeof listTargetsQuery>) {
    const page = parsePageRequest(query.limit, query.cursor, { key: TIME_KEY('[0-9a-f-]{36}') });
    const result = toPage(await this.targets.list(page, query), page, cursorOf);
    return { items: result.items.map(targetView), nextCursor: result.nextCursor };
  }

  @Post('reconcile')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({
    summary:
      'Reads targets back now and queues a repair of each one changed by hand; failed targets get a new round',
  })
  @ApiAnswers({ description: 'what the reconcile found', schema: reconcileSummary })
  reconcile(@Body({ schema: reconcileBody }) body: z.output<typeof reconcileBody>) {
    return this.reconciler.reconcile(this.worker.owner, body.family);
  }
}
