import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { FamilySpec, MaintenanceFindings } from '@ami/contracts';
import { FencedLeases, type Claimed, type Lease, type Queryable } from '@ami/jobs';
import { returnedRows } from '@ami/persistence';
import {
  toRebuildAsk,
  toScanFamily,
  toScanVersion,
  type AskState,
  type CascadeOrigin,
  type RebuildAsk,
  type ScanFamily,
  type ScanVersion,
} from './scan.types.js';
import type { ParentPointer, RevokedAncestor } from './rebuild-rules.js';

const S = 'maintenance_scanner';
export const FAMILIES_TABLE = `${S}.families`;

/** The scanner's tables: what it learnt from the other services' facts, and its scan jobs. */
@Injectable()
export class ScansRepository {
  readonly leases = new FencedLeases(FAMILIES_TABLE);

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /**
   * A new spec version: the family's maintenance slice, scanned at once. A spec change also
   * lifts a suspension for failing rebuilds (the owner may have fixed what failed).
   */
  async saveSpec(tx: EntityManager, spec: FamilySpec, specVersion: number): Promise<boolean> {
    const result = await tx.query(
      `INSERT INTO ${FAMILIES_TABLE} (id, spec_version, source, build_region, maintenance, parent_family, parent_channel, regions, accounts, next_scan_at, scan_cause)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), 'spec')
       ON CONFLICT (id) DO UPDATE SET spec_version = EXCLUDED.spec_version, source = EXCLUDED.source,
         build_region = EXCLUDED.build_region, maintenance = EXCLUDED.maintenance,
         parent_family = EXCLUDED.parent_family, parent_channel = EXCLUDED.parent_channel,
         regions = EXCLUDED.regions, accounts = EXCLUDED.accounts,
         next_scan_at = now(), scan_cause = 'spec', scan_generation = ${FAMILIES_TABLE}.scan_generation + 1, consecutive_failures = 0,
         suspended_at = NULL, updated_at = now()
       WHERE ${FAMILIES_TABLE}.spec_version < EXCLUDED.spec_version
       RETURNING id`,
      [
        spec.name,
        specVersion,
        JSON.stringify(spec.source),
        spec.build?.region ?? null,
        JSON.stringify(spec.maintenance),
        spec.source.family?.name ?? null,
        spec.source.family?.channel ?? null,
        [
          ...new Set([
            ...(spec.build ? [spec.build.region] : []),
            ...(spec.distribution?.regions ?? []),
          ]),
        ],
        JSON.stringify(
          (spec.distribution?.accounts ?? []).map((a) => ({
            accountId: a.accountId,
            roleName: a.roleName,
          })),
        ),
      ],
    );
    return returnedRows(result).length === 1;
  }

