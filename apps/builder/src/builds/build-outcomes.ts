import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BUILD_FAILED, BUILD_REJECTED, BUILD_SUCCEEDED, BuildStep } from '@ami/contracts';
import { APP_CONFIG } from '@ami/config';
import { AuditRecorder, EventPublisher } from '@ami/messaging';
import type { BuilderConfig } from '../config/builder.config.js';
import { FamilyRecipesRepository } from '../recipes/family-recipes.repository.js';
import type { Build } from './build.types.js';
import { BuildJournal } from './build-journal.js';
import { BuildsRepository } from './builds.repository.js';
import { redactOutput } from './output-redaction.js';

/** The ends of a build: each one state change, its events and its audit, in one transaction. */
@Injectable()
export class BuildOutcomes {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(BuildsRepository) private readonly builds: BuildsRepository,
    @Inject(BuildJournal) private readonly journal: BuildJournal,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
    @Inject(FamilyRecipesRepository) private readonly recipes: FamilyRecipesRepository,
    @Inject(APP_CONFIG) private readonly config: BuilderConfig,
  ) {}

  private causedBy(build: Build) {
    return { id: build.requestId, correlationid: build.correlationId };
  }

  succeeded(build: Build): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await this.builds.advance(tx, build, { state: 'succeeded' });
      await this.journal.step(tx, build, 'publish', 'completed', build.stepAttempt);
      const finishedAt = new Date().toISOString();
      await this.events.publish(
        tx,
        BUILD_SUCCEEDED,
        {
          buildId: build.id,
          family: build.family,
          version: build.version!,
          specVersion: build.specVersion,
          recipeDigest: build.recipeDigest,
          source: {
            imageId: build.source!.imageId,
            region: build.source!.region,
            description: build.source!.description,
            parent: build.source!.parent,
          },
          image: {
            region: build.recipe.region,
            imageId: build.imageId!,
            name: build.imageName!,
            snapshotIds: build.snapshotIds,
          },
          startedAt: new Date(build.startedAt ?? build.createdAt).toISOString(),
          finishedAt,
        },
        { key: build.family, causedBy: this.causedBy(build) },
      );
      await this.recipes.rememberImage(
        tx,
        build.family,
        build.version!,
        build.recipe.region,
        build.imageId!,
      );
      await this.audit.record(
        tx,
        {
          actor: 'builder',
          action: 'build.succeeded',
          subject: {
            family: build.family,
            version: build.version!,
            region: build.recipe.region,
            imageId: build.imageId!,
          },
          before: null,
          after: {
            buildId: build.id,
            snapshotIds: build.snapshotIds,
            sourceImageId: build.source!.imageId,
          },
          outcome: 'succeeded',
        },
        this.causedBy(build),
      );
      return true;
    });
  }

  /** Rejected (bad source) or skipped (nothing changed): nothing was launched. */
  notBuilt(build: Build, state: 'rejected' | 'skipped', reason: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await this.builds.advance(tx, build, {
        state,
        failure: { step: build.step, reason, cleanedUp: [] },
      });
      await this.journal.step(
        tx,
        build,
        build.step,
        state === 'rejected' ? 'failed' : 'completed',
        build.stepAttempt,
        { [state]: reason },
      );
      await this.events.publish(
        tx,
        BUILD_REJECTED,
        {
          family: build.family,
          requestId: build.requestId,
          reason,
          requestedBy: build.requestedBy,
        },
        { key: build.family, causedBy: this.causedBy(build) },
      );
      await this.audit.record(
        tx,
        {
          actor: 'builder',
          action: `build.${state}`,
          subject: { family: build.family },
          before: null,
          after: { buildId: build.id },
          outcome: 'rejected',
          reason,
        },
        this.causedBy(build),
      );
      return true;
    });
  }

  failed(
    build: Build,
    step: BuildStep,
    reason: string,
    cleanedUp: string[],
    cancelled: boolean,
  ): Promise<boolean> {
    // The last gate before the reason reaches the row, Kafka and the audit stream: whatever a
    // step put in it (command output, an AWS message) is masked and capped here.
    const safeReason = redactOutput(reason, this.config.BUILD_OUTPUT_MAX_CHARS + 1000);
    return this.failedSafely(build, step, safeReason, cleanedUp, cancelled);
  }

  private failedSafely(
    build: Build,
    step: BuildStep,
    reason: string,
    cleanedUp: string[],
    cancelled: boolean,
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await this.builds.advance(tx, build, {
        state: cancelled ? 'cancelled' : 'failed',
        failure: { step, reason, cleanedUp },
      });
      await this.journal.step(tx, build, step, 'failed', build.stepAttempt, { reason });
      await this.events.publish(
        tx,
        BUILD_FAILED,
        { buildId: build.id, family: build.family, step, reason, cancelled, cleanedUp },
        { key: build.family, causedBy: this.causedBy(build) },
      );
      await this.audit.record(
        tx,
        {
          actor: 'builder',
          action: cancelled ? 'build.cancelled' : 'build.failed',
          subject: {
            family: build.family,
            version: build.version ?? undefined,
            imageId: build.imageId ?? undefined,
          },
          before: null,
          after: { buildId: build.id, step, cleanedUp },
          outcome: 'failed',
          reason,
        },
        this.causedBy(build),
      );
      return true;
    });
  }
}
