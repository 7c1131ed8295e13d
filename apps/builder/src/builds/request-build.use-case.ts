import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BUILD_REJECTED, BUILD_STARTED } from '@ami/contracts';
import { AuditRecorder, EventPublisher } from '@ami/messaging';
import { FamilyRecipesRepository } from '../recipes/family-recipes.repository.js';
import { BuildsRepository } from './builds.repository.js';

export interface BuildRequest {
  family: string;
  reason: string;
  requestedBy: string;
  requestId: string;
  correlationId: string;
  idempotencyKey?: string | null;
  force?: boolean;
  retryOf?: string | null;
  /** From Kafka: an unknown family may be a spec still on its way, so wait for it. */
  awaitSpec?: boolean;
}

export type BuildRequestOutcome =
  | { outcome: 'build-started'; buildId: string }
  | { outcome: 'duplicate'; buildId: string; why: string }
  | { outcome: 'rejected'; reason: string }
  /** Kept (rebuild_requests) until the family's spec arrives or REBUILD_SPEC_WAIT_S passes. */
  | { outcome: 'awaiting-spec' };

/**
 * Turns a rebuild request into a build, or explains why not: an unknown family or one without
 * a build recipe is rejected (event + audit, nothing launched); a request whose idempotency key
 * was seen, or for a family already building, joins the existing build.
 */
@Injectable()
export class RequestBuild {
  constructor(
    @Inject(FamilyRecipesRepository) private readonly recipes: FamilyRecipesRepository,
    @Inject(BuildsRepository) private readonly builds: BuildsRepository,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
  ) {}

  async execute(tx: EntityManager, request: BuildRequest): Promise<BuildRequestOutcome> {
    // One family's requests are decided one at a time, whichever replica takes them.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `builder-family:${request.family}`,
    ]);
    const causedBy = { id: request.requestId, correlationid: request.correlationId };
    const family = await this.recipes.get(request.family, tx);
    if (!family) {
      if (request.awaitSpec) return { outcome: 'awaiting-spec' };
      return this.reject(tx, request, unknownFamily(request.family));
    }
    if (!family.recipe || !family.recipeDigest)
      return this.reject(tx, request, `family ${request.family} has no build recipe in its spec`);
    if (request.idempotencyKey) {
      const seen = await this.builds.byIdempotencyKey(tx, request.family, request.idempotencyKey);
      if (seen)
        return {
          outcome: 'duplicate',
          buildId: seen.id,
          why: `idempotency key ${request.idempotencyKey} already used`,
        };
    }
    const active = await this.builds.activeFor(tx, request.family);
    if (active)
      return {
        outcome: 'duplicate',
        buildId: active.id,
        why: `family ${request.family} is already building`,
      };

    const id = randomUUID();
    await this.builds.insert(tx, {
      id,
      family: request.family,
      reason: request.reason,
      requestedBy: request.requestedBy,
      requestId: request.requestId,
      correlationId: request.correlationId,
      idempotencyKey: request.idempotencyKey ?? null,
      force: request.force ?? false,
      specVersion: family.specVersion,
      recipe: family.recipe,
      recipeDigest: family.recipeDigest,
      sourceSpec: family.source,
      retryOf: request.retryOf ?? null,
    });
    await this.events.publish(
      tx,
      BUILD_STARTED,
      {
        buildId: id,
        family: request.family,
        specVersion: family.specVersion,
        reason: request.reason,
        requestedBy: request.requestedBy,
      },
      { key: request.family, causedBy },
    );
    await this.audit.record(
      tx,
      {
        actor: request.requestedBy,
        action: 'build.queued',
        subject: { family: request.family },
        before: null,
        after: { buildId: id, reason: request.reason },
        outcome: 'started',
      },
      causedBy,
    );
    return { outcome: 'build-started', buildId: id };
  }

  /** Rejects with an event and an audit entry (also for a request whose spec never came). */
  async reject(
    tx: EntityManager,
    request: BuildRequest,
    reason: string,
  ): Promise<BuildRequestOutcome> {
    const causedBy = { id: request.requestId, correlationid: request.correlationId };
    await this.events.publish(
      tx,
      BUILD_REJECTED,
      {
        family: request.family,
        requestId: request.requestId,
        reason,
        requestedBy: request.requestedBy,
      },
      { key: request.family, causedBy },
    );
    await this.audit.record(
      tx,
      {
        actor: request.requestedBy,
        action: 'build.rejected',
        subject: { family: request.family },
        before: null,
        after: null,
        outcome: 'rejected',
        reason,
      },
      causedBy,
    );
    return { outcome: 'rejected', reason };
  }
}

export const unknownFamily = (family: string) => `unknown family ${family}: apply its spec first`;
