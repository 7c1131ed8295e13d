import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { Logger } from 'pino';
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
import { EventContext, lockFamily, OnEvent } from '@ami/messaging';
import { MetricsService, ROOT_LOGGER } from '@ami/observability';
import { AwaitingSpecRequests } from '../rebuild-requests/awaiting-spec.service.js';
import { FamilyRecipesRepository } from './family-recipes.repository.js';

/**
 * Kafka adapter: the builder takes its slice of each spec (source and recipe) and learns which
 * image each family's channels point at, so a child family can build from its parent. Facts
 * older than what the builder already holds (a replayed dead letter, a topic running behind)
 * are refused: counted and logged at debug, not dead-lettered.
 */
@Controller()
export class RecipesMessageController {
  private readonly refused;

  constructor(
    @Inject(FamilyRecipesRepository) private readonly recipes: FamilyRecipesRepository,
    @Inject(AwaitingSpecRequests) private readonly awaiting: AwaitingSpecRequests,
    @Inject(MetricsService) metrics: MetricsService,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.refused = metrics.counter(
      'ami_builder_stale_facts_total',
      'Events not applied because the builder already holds a later fact',
      ['type'],
    );
  }

  @OnEvent(FAMILY_SPEC_APPLIED)
  async onSpecApplied(
    @Payload() event: CloudEvent<string, FamilySpecApplied>,
    @Ctx() ctx: EventContext,
  ) {
    const { spec, specVersion, family } = event.data;
    // Under the family's lock, as a rebuild request is received: otherwise a request read
    // beside its spec (another replica, another topic) finds no spec, this finds no waiting
    // request, and the request waits until the sweep rejects it.
    await lockFamily(ctx.tx, 'builder', family);
    await this.recipes.save(ctx.tx, {
      family,
      specVersion,
      source: spec.source,
      recipe: spec.build ?? null,
      recipeDigest: spec.build ? digestOf({ source: spec.source, build: spec.build }) : null,
    });
    // Rebuild requests that arrived before this spec are decided now.
    await this.awaiting.resume(ctx.tx, family);
  }

  @OnEvent(CHANNEL_MOVED)
  async onChannelMoved(
    @Payload() event: CloudEvent<string, ChannelMoved>,
    @Ctx() ctx: EventContext,
  ) {
    const { family, channel, version, sequence } = event.data;
    const taken = await this.recipes.pointChannel(ctx.tx, {
      family,
      channel,
      version,
      sequence,
      // Owners always stamp time (source guard); a fact without one is the oldest possible.
      at: event.time ?? new Date(0).toISOString(),
    });
    if (!taken) this.refuse(event);
  }

  @OnEvent(COPY_SUCCEEDED)
  async onCopySucceeded(
    @Payload() event: CloudEvent<string, CopySucceeded>,
    @Ctx() ctx: EventContext,
  ) {
    const d = event.data;
    const taken = await this.recipes.rememberImage(
      ctx.tx,
      d.family,
      d.version,
      d.region,
      d.imageId,
      event.time,
    );
    if (!taken) this.refuse(event);
  }

  @OnEvent(VERSION_IMPORTED)
  async onVersionImported(
    @Payload() event: CloudEvent<string, VersionImported>,
    @Ctx() ctx: EventContext,
  ) {
    for (const image of event.data.images) {
      const taken = await this.recipes.rememberImage(
        ctx.tx,
        event.data.family,
        event.data.version,
        image.region,
        image.imageId,
        event.time,
      );
      if (!taken) this.refuse(event);
    }
  }

  private refuse(event: CloudEvent) {
    this.refused.inc({ type: event.type });
    this.logger.debug(
      { eventId: event.id, type: event.type, time: event.time, subject: event.subject },
      'stale fact refused',
    );
  }
}
