import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentActor, RequireRole } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { ApiAnswers, text } from '@ami/runtime';
import { familyParam } from '../api/catalog-params.js';
import { RequestRebuild } from './request-rebuild.use-case.js';

const rebuildBody = z
  .object({
    reason: text({ min: 1, max: 500 }),
    idempotencyKey: text({ min: 1, max: 200 }).optional(),
    force: z.boolean().optional(),
  })
  .strict();

const rebuildRequested = z.object({
  requestId: z.string().meta({ description: 'the id of the ami.rebuild-requests.v1 event' }),
  family: z.string(),
});

@ApiTags('rebuilds')
@Controller('v1/families/:family/rebuilds')
export class RebuildsHttpController {
  constructor(@Inject(RequestRebuild) private readonly requestRebuild: RequestRebuild) {}

  @Post()
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Request a rebuild (published to ami.rebuild-requests.v1)' })
  @ApiAnswers(
    { status: 202, description: 'the request is published', schema: rebuildRequested },
    { 404: 'no such family' },
  )
  request(
    @Param('family', familyParam) family: string,
    @Body({ schema: rebuildBody }) input: z.output<typeof rebuildBody>,
    @CurrentActor() actor: Actor,
  ) {
    return this.requestRebuild.execute({ family, actor: actor.name, ...input });
  }
}
