import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentActor, RequireRole } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { parseInput } from '@ami/runtime';
import { Janitor } from './janitor.service.js';

const sweepBody = z.object({ dryRun: z.boolean().default(true) }).strict();

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
  sweep(@Body() body: unknown, @CurrentActor() actor: Actor) {
    const { dryRun } = parseInput(sweepBody, body ?? {});
    return this.janitor.sweep({ dryRun, actor: actor.name });
  }
}
