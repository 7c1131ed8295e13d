import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentActor, RequireRole } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { ApiAnswers, AppError } from '@ami/runtime';
import { channelParam, familyParam } from '../api/catalog-params.js';
import { FamiliesRepository } from '../families/families.repository.js';
import { ChannelsRepository } from './channels.repository.js';
import {
  channelHistory,
  channelList,
  moveResult,
  promoteBody,
  protectionBody,
  protectionResult,
  rollbackBody,
} from './channels.http-schemas.js';
import { MoveChannel } from './move-channel.use-case.js';

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
  @ApiOperation({ summary: "A family's channels and the version each points at" })
  @ApiAnswers({ description: 'the channels', schema: channelList }, { 404: 'no such family' })
  async list(@Param('family', familyParam) family: string) {
    if (!(await this.families.get(family))) throw AppError.notFound(`family ${family} not found`);
    return { items: await this.channels.list(family) };
  }

  @Get(':channel/history')
  @ApiOperation({ summary: 'Every assignment of a channel, newest first' })
  @ApiAnswers({ description: 'the assignments', schema: channelHistory }, { 404: 'no such family' })
  async history(
    @Param('family', familyParam) family: string,
    @Param('channel', channelParam) channel: string,
  ) {
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
  @ApiAnswers(
    { description: 'the channel moved', schema: moveResult },
    {
      404: 'no such family or version',
      412: 'the version is not available in every target region, or the channel is protected',
    },
  )
  promote(
    @Param('family', familyParam) family: string,
    @Param('channel', channelParam) channel: string,
    @Body({ schema: promoteBody }) input: z.output<typeof promoteBody>,
    @CurrentActor() actor: Actor,
  ) {
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
  @ApiAnswers(
    { description: 'the channel moved back', schema: moveResult },
    {
      404: 'no such family or channel',
      412: 'nothing to roll back to, or the channel is protected',
    },
  )
  rollback(
    @Param('family', familyParam) family: string,
    @Param('channel', channelParam) channel: string,
    @Body({ schema: rollbackBody }) input: z.output<typeof rollbackBody>,
    @CurrentActor() actor: Actor,
  ) {
    return this.moves.rollback({ ...caller(actor), family, channel, reason: input.reason });
  }

  @Put(':channel/protection')
  @RequireRole('admin')
  @ApiOperation({ summary: 'Protect a channel (only admins move it) or lift the protection' })
  @ApiAnswers(
    { description: 'the protection set', schema: protectionResult },
    { 404: 'no such family or channel' },
  )
  async protect(
    @Param('family', familyParam) family: string,
    @Param('channel', channelParam) channel: string,
    @Body({ schema: protectionBody }) input: z.output<typeof protectionBody>,
    @CurrentActor() actor: Actor,
  ) {
    await this.moves.setProtection({ ...caller(actor), family, channel, protect: input.protected });
    return { family, channel, protected: input.protected };
  }
}
