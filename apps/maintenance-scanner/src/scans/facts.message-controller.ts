import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  BUILD_FAILED,
  BUILD_REJECTED,
  BUILD_STARTED,
  BUILD_SUCCEEDED,
  CHANNEL_MOVED,
  COPY_SUCCEEDED,
  FAMILY_SPEC_APPLIED,
  VERSION_IMPORTED,
  VERSION_REVOKED,
} from '@ami/contracts';
import type { CloudEvent } from '@ami/contracts';
import { EventContext, OnEvent } from '@ami/messaging';
import { LearnFacts } from './learn-facts.use-case.js';

/** Kafka adapter: the facts the scanner keeps, each applied once (inbox) in its own transaction. */
@Controller()
export class FactsMessageController {
  constructor(@Inject(LearnFacts) private readonly learn: LearnFacts) {}

  @OnEvent(FAMILY_SPEC_APPLIED)
  spec(@Payload() e: CloudEvent<string, any>, @Ctx() ctx: EventContext) {
    return this.learn.specApplied(ctx.tx, e);
  }

  @OnEvent(BUILD_STARTED)
  started(@Payload() e: CloudEvent<string, any>, @Ctx() ctx: EventContext) {
    return this.learn.buildStarted(ctx.tx, e);
  }

  @OnEvent(BUILD_SUCCEEDED)
  succeeded(@Payload() e: CloudEvent<string, any>, @Ctx() ctx: EventContext) {
    return this.learn.buildSucceeded(ctx.tx, e);
  }

  @OnEvent(BUILD_FAILED)
  failed(@Payload() e: CloudEvent<string, any>, @Ctx() ctx: EventContext) {
    return this.learn.buildFailed(ctx.tx, e);
  }

  @OnEvent(BUILD_REJECTED)
  rejected(@Payload() e: CloudEvent<string, any>, @Ctx() ctx: EventContext) {
    return this.learn.buildRejected(ctx.tx, e);
  }

  @OnEvent(VERSION_IMPORTED)
  imported(@Payload() e: CloudEvent<string, any>, @Ctx() ctx: EventContext) {
    return this.learn.versionImported(ctx.tx, e);
  }

  @OnEvent(VERSION_REVOKED)
  revoked(@Payload() e: CloudEvent<string, any>, @Ctx() ctx: EventContext) {
    return this.learn.versionRevoked(ctx.tx, e);
  }

  @OnEvent(COPY_SUCCEEDED)
  copied(@Payload() e: CloudEvent<string, any>, @Ctx() ctx: EventContext) {
    return this.learn.copySucceeded(ctx.tx, e);
  }

  @OnEvent(CHANNEL_MOVED)
  moved(@Payload() e: CloudEvent<string, any>, @Ctx() ctx: EventContext) {
    return this.learn.channelMoved(ctx.tx, e);
  }
}
