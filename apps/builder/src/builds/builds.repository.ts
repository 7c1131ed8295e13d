import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { BuildStep } from '@ami/contracts';
import { FencedLeases, type Lease, LeaseLostError } from '@ami/jobs';
import { returnedRows } from '@ami/persistence';
import type { PageRequest } from '@ami/runtime';
import {
  CREATED_RESOURCE_FIELDS,
  type Build,
  type BuildPatch,
  type BuildState,
  type StepRecord,
} from './build.types.js';

const COLUMNS: Record<keyof BuildPatch, string> = {
  source: 'source',
  instanceId: 'instance_id',
  commandId: 'command_id',
  imageId: 'image_id',
  imageName: 'image_name',
  version: 'version',
  snapshotIds: 'snapshot_ids',
  testInstanceId: 'test_instance_id',
  testStepIndex: 'test_step_index',
  testCommandId: 'test_command_id',
};

/** The builds table's fenced leases: every claim bumps lease_epoch, every write names it. */
export const buildLeases = new FencedLeases('builder.builds');

/** A change a step makes to its build, written under the worker's lease. */
export interface BuildChange {
  patch?: BuildPatch;
  step?: BuildStep;
  attempt?: number;
  delayMs?: number;
  state?: BuildState;
  failure?: { step: string; reason: string; cleanedUp: string[] };
}

