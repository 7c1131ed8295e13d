import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { FencedLeases, type Claimed, type Lease } from '@ami/jobs';
import { returnedRows } from '@ami/persistence';
import type { PageRequest } from '@ami/runtime';
import type { DesiredTarget } from './desired-targets.js';
import { toTargetRow, type TargetMovement, type TargetRow } from './target-state.types.js';

const TABLE = 'replicator.distribution_targets';

/** Where a channel points, as the replicator last heard it. */
export interface ChannelPointer {
  family: string;
  channel: string;
  version: string;
  previousVersion: string | null;
  sequence: number | null;
  movement: 'promote' | 'rollback';
  movedBy: string;
  correlationId: string;
}

export interface TargetFilter {
  family?: string;
  channel?: string;
  region?: string;
  state?: string;
}

const toPointer = (r: any): ChannelPointer => ({
  family: r.family,
  channel: r.channel,
  version: r.version,
  previousVersion: r.previous_version,
  sequence: r.sequence === null ? null : Number(r.sequence),
  movement: r.movement,
  movedBy: r.moved_by,
  correlationId: r.correlation_id,
});

@Injectable()
export class TargetsRepository {
  readonly leases = new FencedLeases(TABLE);

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /**
   * Saves a channel's new pointer unless a later move is already held (a replayed or
   * overtaken event); false when it changed nothing.
   */
  async savePointer(tx: EntityManager, p: ChannelPointer): Promise<boolean> {
    const result = await tx.query(
      `INSERT INTO replicator.channel_pointers (family, channel, version, previous_version, sequence, movement, moved_by, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (family, channel) DO UPDATE SET version = EXCLUDED.version,
         previous_version = EXCLUDED.previous_version, sequence = EXCLUDED.sequence,
         movement = EXCLUDED.movement, moved_by = EXCLUDED.moved_by,
         correlation_id = EXCLUDED.correlation_id, updated_at = now()
       WHERE EXCLUDED.sequence IS NULL OR replicator.channel_pointers.sequence IS NULL
         OR replicator.channel_pointers.sequence < EXCLUDED.sequence
       RETURNING family`,
      [
        p.family,
        p.channel,
        p.version,
        p.previousVersion,
        p.sequence,
        p.movement,
        p.movedBy,
        p.correlationId,
      ],
    );
    return returnedRows(result).length === 1;
  }

  async pointers(tx: EntityManager, family: string): Promise<ChannelPointer[]> {
    const rows = await tx.query(
      'SELECT * FROM replicator.channel_pointers WHERE family = $1 ORDER BY channel',
      [family],
    );
    return rows.map(toPointer);
  }

  /**
   * Points every target of a channel at a version: new targets are created, targets whose
   * desired version or default flag changes go back to pending with a new generation (which
   * also fences a worker writing the old value), and targets the spec no longer names are
   * dropped (returned; nothing in AWS is deleted). A target already holding the version is
   * left alone.
   */
  async aim(
    tx: EntityManager,
    aim: {
      family: string;
      channel: string;
      version: string;
      movement: TargetMovement;
      correlationId: string;
    },
    desired: DesiredTarget[],
  ): Promise<{ aimed: TargetRow[]; dropped: TargetRow[] }> {
    const aimed: TargetRow[] = [];
    for (const d of desired) {
      const result = await tx.query(
        `INSERT INTO ${TABLE} (id, family, channel, kind, region, target, set_default, state, desired_version, movement, correlation_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10)
         ON CONFLICT (family, channel, kind, region, target) DO UPDATE SET
           set_default = EXCLUDED.set_default, state = 'pending', desired_version = EXCLUDED.desired_version,
           movement = EXCLUDED.movement, correlation_id = EXCLUDED.correlation_id,
           generation = ${TABLE}.generation + 1, attempt = 1, next_attempt_at = now(), waiting_since = NULL,
           image_id = NULL, drift = NULL, failure_code = NULL, failure_reason = NULL, updated_at = now(),
           lease_owner = NULL, lease_until = NULL, lease_epoch = ${TABLE}.lease_epoch + 1
         WHERE ${TABLE}.desired_version <> EXCLUDED.desired_version OR ${TABLE}.set_default <> EXCLUDED.set_default
           OR ${TABLE}.state <> 'written'
         RETURNING *`,
        [
          randomUUID(),
          aim.family,
          aim.channel,
          d.kind,
          d.region,
          d.target,
          d.setDefault,
          aim.version,
          aim.movement,
          aim.correlationId,
        ],
      );
      aimed.push(...returnedRows(result).map(toTargetRow));
    }
    const keys = desired.map((d) => `${d.kind}|${d.region}|${d.target}`);
    const dropped = await tx.query(
      `DELETE FROM ${TABLE} WHERE family = $1 AND channel = $2
         AND NOT (kind || '|' || region || '|' || target = ANY($3::text[])) RETURNING *`,
      [aim.family, aim.channel, keys],
    );
    return { aimed, dropped: returnedRows(dropped).map(toTargetRow) };
  }

