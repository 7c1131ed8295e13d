import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { CurrentActor, RequireRole } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { ApiAnswers } from '@ami/runtime';
import { Janitor } from './janitor.service.js';
import { sweepBody, sweepReport } from './janitor.http-schemas.js';

@ApiTags('janitor')
@Controller('v1/janitor')
export class JanitorHttpController {
  constructor(@Inject(Janitor) private readonly janitor: Janitor) {}

  @Post('sweeps')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({
    summary:
      'Sweeps for resources tagged with a build id that failed builds left behind; dryRun (the default) only lists them',
  })
  @ApiAnswers({
    description: 'what was found (and, unless a dry run, removed); regions EC2 did not answer for',
    schema: sweepReport,
  })
  sweep(
    @Body({ schema: sweepBody }) { dryRun }: z.output<typeof sweepBody>,
    @CurrentActor() actor: Actor,
  ) {
    return this.janitor.sweep({ dryRun, actor: actor.name });
  }
}
