import { MigrationInterface, QueryRunner } from 'typeorm';
import { LEASE_COLUMNS_SQL } from '@ami/jobs';

/**
 * The replicator's slice of each family (its distribution), the versions it has heard of, and
 * one copy job per version x destination region (unique: never two copies of a version in a
 * region), claimed with fenced leases.
 */
export class CopyJobs1764202000000 implements MigrationInterface {
  name = 'CopyJobs1764202000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE replicator.family_distributions (
      family text PRIMARY KEY,
      spec_version integer NOT NULL,
      regions text[] NOT NULL,
      kms_keys jsonb NOT NULL DEFAULT '{}',
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE replicator.versions (
      family text NOT NULL,
      version text NOT NULL,
      origin text NOT NULL CHECK (origin IN ('build', 'import')),
      spec_version integer,
      source_region text NOT NULL,
      source_image_id text NOT NULL,
      images jsonb NOT NULL DEFAULT '{}',
      planned boolean NOT NULL DEFAULT false,
      correlation_id text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (family, version)
    )`);
    await q.query(`CREATE TABLE replicator.copy_jobs (
      id uuid PRIMARY KEY,
      family text NOT NULL,
      version text NOT NULL,
      source_region text NOT NULL,
      source_image_id text NOT NULL,
      region text NOT NULL,
      state text NOT NULL CHECK (state IN ('queued', 'starting', 'copying', 'succeeded', 'failed', 'cancelled')),
      generation integer NOT NULL DEFAULT 1,
      attempt integer NOT NULL DEFAULT 1,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      kms_key_id text,
      image_id text,
      image_name text,
      client_token text,
      snapshot_ids text[] NOT NULL DEFAULT '{}',
      failure_code text,
      failure_reason text,
      requested_by text NOT NULL,
      correlation_id text NOT NULL,
      released_spec_version integer,
      released_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      slot_at timestamptz,
      copy_started_at timestamptz,
      finished_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      ${LEASE_COLUMNS_SQL},
      UNIQUE (family, version, region)
    )`);
    // The in-flight count per region (slots) and the due-work scans.
    await q.query(`CREATE INDEX copy_jobs_region_state ON replicator.copy_jobs (region, state)`);
    await q.query(
      `CREATE INDEX copy_jobs_due ON replicator.copy_jobs (state, next_attempt_at) WHERE state IN ('queued', 'starting', 'copying')`,
    );
    await q.query(
      `CREATE INDEX copy_jobs_listing ON replicator.copy_jobs (created_at DESC, id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE replicator.copy_jobs');
    await q.query('DROP TABLE replicator.versions');
    await q.query('DROP TABLE replicator.family_distributions');
  }
}
