import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  CHANNEL_MOVED,
  COPY_SUCCEEDED,
  digestOf,
  FAMILY_SPEC_APPLIED,
  VERSION_IMPORTED,
} from '@ami/contracts';
import type {
  ChannelMoved,
  CloudEvent,
  CopySucceeded,
  FamilySpecApplied,
  VersionImported,
} from '@ami/contracts';
import { EventContext, OnEvent } from '@ami/messaging';
import { FamilyRecipesRepository } from './family-recipes.repository.js';

/**
 * Kafka adapter: the builder takes its slice of each spec (source and recipe) and learns which
 * image each family's channels point at, so a child family can build from its parent.
 */
@Controller()
export class RecipesMessageController {
  constructor(@Inject(FamilyRecipesRepository) private readonly recipes: FamilyRecipesRepository) {}

  @OnEvent(FAMILY_SPEC_APPLIED)
  async onSpecApplied(
    @Payload() event: CloudEvent<string, FamilySpecApplied>,
    @Ctx() ctx: EventContext,
  ) {
    const { spec, specVersion, family } = event.data;
    await this.recipes.save(ctx.tx, {
      family,
      specVersion,
      source: spec.source,
      recipe: spec.build ?? null,
      recipeDigest: spec.build ? digestOf({ source: spec.source, build: spec.build }) : null,
    });
  }

  @OnEvent(CHANNEL_MOVED)
  async onChannelMoved(
    @Payload() event: CloudEvent<string, ChannelMoved>,
    @Ctx() ctx: EventContext,
  ) {
    await this.recipes.pointChannel(
      ctx.tx,
      event.data.family,
      event.data.channel,
      event.data.version,
    );
  }

  @OnEvent(COPY_SUCCEEDED)
  async onCopySucceeded(
    @Payload() event: CloudEvent<string, CopySucceeded>,
    @Ctx() ctx: EventContext,
  ) {
    const d = event.data;
    await this.recipes.rememberImage(ctx.tx, d.family, d.version, d.region, d.imageId);
  }

  @OnEvent(VERSION_IMPORTED)
  async onVersionImported(
    @Payload() event: CloudEvent<string, VersionImported>,
    @Ctx() ctx: EventContext,
  ) {
    for (const image of event.data.images) {
      await this.recipes.rememberImage(
        ctx.tx,
        event.data.family,
        event.data.version,
        image.region,
        image.imageId,
      );
    }
  }
}