export function toBuild(r: any): Build {
  return {
    id: r.id,
    family: r.family,
    state: r.state,
    step: r.step,
    stepAttempt: r.step_attempt,
    stepStartedAt: r.step_started_at,
    cancelRequested: r.cancel_requested,
    force: r.force,
    reason: r.reason,
    requestedBy: r.requested_by,
    requestId: r.request_id,
    correlationId: r.correlation_id,
    idempotencyKey: r.idempotency_key,
    retryOf: r.retry_of,
    specVersion: r.spec_version,
    recipe: r.recipe,
    recipeDigest: r.recipe_digest,
    sourceSpec: r.source_spec,
    source: r.source,
    instanceId: r.instance_id,
    commandId: r.command_id,
    imageId: r.image_id,
    imageName: r.image_name,
    version: r.version,
    snapshotIds: r.snapshot_ids ?? [],
    testInstanceId: r.test_instance_id,
    testStepIndex: r.test_step_index ?? 0,
    testCommandId: r.test_command_id ?? null,
    resourceCreatedAt: r.resource_created_at ?? null,
    lease: r.lease_owner ? { owner: r.lease_owner, epoch: Number(r.lease_epoch) } : null,
    failedStep: r.failed_step,
    failureReason: r.failure_reason,
    cleanedUp: r.cleaned_up ?? [],
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

function leaseOf(build: Build): Lease {
  // A build that was never claimed holds no lease: any write under it must be refused.
  if (!build.lease) throw new LeaseLostError('builder.builds', build.id, { owner: '', epoch: -1 });
  return build.lease;
}

export type NewBuild = Pick<
  Build,
  | 'id'
  | 'family'
  | 'reason'
  | 'requestedBy'
  | 'requestId'
  | 'correlationId'
  | 'idempotencyKey'
  | 'force'
  | 'specVersion'
  | 'recipe'
  | 'recipeDigest'
  | 'sourceSpec'
  | 'retryOf'
>;

@Injectable()
export class BuildsRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async get(id: string, tx: EntityManager = this.db.manager): Promise<Build | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const rows = await tx.query('SELECT * FROM builder.builds WHERE id = $1', [id]);
    return rows[0] ? toBuild(rows[0]) : null;
  }

  async list(page: PageRequest, filter: { family?: string; state?: string }): Promise<Build[]> {
    const [afterTime, afterId] = page.after ? page.after.split('|') : [null, null];
    const rows = await this.db.query(
      `SELECT * FROM builder.builds WHERE ($1::text IS NULL OR family = $1) AND ($2::text IS NULL OR state = $2)
         AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
       ORDER BY created_at DESC, id DESC LIMIT $5`,
      [filter.family ?? null, filter.state ?? null, afterTime, afterId, page.limit + 1],
    );
    return rows.map(toBuild);
  }

  async steps(id: string): Promise<StepRecord[]> {
    const rows = await this.db.query(
      'SELECT step, status, attempt, at, detail FROM builder.build_steps WHERE build_id = $1 ORDER BY id',
      [id],
    );
    return rows.map((r: any) => ({
      step: r.step,
      status: r.status,
      attempt: r.attempt,
      at: r.at,
      detail: r.detail,
    }));
  }

  async activeFor(tx: EntityManager, family: string): Promise<Build | null> {
    const rows = await tx.query(
      `SELECT * FROM builder.builds WHERE family = $1 AND state IN ('queued', 'running')`,
      [family],
    );
    return rows[0] ? toBuild(rows[0]) : null;
  }

  async byIdempotencyKey(tx: EntityManager, family: string, key: string): Promise<Build | null> {
    const rows = await tx.query(
      'SELECT * FROM builder.builds WHERE family = $1 AND idempotency_key = $2',
      [family, key],
    );
    return rows[0] ? toBuild(rows[0]) : null;
  }

  async lastSucceeded(family: string, tx: EntityManager = this.db.manager): Promise<Build | null> {
    const rows = await tx.query(
      `SELECT * FROM builder.builds WHERE family = $1 AND state = 'succeeded' ORDER BY finished_at DESC LIMIT 1`,
      [family],
    );
    return rows[0] ? toBuild(rows[0]) : null;
  }

  async insert(tx: EntityManager, b: NewBuild): Promise<void> {
    await tx.query(
      `INSERT INTO builder.builds (id, family, state, step, reason, requested_by, request_id, correlation_id, idempotency_key, force, spec_version, recipe, recipe_digest, source_spec, retry_of)
       VALUES ($1, $2, 'queued', 'resolve-source', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        b.id,
        b.family,
        b.reason,
        b.requestedBy,
        b.requestId,
        b.correlationId,
        b.idempotencyKey,
        b.force,
        b.specVersion,
        JSON.stringify(b.recipe),
        b.recipeDigest,
        JSON.stringify(b.sourceSpec),
        b.retryOf,
      ],
    );
  }

  /** Queued builds become running while fewer than `cap` run; returns the started ids. */
  async startQueued(tx: EntityManager, cap: number): Promise<string[]> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['builder-start-queued']);
    const rows = await tx.query(
      `UPDATE builder.builds SET state = 'running', started_at = now(), step_started_at = now(), next_attempt_at = now(), updated_at = now()
       WHERE id IN (
         SELECT id FROM builder.builds WHERE state = 'queued' ORDER BY created_at
         LIMIT GREATEST(0, $1 - (SELECT count(*) FROM builder.builds WHERE state = 'running'))
       ) RETURNING id`,
      [cap],
    );
    return returnedRows(rows).map((r: any) => r.id);
  }

  /**
   * Claims due builds for this worker under a fenced lease (the epoch is bumped on each claim);
   * a crashed worker's lease simply expires and the next claim fences it out.
   */
  async claimDue(
    owner: string,
    limit: number,
    leaseMs: number,
    excludeStep: BuildStep,
  ): Promise<Build[]> {
    const claimed = await buildLeases.claim(this.db, {
      owner,
      limit,
      leaseMs,
      where: `state = 'running' AND next_attempt_at <= now() AND (step <> $1 OR cancel_requested)`,
      params: [excludeStep],
      orderBy: 'next_attempt_at',
    });
    return claimed.map((c) => toBuild(c.row));
  }

  /** Builds waiting for their image, with no live lease, grouped by the caller per region. */
  async waitingForImage(owner: string, leaseMs: number): Promise<Build[]> {
    const claimed = await buildLeases.claim(this.db, {
      owner,
      limit: 10_000,
      leaseMs,
      where: `state = 'running' AND step = 'wait-image' AND NOT cancel_requested`,
    });
    return claimed.map((c) => toBuild(c.row));
  }

  /** Extends the lease while a step waits on AWS; false when another worker took the build. */
  async renew(build: Build, leaseMs: number): Promise<boolean> {
    return buildLeases.renew(this.db, build.id, leaseOf(build), leaseMs);
  }

  /**
   * Applies a step's result if this worker still holds the lease it claimed the build under
   * (owner and epoch), and releases the lease. Throws LeaseLostError when it does not: the
   * caller must then drop the build without touching AWS or publishing anything.
   */
  async advance(tx: EntityManager, build: Build, change: BuildChange): Promise<void> {
    const sets: Record<string, unknown> = {};
    const raw: string[] = ['updated_at = now()'];
    for (const [key, value] of Object.entries(change.patch ?? {})) {
      const column = COLUMNS[key as keyof BuildPatch];
      sets[column] = column === 'source' ? JSON.stringify(value) : value;
    }
    if (CREATED_RESOURCE_FIELDS.some((field) => change.patch?.[field]))
      raw.push('resource_created_at = now()');
    if (change.step && change.step !== build.step) {
      sets.step = change.step;
      raw.push('step_started_at = now()');
    }
    if (change.attempt !== undefined) sets.step_attempt = change.attempt;
    sets.next_attempt_at = new Date(Date.now() + (change.delayMs ?? 0));
    if (change.state) {
      sets.state = change.state;
      if (!['queued', 'running'].includes(change.state)) raw.push('finished_at = now()');
    }
    if (change.failure) {
      sets.failed_step = change.failure.step;
      sets.failure_reason = change.failure.reason;
      sets.cleaned_up = change.failure.cleanedUp;
    }
    await buildLeases.update(tx, build.id, leaseOf(build), sets, { raw });
  }

  async recordStep(
    tx: EntityManager,
    buildId: string,
    step: string,
    status: StepRecord['status'],
    attempt: number,
    detail?: Record<string, unknown>,
  ): Promise<void> {
    await tx.query(
      'INSERT INTO builder.build_steps (build_id, step, status, attempt, detail) VALUES ($1, $2, $3, $4, $5)',
      [buildId, step, status, attempt, detail ? JSON.stringify(detail) : null],
    );
  }

  async requestCancel(tx: EntityManager, id: string): Promise<Build | null> {
    const result = await tx.query(
      `UPDATE builder.builds SET cancel_requested = true, next_attempt_at = now(), updated_at = now() WHERE id = $1 AND state IN ('queued', 'running') RETURNING *`,
      [id],
    );
    const rows = returnedRows(result);
    return rows[0] ? toBuild(rows[0]) : null;
  }

  /** The next version name of a family for a day: 2026.11.27-1, -2, ... */
  async nextVersion(tx: EntityManager, family: string, day: string): Promise<string> {
    const rows = await tx.query(
      // split_part, not a regex anchored with a dollar before a quote: tsc-alias mangles that pair (test/foundation/build-output.spec.ts).
      `SELECT coalesce(max(split_part(version, '-', 2)::int), 0) + 1 AS n FROM builder.builds WHERE family = $1 AND version LIKE $2`,
      [family, `${day}-%`],
    );
    return `${day}-${rows[0].n}`;
  }
}
