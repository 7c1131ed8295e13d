import { MigrationInterface, QueryRunner } from 'typeorm';
import { LEASE_COLUMNS_SQL } from '@ami/jobs';

/**
 * What the scanner knows, built from the other services' facts: each family's maintenance
 * slice (also its scan job: claimed with fenced leases when next_scan_at is due), its
 * versions and where their images are, where its channels point, and every rebuild the
 * scanner asked for, keyed by cause so that no cause is asked for twice.
 */
export class MaintenanceScans1765100000000 implements MigrationInterface {
  name = 'MaintenanceScans1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE maintenance_scanner.families (
      id text PRIMARY KEY,
      spec_version integer NOT NULL,
      source jsonb NOT NULL,
      build_region text,
      maintenance jsonb NOT NULL,
      parent_family text,
      parent_channel text,
      next_scan_at timestamptz NOT NULL DEFAULT now(),
      scan_cause text NOT NULL DEFAULT 'spec',
      scan_generation bigint NOT NULL DEFAULT 0,
      last_scan_at timestamptz,
      findings jsonb,
      findings_digest text,
      consecutive_failures integer NOT NULL DEFAULT 0,
      last_failure_reason text,
      suspended_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      ${LEASE_COLUMNS_SQL}
    )`);
    await q.query('CREATE INDEX families_due ON maintenance_scanner.families (next_scan_at)');
    await q.query('CREATE INDEX families_parent ON maintenance_scanner.families (parent_family)');
    await q.query(`CREATE TABLE maintenance_scanner.versions (
      family text NOT NULL,
      version text NOT NULL,
      origin text NOT NULL CHECK (origin IN ('built', 'imported')),
      built_at timestamptz NOT NULL,
      source_image_id text,
      source_region text,
      parent_family text,
      parent_version text,
      build_id uuid,
      PRIMARY KEY (family, version)
    )`);
    await q.query(`CREATE TABLE maintenance_scanner.version_images (
      family text NOT NULL,
      version text NOT NULL,
      region text NOT NULL,
      image_id text NOT NULL,
      PRIMARY KEY (family, version, region)
    )`);
    await q.query(`CREATE TABLE maintenance_scanner.channels (
      family text NOT NULL,
      channel text NOT NULL,
      version text NOT NULL,
      sequence bigint,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (family, channel)
    )`);
    await q.query(`CREATE TABLE maintenance_scanner.rebuild_asks (
      id uuid PRIMARY KEY,
      family text NOT NULL,
      cause text NOT NULL,
      cause_key text NOT NULL,
      attempt integer NOT NULL,
      idempotency_key text NOT NULL,
      reason text NOT NULL,
      state text NOT NULL CHECK (state IN ('asked', 'building', 'succeeded', 'failed', 'rejected', 'superseded')),
      build_id uuid,
      outcome_reason text,
      correlation_id text NOT NULL,
      asked_at timestamptz NOT NULL DEFAULT now(),
      settled_at timestamptz,
      UNIQUE (family, cause_key, attempt)
    )`);
    await q.query(
      `CREATE INDEX rebuild_asks_open ON maintenance_scanner.rebuild_asks (family) WHERE state IN ('asked', 'building')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['rebuild_asks', 'channels', 'version_images', 'versions', 'families'])
      await q.query(`DROP TABLE maintenance_scanner.${table}`);
  }
}