  /** Drops the targets of channels the family no longer has targets for. */
  async dropChannelsExcept(
    tx: EntityManager,
    family: string,
    channels: string[],
  ): Promise<TargetRow[]> {
    const result = await tx.query(
      `DELETE FROM ${TABLE} WHERE family = $1 AND NOT (channel = ANY($2::text[])) RETURNING *`,
      [family, channels],
    );
    return returnedRows(result).map(toTargetRow);
  }

  async get(id: string): Promise<TargetRow | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const rows = await this.db.query(`SELECT * FROM ${TABLE} WHERE id = $1`, [id]);
    return rows[0] ? toTargetRow(rows[0]) : null;
  }

  async list(page: PageRequest, filter: TargetFilter): Promise<TargetRow[]> {
    const [afterKey, afterId] = page.after ? page.after.split('|') : [null, null];
    const rows = await this.db.query(
      `SELECT * FROM ${TABLE}
       WHERE ($1::text IS NULL OR family = $1) AND ($2::text IS NULL OR channel = $2)
         AND ($3::text IS NULL OR region = $3) AND ($4::text IS NULL OR state = $4)
         AND ($5::timestamptz IS NULL OR (created_at, id) > ($5::timestamptz, $6::uuid))
       ORDER BY created_at, id LIMIT $7`,
      [
        filter.family ?? null,
        filter.channel ?? null,
        filter.region ?? null,
        filter.state ?? null,
        afterKey,
        afterId,
        page.limit + 1,
      ],
    );
    return rows.map(toTargetRow);
  }

  /** Targets due for a write: pending, or failed with an attempt left and its backoff over. */
  async claimDue(owner: string, limit: number, leaseMs: number): Promise<Claimed<TargetRow>[]> {
    const claimed = await this.leases.claim(this.db, {
      owner,
      limit,
      leaseMs,
      where: `state IN ('pending', 'failed') AND next_attempt_at <= now()`,
      orderBy: 'next_attempt_at, id',
    });
    return claimed.map(({ row, lease }) => ({ row: toTargetRow(row), lease }));
  }

  /**
   * Written targets due for a read-back (not checked within `everyMs`, or all of a family's
   * when asked on demand).
   */
  async claimForCheck(
    owner: string,
    options: { limit: number; leaseMs: number; everyMs: number; family?: string },
  ): Promise<Claimed<TargetRow>[]> {
    const claimed = await this.leases.claim(this.db, {
      owner,
      limit: options.limit,
      leaseMs: options.leaseMs,
      where: `state = 'written' AND ($1::text IS NULL OR family = $1)
        AND (checked_at IS NULL OR checked_at <= now() - ($2 || ' milliseconds')::interval)`,
      params: [options.family ?? null, String(options.everyMs)],
      orderBy: 'checked_at NULLS FIRST, id',
    });
    return claimed.map(({ row, lease }) => ({ row: toTargetRow(row), lease }));
  }

  /** Failed targets that spent their attempts get a fresh round (the reconcile's retry). */
  async reviveFailed(tx: EntityManager, family?: string): Promise<number> {
    const result = await tx.query(
      `UPDATE ${TABLE} SET attempt = 1, next_attempt_at = now(), updated_at = now()
       WHERE state = 'failed' AND next_attempt_at = 'infinity' AND ($1::text IS NULL OR family = $1)
       RETURNING id`,
      [family ?? null],
    );
    return returnedRows(result).length;
  }

  /** A fenced write of a claimed target; releases the lease. */
  save(
    tx: EntityManager | DataSource,
    row: TargetRow,
    lease: Lease,
    sets: Record<string, unknown>,
    options: { delayMs?: number; never?: boolean } = {},
  ): Promise<void> {
    const raw = ['updated_at = now()'];
    if (options.never) raw.push(`next_attempt_at = 'infinity'`);
    else if (options.delayMs !== undefined)
      raw.push(
        `next_attempt_at = now() + (${Math.max(0, Math.round(options.delayMs))} * interval '1 millisecond')`,
      );
    return this.leases.update(tx, row.id, lease, sets, { raw });
  }
}
