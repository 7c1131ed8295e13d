import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentActor, RequireRole } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { AppError, parseInput } from '@ami/runtime';
import { FamiliesRepository } from '../families/families.repository.js';
import { ChannelsRepository } from './channels.repository.js';
import { MoveChannel } from './move-channel.use-case.js';

const promoteBody = z
  .object({
    version: z.string().min(1),
    force: z.boolean().default(false),
    reason: z.string().max(500).optional(),
  })
  .strict();
const rollbackBody = z.object({ reason: z.string().max(500).optional() }).strict();
const protectionBody = z.object({ protected: z.boolean() }).strict();

const caller = (actor: Actor) => ({ actor: actor.name, isAdmin: actor.roles.includes('admin') });

@ApiTags('channels')
@Controller('v1/families/:family/channels')
export class ChannelsHttpController {
  constructor(
    @Inject(ChannelsRepository) private readonly channels: ChannelsRepository,
    @Inject(FamiliesRepository) private readonly families: FamiliesRepository,
    @Inject(MoveChannel) private readonly moves: MoveChannel,
  ) {}

  @Get()
  async list(@Param('family') family: string) {
    if (!(await this.families.get(family))) throw AppError.notFound(`family ${family} not found`);
    return { items: await this.channels.list(family) };
  }

  @Get(':channel/history')
  @ApiOperation({ summary: 'Every assignment of a channel, newest first' })
  async history(@Param('family') family: string, @Param('channel') channel: string) {
    if (!(await this.families.get(family))) throw AppError.notFound(`family ${family} not found`);
    return { items: await this.channels.history(family, channel) };
  }

  @Post(':channel/promote')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({
    summary:
      'Point a channel at a version (refused until available in every target region, unless forced)',
  })
  promote(
    @Param('family') family: string,
    @Param('channel') channel: string,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
  ) {
    const input = parseInput(promoteBody, body);
    return this.moves.promote({
      ...caller(actor),
      family,
      channel,
      version: input.version,
      force: input.force,
      reason: input.reason,
    });
  }

  @Post(':channel/rollback')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Point a channel back at its previous version' })
  rollback(
    @Param('family') family: string,
    @Param('channel') channel: string,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
  ) {
    const input = parseInput(rollbackBody, body);
    return this.moves.rollback({ ...caller(actor), family, channel, reason: input.reason });
  }

  @Put(':channel/protection')
  @RequireRole('admin')
  async protect(
    @Param('family') family: string,
    @Param('channel') channel: string,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
  ) {
    const input = parseInput(protectionBody, body);
    await this.moves.setProtection({ ...caller(actor), family, channel, protect: input.protected });
    return { family, channel, protected: input.protected };
  }
}
