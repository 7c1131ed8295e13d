import { MigrationInterface, QueryRunner } from 'typeorm';
import { LEASE_COLUMNS_SQL } from '@ami/jobs';

/**
 * The permissions service's state: each family's sharing (from its spec), manual grants and
 * revocations, every managed regional copy (a job row: a pass is due when its request
 * generation is ahead of the applied one, or its last reconcile is too old), drift history,
 * and what each account x region says about image block public access.
 */
export class LaunchPermissions1764202100000 implements MigrationInterface {
  name = 'LaunchPermissions1764202100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE permissions.family_sharing (
      family text PRIMARY KEY,
      spec_version integer NOT NULL,
      sharing jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE permissions.overrides (
      id uuid PRIMARY KEY,
      family text NOT NULL,
      version text,
      effect text NOT NULL CHECK (effect IN ('grant', 'revoke')),
      kind text NOT NULL CHECK (kind IN ('account', 'organization', 'organizational-unit', 'public')),
      value text NOT NULL,
      reason text NOT NULL,
      requested_by text NOT NULL,
      expires_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      ended_at timestamptz,
      ended_by text,
      ended_reason text
    )`);
    await q.query(
      `CREATE INDEX overrides_active ON permissions.overrides (family) WHERE ended_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX overrides_expiry ON permissions.overrides (expires_at) WHERE ended_at IS NULL AND expires_at IS NOT NULL`,
    );
    await q.query(`CREATE TABLE permissions.copies (
      id text PRIMARY KEY,
      family text NOT NULL,
      version text NOT NULL,
      region text NOT NULL,
      account text NOT NULL,
      image_id text NOT NULL,
      snapshot_ids text[] NOT NULL DEFAULT '{}',
      origin text NOT NULL CHECK (origin IN ('build', 'copy', 'import')),
      image_state text NOT NULL DEFAULT 'available'
        CHECK (image_state IN ('available', 'deprecated', 'disabled', 'deregistered')),
      request_generation bigint NOT NULL DEFAULT 1,
      applied_generation bigint NOT NULL DEFAULT 0,
      request_reason text NOT NULL DEFAULT 'new copy',
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_error text,
      applied jsonb,
      actual jsonb,
      desired jsonb,
      failures jsonb NOT NULL DEFAULT '[]',
      reported_drift text,
      last_applied_at timestamptz,
      last_reconciled_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      ${LEASE_COLUMNS_SQL},
      UNIQUE (family, version, region)
    )`);
    await q.query(
      `CREATE INDEX copies_due ON permissions.copies (next_attempt_at) WHERE image_state <> 'deregistered'`,
    );
    await q.query(`CREATE INDEX copies_image ON permissions.copies (region, image_id)`);
    await q.query(`CREATE TABLE permissions.drift (
      id bigserial PRIMARY KEY,
      family text NOT NULL,
      version text NOT NULL,
      region text NOT NULL,
      image_id text NOT NULL,
      mode text NOT NULL,
      differences jsonb NOT NULL,
      repaired jsonb NOT NULL,
      actual jsonb NOT NULL,
      after jsonb NOT NULL,
      found_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX drift_family ON permissions.drift (family, id DESC)`);
    await q.query(`CREATE TABLE permissions.region_status (
      account text NOT NULL,
      region text NOT NULL,
      block_public_access text NOT NULL,
      checked_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (account, region)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['region_status', 'drift', 'copies', 'overrides', 'family_sharing'])
      await q.query(`DROP TABLE permissions.${t}`);
  }
}
