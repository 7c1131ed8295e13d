import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentActor, RequireRole } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { parseInput } from '@ami/runtime';
import { RequestRebuild } from './request-rebuild.use-case.js';

const rebuildBody = z
  .object({
    reason: z.string().min(1).max(500),
    idempotencyKey: z.string().min(1).max(200).optional(),
    force: z.boolean().optional(),
  })
  .strict();

@ApiTags('rebuilds')
@Controller('v1/families/:family/rebuilds')
export class RebuildsHttpController {
  constructor(@Inject(RequestRebuild) private readonly requestRebuild: RequestRebuild) {}

  @Post()
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Request a rebuild (published to ami.rebuild-requests.v1)' })
  request(@Param('family') family: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    const input = parseInput(rebuildBody, body);
    return this.requestRebuild.execute({ family, actor: actor.name, ...input });
  }
}
