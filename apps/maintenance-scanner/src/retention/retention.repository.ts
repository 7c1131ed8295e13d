import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { FamilyStorage } from '@ami/contracts';
import { FencedLeases, type Claimed, type Lease, type Queryable } from '@ami/jobs';
import { returnedRows } from '@ami/persistence';
import type { ChannelSpan, RetentionPolicy, VersionFacts } from './retention-rules.js';
import type {
  ActionKind,
  Copy,
  KeptVersion,
  PlanContent,
  PlannedAction,
} from './retention-plan.js';

const S = 'maintenance_scanner';
export const PLANS_TABLE = `${S}.retention_plans`;

export type PlanState = 'planned' | 'executing' | 'done' | 'superseded';
export type ActionState = 'pending' | 'done' | 'skipped' | 'failed';

export interface StoredAction extends PlannedAction {
  planId: string;
  seq: number;
  state: ActionState;
  attempts: number;
  reason: string | null;
  nextAttemptAt: Date;
  doneAt: Date | null;
}

export interface StoredPlan {
  id: string;
  family: string;
  trigger: 'schedule' | 'api';
  requestedBy: string;
  state: PlanState;
  policy: RetentionPolicy & { retentionMode: 'enforce' | 'report-only' };
  kept: KeptVersion[];
  sharedSnapshots: PlanContent['sharedSnapshots'];
  storage: FamilyStorage[];
  unknownUsage: string[];
  bytesRecovered: number;
  createdAt: Date;
  executeRequestedBy: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** What retention knows of a family, from the facts the scanner learnt. */
export interface RetentionFacts {
  versions: VersionFacts[];
  channels: ChannelSpan[];
  copies: Copy[];
  /** Role names per other account (distribution.accounts). */
  roles: Map<string, string>;
}

/** Retention's tables: channel history, account copies, holds, plans and their actions. */
@Injectable()
export class RetentionRepository {
  readonly leases = new FencedLeases(PLANS_TABLE);

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async facts(db: Queryable, family: string, platformAccount: string): Promise<RetentionFacts> {
    const versions = returnedRows<any>(
      await db.query(
        `SELECT v.version, v.built_at, h.reason AS held_reason
         FROM ${S}.versions v LEFT JOIN ${S}.version_holds h USING (family, version)
         WHERE v.family = $1`,
        [family],
      ),
    ).map((r) => ({
      version: r.version,
      builtAt: new Date(r.built_at),
      heldReason: r.held_reason,
    }));
    // Each pointer a channel had lasts until the next move (in the catalog's sequence); a
    // channel that moved before history was kept has its current pointer only.
    const channels = returnedRows<any>(
      await db.query(
        `SELECT channel, version, moved_at AS since,
           lead(moved_at) OVER (PARTITION BY channel ORDER BY sequence NULLS FIRST, moved_at) AS until
         FROM ${S}.channel_history WHERE family = $1
         UNION ALL
         SELECT c.channel, c.version, c.updated_at, NULL FROM ${S}.channels c
         WHERE c.family = $1 AND NOT EXISTS (
           SELECT 1 FROM ${S}.channel_history h WHERE h.family = c.family AND h.channel = c.channel)`,
        [family],
      ),
    ).map((r) => ({
      channel: r.channel,
      version: r.version,
      since: new Date(r.since),
      until: r.until ? new Date(r.until) : null,
    }));
    const copies = returnedRows<any>(
      await db.query(
        `SELECT version, $2::text AS account, region, image_id FROM ${S}.version_images WHERE family = $1
         UNION ALL
         SELECT version, account, region, image_id FROM ${S}.account_copies WHERE family = $1`,
        [family, platformAccount],
      ),
    ).map((r) => ({
      version: r.version,
      account: r.account,
      region: r.region,
      imageId: r.image_id,
    }));
    return { versions, channels, copies, roles: await this.roles(db, family) };
  }

  /** The role to assume in each other account the family distributes to. */
  async roles(db: Queryable, family: string): Promise<Map<string, string>> {
    const [row] = returnedRows<any>(
      await db.query(`SELECT accounts FROM ${S}.families WHERE id = $1`, [family]),
    );
    return new Map(
      ((row?.accounts ?? []) as { accountId: string; roleName: string }[]).map((a) => [
        a.accountId,
        a.roleName,
      ]),
    );
  }

