import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { sharingSchema } from '@ami/contracts';
import { returnedRows } from '@ami/persistence';
import type { ManualOverride, SharingPolicy } from './desired-state.js';
import type { Principal } from './principal.js';

export interface StoredOverride extends ManualOverride {
  family: string;
  reason: string;
  requestedBy: string;
  createdAt: string;
}

export interface NewOverride {
  family: string;
  version: string | null;
  effect: 'grant' | 'revoke';
  principal: Principal;
  reason: string;
  requestedBy: string;
  expiresAt: Date | null;
}

function toOverride(r: Record<string, any>): StoredOverride {
  return {
    id: r.id,
    family: r.family,
    version: r.version,
    effect: r.effect,
    principal: { kind: r.kind, value: r.value },
    expiresAt: r.expires_at ? new Date(r.expires_at) : null,
    reason: r.reason,
    requestedBy: r.requested_by,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

/** Each family's sharing policy (its spec's slice) and its manual grants and revocations. */
@Injectable()
export class FamilySharingRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async policy(
    family: string,
    tx: EntityManager | DataSource = this.db,
  ): Promise<{ specVersion: number; sharing: SharingPolicy } | null> {
    const rows = await tx.query(
      'SELECT spec_version, sharing FROM permissions.family_sharing WHERE family = $1',
      [family],
    );
    if (!rows[0]) return null;
    // parse: a policy stored before a field was added gets that field's default
    return { specVersion: rows[0].spec_version, sharing: sharingSchema.parse(rows[0].sharing) };
  }

  /** Stores a newer spec version's sharing; returns the previous policy, or undefined when the spec was not newer. */
  async savePolicy(
    tx: EntityManager,
    family: string,
    specVersion: number,
    sharing: SharingPolicy,
  ): Promise<{ previous: SharingPolicy | null } | undefined> {
    const previous = await this.policy(family, tx);
    if (previous && previous.specVersion >= specVersion) return undefined;
    await tx.query(
      `INSERT INTO permissions.family_sharing (family, spec_version, sharing) VALUES ($1, $2, $3)
       ON CONFLICT (family) DO UPDATE SET spec_version = EXCLUDED.spec_version, sharing = EXCLUDED.sharing, updated_at = now()
       WHERE permissions.family_sharing.spec_version < EXCLUDED.spec_version`,
      [family, specVersion, JSON.stringify(sharing)],
    );
    return { previous: previous?.sharing ?? null };
  }

  async activeOverrides(
    family: string,
    tx: EntityManager | DataSource = this.db,
  ): Promise<StoredOverride[]> {
    const rows = await tx.query(
      `SELECT * FROM permissions.overrides WHERE family = $1 AND ended_at IS NULL
         AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at, id`,
      [family],
    );
    return rows.map(toOverride);
  }

  async addOverride(tx: EntityManager, o: NewOverride): Promise<StoredOverride> {
    const rows = await tx.query(
      `INSERT INTO permissions.overrides (id, family, version, effect, kind, value, reason, requested_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [
        randomUUID(),
        o.family,
        o.version,
        o.effect,
        o.principal.kind,
        o.principal.value,
        o.reason,
        o.requestedBy,
        o.expiresAt,
      ],
    );
    return toOverride(rows[0]);
  }

  /** Ends an override (withdrawn by an admin, or expired); null when it was not active. */
  async endOverride(
    tx: EntityManager,
    family: string,
    id: string,
    by: string,
    reason: string,
  ): Promise<StoredOverride | null> {
    const result = await tx.query(
      `UPDATE permissions.overrides SET ended_at = now(), ended_by = $3, ended_reason = $4
       WHERE family = $1 AND id = $2 AND ended_at IS NULL RETURNING *`,
      [family, id, by, reason],
    );
    const row = returnedRows(result)[0];
    return row ? toOverride(row) : null;
  }

  /** Ends every override past its expiry, once across replicas (the UPDATE takes each row once). */
  async expireDue(tx: EntityManager, limit = 100): Promise<StoredOverride[]> {
    const result = await tx.query(
      `UPDATE permissions.overrides SET ended_at = now(), ended_by = 'permissions', ended_reason = 'expired'
       WHERE id IN (SELECT id FROM permissions.overrides WHERE ended_at IS NULL AND expires_at <= now()
                    ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [limit],
    );
    return returnedRows(result).map(toOverride);
  }
}