  async saveVersion(tx: EntityManager, v: ScanVersion & { buildId?: string | null }) {
    await tx.query(
      `INSERT INTO ${S}.versions (family, version, origin, built_at, source_image_id, parent_family, parent_version, build_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      [
        v.family,
        v.version,
        v.origin,
        v.builtAt,
        v.sourceImageId,
        v.parentFamily,
        v.parentVersion,
        v.buildId ?? null,
      ],
    );
  }

  async saveImage(
    tx: EntityManager,
    family: string,
    version: string,
    region: string,
    imageId: string,
  ) {
    await tx.query(
      `INSERT INTO ${S}.version_images (family, version, region, image_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (family, version, region) DO UPDATE SET image_id = EXCLUDED.image_id`,
      [family, version, region, imageId],
    );
  }

  /** A channel's new pointer, unless a later move is already held; false when nothing changed. */
  async saveChannel(
    tx: EntityManager,
    family: string,
    channel: string,
    version: string,
    sequence: number | null,
  ): Promise<boolean> {
    const result = await tx.query(
      `INSERT INTO ${S}.channels (family, channel, version, sequence) VALUES ($1, $2, $3, $4)
       ON CONFLICT (family, channel) DO UPDATE SET version = EXCLUDED.version,
         sequence = EXCLUDED.sequence, updated_at = now()
       WHERE EXCLUDED.sequence IS NULL OR ${S}.channels.sequence IS NULL
         OR ${S}.channels.sequence < EXCLUDED.sequence
       RETURNING family`,
      [family, channel, version, sequence],
    );
    return returnedRows(result).length === 1;
  }

  /** Plans the family's retention at once (a fact changed what it keeps or what it has). */
  async queueRetention(db: Queryable, family: string): Promise<void> {
    await db.query(
      `INSERT INTO ${S}.retention_schedule (id, next_plan_at) VALUES ($1, now())
       ON CONFLICT (id) DO UPDATE SET next_plan_at = now(), generation = ${S}.retention_schedule.generation + 1`,
      [family],
    );
  }

  /** A channel moved at `at`: one more span in its history (retention keeps recent pointers). */
  async recordChannelMove(
    db: Queryable,
    move: { family: string; channel: string; version: string; sequence: number | null; at: Date },
  ): Promise<void> {
    await db.query(
      `INSERT INTO ${S}.channel_history (family, channel, version, sequence, moved_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [move.family, move.channel, move.version, move.sequence, move.at],
    );
  }

  /** An owned copy in another account (distribution.accounts): retired with its version. */
  async saveAccountCopy(
    db: Queryable,
    copy: { family: string; version: string; account: string; region: string; imageId: string },
  ): Promise<void> {
    await db.query(
      `INSERT INTO ${S}.account_copies (family, version, account, region, image_id)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (family, version, account, region) DO UPDATE SET image_id = EXCLUDED.image_id`,
      [copy.family, copy.version, copy.account, copy.region, copy.imageId],
    );
  }

  /** Scans these families (or the children of `parentOf`) at once; the count queued. */
  async queueScan(
    db: Queryable,
    cause: string,
    filter: { families?: string[]; parentOf?: string; all?: boolean },
  ): Promise<number> {
    const where = filter.all
      ? 'true'
      : filter.parentOf !== undefined
        ? 'parent_family = $2'
        : 'id = ANY($2)';
    const params: unknown[] = [cause];
    if (!filter.all) params.push(filter.parentOf ?? filter.families ?? []);
    const result = await db.query(
      `UPDATE ${FAMILIES_TABLE} SET next_scan_at = now(), scan_cause = $1, scan_generation = scan_generation + 1 WHERE ${where} RETURNING id`,
      params,
    );
    return returnedRows(result).length;
  }

  async saveRevocation(
    tx: EntityManager,
    r: { family: string; version: string; reason: string; revokedBy: string },
  ): Promise<boolean> {
    const result = await tx.query(
      `INSERT INTO ${S}.revoked_versions (family, version, reason, revoked_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING family`,
      [r.family, r.version, r.reason, r.revokedBy],
    );
    return returnedRows(result).length === 1;
  }

  /** Scans every family descending from `family` (children, grandchildren, ...) now. */
  async queueDescendants(db: Queryable, family: string, cause: string): Promise<number> {
    const result = await db.query(
      `WITH RECURSIVE tree(id) AS (
         SELECT id FROM ${FAMILIES_TABLE} WHERE parent_family = $1
         UNION SELECT f.id FROM ${FAMILIES_TABLE} f JOIN tree t ON f.parent_family = t.id
       )
       UPDATE ${FAMILIES_TABLE} SET next_scan_at = now(), scan_cause = $2,
         scan_generation = scan_generation + 1
       WHERE id IN (SELECT id FROM tree) RETURNING id`,
      [family, cause],
    );
    return returnedRows(result).length;
  }

  /** Revoked versions among a version's ancestors (parent, its parent, ...), nearest first. */
  async revokedAncestors(db: Queryable, v: ScanVersion): Promise<RevokedAncestor[]> {
    if (!v.parentFamily || !v.parentVersion) return [];
    const rows = returnedRows<any>(
      await db.query(
        `WITH RECURSIVE up(family, version, generation) AS (
           SELECT $1::text, $2::text, 1
           UNION ALL
           SELECT p.parent_family, p.parent_version, up.generation + 1
           FROM up JOIN ${S}.versions p ON p.family = up.family AND p.version = up.version
           WHERE p.parent_family IS NOT NULL AND up.generation < 32
         )
         SELECT up.family, up.version, up.generation, r.reason FROM up
         JOIN ${S}.revoked_versions r ON r.family = up.family AND r.version = up.version
         ORDER BY up.generation`,
        [v.parentFamily, v.parentVersion],
      ),
    );
    return rows.map((r) => ({
      family: r.family,
      version: r.version,
      reason: r.reason,
      generation: Number(r.generation),
    }));
  }

  /** A promotion owed after a rebuild the scanner asked for (maintenance.promoteAfterRebuild). */
  async owePromotion(
    tx: EntityManager,
    p: { family: string; version: string; channel: string; askId: string },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO ${S}.promotions (family, version, channel, ask_id, state) VALUES ($1, $2, $3, $4, 'waiting')
       ON CONFLICT DO NOTHING`,
      [p.family, p.version, p.channel, p.askId],
    );
  }

  /** Owed promotions whose version now has an image in every region of the family. */
  async promotionsDue(
    db: Queryable,
    family: string,
  ): Promise<{ version: string; channel: string; askId: string }[]> {
    const rows = returnedRows<any>(
      await db.query(
        `SELECT p.version, p.channel, p.ask_id FROM ${S}.promotions p
         JOIN ${FAMILIES_TABLE} f ON f.id = p.family
         WHERE p.family = $1 AND p.state = 'waiting'
           AND NOT EXISTS (
             SELECT 1 FROM unnest(f.regions) AS r(region)
             WHERE NOT EXISTS (SELECT 1 FROM ${S}.version_images i
               WHERE i.family = p.family AND i.version = p.version AND i.region = r.region))
         ORDER BY p.created_at`,
        [family],
      ),
    );
    return rows.map((r) => ({ version: r.version, channel: r.channel, askId: r.ask_id }));
  }

  /** Marks an owed promotion requested; false when another scan already did. */
  async promotionRequested(tx: EntityManager, family: string, version: string, channel: string) {
    const result = await tx.query(
      `UPDATE ${S}.promotions SET state = 'requested', requested_at = now()
       WHERE family = $1 AND version = $2 AND channel = $3 AND state = 'waiting' RETURNING family`,
      [family, version, channel],
    );
    return returnedRows(result).length === 1;
  }

  /**
   * Where the cascade that made a parent version started: the origin of the scanner's rebuild
   * that built it (or that rebuild itself); null when it was not built on the scanner's request.
   */
  async originOf(
    db: Queryable,
    family: string,
    version: string,
  ): Promise<{ origin: CascadeOrigin; correlationId: string } | null> {
    const rows = returnedRows<any>(
      await db.query(
        `SELECT a.* FROM ${S}.rebuild_asks a JOIN ${S}.versions v ON v.build_id = a.build_id
         WHERE v.family = $1 AND v.version = $2 AND a.state = 'succeeded' LIMIT 1`,
        [family, version],
      ),
    );
    if (!rows[0]) return null;
    const ask = toRebuildAsk(rows[0]);
    return {
      origin: ask.origin ?? { family, cause: ask.cause, causeKey: ask.causeKey, requestId: ask.id },
      correlationId: ask.correlationId ?? ask.id,
    };
  }

  async family(db: Queryable, family: string): Promise<ScanFamily | null> {
    const rows = returnedRows(
      await db.query(`SELECT * FROM ${FAMILIES_TABLE} WHERE id = $1`, [family]),
    );
    return rows[0] ? toScanFamily(rows[0]) : null;
  }

  claimDue(owner: string, limit: number, leaseMs: number): Promise<Claimed<any>[]> {
    return this.leases.claim(this.db, {
      owner,
      limit,
      leaseMs,
      where: 'next_scan_at <= now()',
      orderBy: 'next_scan_at',
    });
  }

  /** The newest version by build time (built or imported). */
  async latest(db: Queryable, family: string): Promise<ScanVersion | null> {
    const rows = returnedRows(
      await db.query(
        `SELECT * FROM ${S}.versions WHERE family = $1 ORDER BY built_at DESC, version DESC LIMIT 1`,
        [family],
      ),
    );
    return rows[0] ? toScanVersion(rows[0]) : null;
  }

  async parentPointer(
    db: Queryable,
    parent: string,
    channel: string,
    buildRegion: string,
  ): Promise<ParentPointer | null> {
    const rows = returnedRows<any>(
      await db.query(
        `SELECT c.version, i.image_id FROM ${S}.channels c
         LEFT JOIN ${S}.version_images i ON i.family = c.family AND i.version = c.version AND i.region = $3
         WHERE c.family = $1 AND c.channel = $2`,
        [parent, channel, buildRegion],
      ),
    );
    if (!rows[0]) return null;
    return {
      family: parent,
      channel,
      version: rows[0].version,
      availableInBuildRegion: rows[0].image_id !== null,
    };
  }

  async asks(db: Queryable, family: string, limit = 100): Promise<RebuildAsk[]> {
    const rows = returnedRows(
      await db.query(
        `SELECT * FROM ${S}.rebuild_asks WHERE family = $1 ORDER BY asked_at DESC LIMIT $2`,
        [family, limit],
      ),
    );
    return rows.map(toRebuildAsk);
  }

  /** Records an ask; false when the same cause and attempt was already asked (by any replica). */
  async insertAsk(tx: EntityManager, ask: RebuildAsk, correlationId: string): Promise<boolean> {
    const result = await tx.query(
      `INSERT INTO ${S}.rebuild_asks (id, family, cause, cause_key, attempt, idempotency_key, reason, state, correlation_id, origin)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'asked', $8, $9) ON CONFLICT DO NOTHING RETURNING id`,
      [
        ask.id,
        ask.family,
        ask.cause,
        ask.causeKey,
        ask.attempt,
        ask.idempotencyKey,
        ask.reason,
        correlationId,
        ask.origin ? JSON.stringify(ask.origin) : null,
      ],
    );
    return returnedRows(result).length === 1;
  }

  /** Moves the ask a builder event answers (by its request id); null when it is not ours. */
  async settleAsk(
    tx: EntityManager,
    requestId: string,
    state: AskState,
    change: { buildId?: string; reason?: string },
  ): Promise<RebuildAsk | null> {
    const final = state !== 'building';
    const result = await tx.query(
      `UPDATE ${S}.rebuild_asks SET state = $2, build_id = COALESCE($3, build_id),
         outcome_reason = COALESCE($4, outcome_reason), settled_at = CASE WHEN $5 THEN now() ELSE settled_at END
       WHERE id = $1 AND state IN ('asked', 'building') RETURNING *`,
      [requestId, state, change.buildId ?? null, change.reason ?? null, final],
    );
    const rows = returnedRows(result);
    return rows[0] ? toRebuildAsk(rows[0]) : null;
  }

  /** A new version of the family: asks still open were answered by it. */
  async supersedeOpenAsks(tx: EntityManager, family: string, version: string): Promise<number> {
    const result = await tx.query(
      `UPDATE ${S}.rebuild_asks SET state = 'superseded', settled_at = now(),
         outcome_reason = $2 WHERE family = $1 AND state IN ('asked', 'building') RETURNING id`,
      [family, `version ${version} was built meanwhile`],
    );
    return returnedRows(result).length;
  }

  /** One more failed rebuild in a row; suspends the family at `max`. True when it just got suspended. */
  async recordFailure(
    tx: EntityManager,
    family: string,
    reason: string,
    max: number,
  ): Promise<boolean> {
    const rows = returnedRows<any>(
      await tx.query(
        `UPDATE ${FAMILIES_TABLE} SET consecutive_failures = consecutive_failures + 1,
           last_failure_reason = $2,
           suspended_at = CASE WHEN consecutive_failures + 1 >= $3 THEN COALESCE(suspended_at, now()) ELSE suspended_at END,
           next_scan_at = now(), scan_cause = 'rebuild-failed', scan_generation = scan_generation + 1, updated_at = now()
         WHERE id = $1 RETURNING consecutive_failures`,
        [family, reason, max],
      ),
    );
    return rows[0] !== undefined && Number(rows[0].consecutive_failures) === max;
  }

  /** A rebuild succeeded, or someone asked for one by hand: failures are forgotten. True when it was suspended. */
  async resume(tx: EntityManager, family: string): Promise<boolean> {
    const rows = returnedRows<any>(
      await tx.query(
        `UPDATE ${FAMILIES_TABLE} f SET consecutive_failures = 0, suspended_at = NULL, updated_at = now()
         FROM (SELECT id, suspended_at FROM ${FAMILIES_TABLE} WHERE id = $1 FOR UPDATE) old
         WHERE f.id = old.id RETURNING old.suspended_at`,
        [family],
      ),
    );
    return rows[0] !== undefined && rows[0].suspended_at !== null;
  }

  /** Saves a scan's outcome under its lease and releases it. */
  async saveScan(
    tx: EntityManager,
    family: string,
    lease: Lease,
    findings: MaintenanceFindings,
    digest: string,
    nextScanAt: Date,
    generation: number,
  ): Promise<void> {
    // A fact that asked for a scan while this one ran (the generation moved) keeps its "now".
    const next = nextScanAt.toISOString();
    await this.leases.update(
      tx,
      family,
      lease,
      { findings: JSON.stringify(findings), findings_digest: digest, last_scan_at: new Date() },
      {
        raw: [
          `next_scan_at = CASE WHEN scan_generation = ${Math.trunc(generation)} THEN '${next}'::timestamptz ELSE now() END`,
          `scan_cause = CASE WHEN scan_generation = ${Math.trunc(generation)} THEN 'schedule' ELSE scan_cause END`,
        ],
      },
    );
  }

  async findings(
    db: Queryable,
    filter: { family?: string; limit: number; after?: string },
  ): Promise<
    {
      family: string;
      findings: MaintenanceFindings | null;
      nextScanAt: Date;
      specVersion: number;
    }[]
  > {
    const rows = returnedRows<any>(
      await db.query(
        `SELECT id, findings, next_scan_at, spec_version FROM ${FAMILIES_TABLE}
         WHERE ($1::text IS NULL OR id = $1) AND ($2::text IS NULL OR id > $2)
         ORDER BY id LIMIT $3`,
        [filter.family ?? null, filter.after ?? null, filter.limit],
      ),
    );
    return rows.map((r) => ({
      family: r.id,
      findings: r.findings,
      nextScanAt: new Date(r.next_scan_at),
      specVersion: r.spec_version,
    }));
  }
}