  async hold(db: Queryable, family: string, version: string, reason: string, by: string) {
    await db.query(
      `INSERT INTO ${S}.version_holds (family, version, reason, held_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (family, version) DO UPDATE SET reason = EXCLUDED.reason, held_by = EXCLUDED.held_by, held_at = now()`,
      [family, version, reason, by],
    );
  }

  async releaseHold(db: Queryable, family: string, version: string): Promise<boolean> {
    const result = await db.query(
      `DELETE FROM ${S}.version_holds WHERE family = $1 AND version = $2 RETURNING version`,
      [family, version],
    );
    return returnedRows(result).length === 1;
  }

  /** A plan whose actions are (or were) executing for the family. */
  async executing(db: Queryable, family: string): Promise<string | null> {
    const [row] = returnedRows<{ id: string }>(
      await db.query(
        `SELECT id FROM ${PLANS_TABLE} WHERE family = $1 AND state = 'executing' LIMIT 1`,
        [family],
      ),
    );
    return row?.id ?? null;
  }

  /** Stores a plan; older plans of the family from the same trigger, not yet executed, can no longer be. */
  async insertPlan(
    db: Queryable,
    plan: Omit<StoredPlan, 'createdAt' | 'startedAt' | 'finishedAt' | 'executeRequestedBy'>,
    actions: PlannedAction[],
  ): Promise<void> {
    // Plans finished a month ago are history the audit topic keeps; the table does not.
    await db.query(
      `DELETE FROM ${S}.retention_actions WHERE plan_id IN (
         SELECT id FROM ${PLANS_TABLE} WHERE family = $1 AND state IN ('done', 'superseded')
           AND created_at < now() - interval '30 days')`,
      [plan.family],
    );
    await db.query(
      `DELETE FROM ${PLANS_TABLE} WHERE family = $1 AND state IN ('done', 'superseded')
         AND created_at < now() - interval '30 days'`,
      [plan.family],
    );
    // A dry run asked by API is replaced only by the next one asked by API, not by the schedule.
    await db.query(
      `UPDATE ${PLANS_TABLE} SET state = 'superseded' WHERE family = $1 AND state = 'planned' AND trigger = $2`,
      [plan.family, plan.trigger],
    );
    await db.query(
      `INSERT INTO ${PLANS_TABLE} (id, family, trigger, requested_by, state, policy, kept, shared_snapshots, storage, unknown_usage, bytes_recovered)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        plan.id,
        plan.family,
        plan.trigger,
        plan.requestedBy,
        plan.state,
        JSON.stringify(plan.policy),
        JSON.stringify(plan.kept),
        JSON.stringify(plan.sharedSnapshots),
        JSON.stringify(plan.storage),
        JSON.stringify(plan.unknownUsage),
        plan.bytesRecovered,
      ],
    );
    for (const [seq, a] of actions.entries())
      await db.query(
        `INSERT INTO ${S}.retention_actions (plan_id, seq, version, account, region, image_id, action, snapshot_id, bytes, deprecate_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          plan.id,
          seq + 1,
          a.version,
          a.account,
          a.region,
          a.imageId,
          a.action,
          a.snapshotId,
          a.bytes,
          a.deprecateAt,
        ],
      );
  }

  async plan(
    db: Queryable,
    id: string,
  ): Promise<{ plan: StoredPlan; actions: StoredAction[] } | null> {
    const [row] = returnedRows<any>(
      await db.query(`SELECT * FROM ${PLANS_TABLE} WHERE id = $1`, [id]),
    );
    if (!row) return null;
    return { plan: toPlan(row), actions: await this.actions(db, id) };
  }

  async latestPlan(db: Queryable, family: string) {
    const [row] = returnedRows<{ id: string }>(
      await db.query(
        `SELECT id FROM ${PLANS_TABLE} WHERE family = $1 ORDER BY created_at DESC LIMIT 1`,
        [family],
      ),
    );
    return row ? this.plan(db, row.id) : null;
  }

  async actions(db: Queryable, planId: string): Promise<StoredAction[]> {
    return returnedRows<any>(
      await db.query(`SELECT * FROM ${S}.retention_actions WHERE plan_id = $1 ORDER BY seq`, [
        planId,
      ]),
    ).map(toAction);
  }

