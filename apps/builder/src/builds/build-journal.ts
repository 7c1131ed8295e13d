import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BUILD_STEP_CHANGED, BuildStep } from '@ami/contracts';
import { AuditRecorder, EventPublisher } from '@ami/messaging';
import type { Build } from './build.types.js';
import { BuildsRepository } from './builds.repository.js';

/**
 * Records every step change of a build three ways, in the caller's transaction: a row in
 * build_steps (for the API's per-step timings), an event on ami.builder.builds.v1, and an
 * audit event.
 */
@Injectable()
export class BuildJournal {
  constructor(
    @Inject(BuildsRepository) private readonly builds: BuildsRepository,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
  ) {}

  async step(
    tx: EntityManager,
    build: Build,
    step: BuildStep,
    status: 'started' | 'completed' | 'failed',
    attempt: number,
    detail?: Record<string, unknown>,
  ): Promise<void> {
    await this.builds.recordStep(tx, build.id, step, status, attempt, detail);
    const causedBy = { id: build.requestId, correlationid: build.correlationId };
    await this.events.publish(
      tx,
      BUILD_STEP_CHANGED,
      {
        buildId: build.id,
        family: build.family,
        step,
        status,
        attempt,
        at: new Date().toISOString(),
        detail,
      },
      { key: build.family, causedBy },
    );
    await this.audit.record(
      tx,
      {
        actor: 'builder',
        action: `build.step.${status}`,
        subject: {
          family: build.family,
          version: build.version ?? undefined,
          region: build.recipe.region,
          imageId: build.imageId ?? undefined,
        },
        before: null,
        after: { buildId: build.id, step, attempt, ...detail },
        outcome: status === 'failed' ? 'failed' : status === 'started' ? 'started' : 'succeeded',
      },
      causedBy,
    );
  }
}