  /**
   * Starts executing a dry-run plan, unless another plan of its family is executing. Whether it
   * started, and the state the plan is in now.
   */
  async startExecuting(
    db: Queryable,
    id: string,
    by: string,
  ): Promise<{ started: boolean; state: PlanState | null }> {
    const started = returnedRows(
      await db.query(
        `UPDATE ${PLANS_TABLE} p SET state = 'executing', execute_requested_by = $2, started_at = now(), next_attempt_at = now()
         WHERE id = $1 AND state = 'planned'
           AND NOT EXISTS (SELECT 1 FROM ${PLANS_TABLE} o WHERE o.family = p.family AND o.state = 'executing')
         RETURNING id`,
        [id, by],
      ),
    );
    const [current] = returnedRows<{ state: PlanState }>(
      await db.query(`SELECT state FROM ${PLANS_TABLE} WHERE id = $1`, [id]),
    );
    return { started: started.length === 1, state: current?.state ?? null };
  }

  claimExecuting(owner: string, limit: number, leaseMs: number): Promise<Claimed<any>[]> {
    return this.leases.claim(this.db, {
      owner,
      limit,
      leaseMs,
      where: `state = 'executing' AND (next_attempt_at IS NULL OR next_attempt_at <= now())`,
      orderBy: 'next_attempt_at NULLS FIRST',
    });
  }

  /** Saves one action's outcome, fenced by the plan's lease, and extends the lease. */
  async settleAction(
    db: Queryable,
    planId: string,
    lease: Lease,
    seq: number,
    outcome: { state: ActionState; reason: string | null; attempts: number; nextAttemptAt?: Date },
    leaseMs: number,
  ): Promise<void> {
    await this.leases.assertHeld(db, planId, lease);
    // Each settled action extends the lease: a long phase keeps its plan.
    await this.leases.renew(db, planId, lease, leaseMs);
    await db.query(
      `UPDATE ${S}.retention_actions SET state = $3, reason = $4, attempts = $5,
         next_attempt_at = coalesce($6, next_attempt_at), done_at = CASE WHEN $3 = 'pending' THEN NULL ELSE now() END
       WHERE plan_id = $1 AND seq = $2`,
      [planId, seq, outcome.state, outcome.reason, outcome.attempts, outcome.nextAttemptAt ?? null],
    );
  }

  /** Releases the plan: done when nothing is pending, else due again at the next retry. */
  async releasePlan(db: Queryable, planId: string, lease: Lease): Promise<'done' | 'executing'> {
    const [next] = returnedRows<{ at: Date | null; pending: string }>(
      await db.query(
        `SELECT min(next_attempt_at) AS at, count(*) AS pending FROM ${S}.retention_actions
         WHERE plan_id = $1 AND state = 'pending'`,
        [planId],
      ),
    );
    const done = Number(next?.pending ?? 0) === 0;
    await this.leases.update(db, planId, lease, {
      state: done ? 'done' : 'executing',
      next_attempt_at: done ? null : next!.at,
      ...(done && { finished_at: new Date() }),
    });
    return done ? 'done' : 'executing';
  }
}

function toPlan(r: any): StoredPlan {
  return {
    id: r.id,
    family: r.family,
    trigger: r.trigger,
    requestedBy: r.requested_by,
    state: r.state,
    policy: r.policy,
    kept: r.kept,
    sharedSnapshots: r.shared_snapshots,
    storage: r.storage,
    unknownUsage: r.unknown_usage,
    bytesRecovered: Number(r.bytes_recovered),
    createdAt: new Date(r.created_at),
    executeRequestedBy: r.execute_requested_by,
    startedAt: r.started_at ? new Date(r.started_at) : null,
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
  };
}

function toAction(r: any): StoredAction {
  return {
    planId: r.plan_id,
    seq: r.seq,
    version: r.version,
    account: r.account,
    region: r.region,
    imageId: r.image_id,
    action: r.action as ActionKind,
    snapshotId: r.snapshot_id,
    bytes: Number(r.bytes),
    deprecateAt: r.deprecate_at ? new Date(r.deprecate_at) : null,
    state: r.state,
    attempts: r.attempts,
    reason: r.reason,
    nextAttemptAt: new Date(r.next_attempt_at),
    doneAt: r.done_at ? new Date(r.done_at) : null,
  };
}
