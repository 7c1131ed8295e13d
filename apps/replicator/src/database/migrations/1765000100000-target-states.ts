import { MigrationInterface, QueryRunner } from 'typeorm';
import { LEASE_COLUMNS_SQL } from '@ami/jobs';

/**
 * Where each channel of each family points, as the replicator heard it (the catalog's
 * channel-moved events, newest sequence wins), and one state row per distribution target
 * (family x channel x kind x region x target): what it should hold, what was written, and
 * the attempts, claimed with fenced leases like copy jobs.
 */
export class TargetStates1765000100000 implements MigrationInterface {
  name = 'TargetStates1765000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE replicator.channel_pointers (
      family text NOT NULL,
      channel text NOT NULL,
      version text NOT NULL,
      previous_version text,
      sequence bigint,
      movement text NOT NULL,
      moved_by text NOT NULL,
      correlation_id text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (family, channel)
    )`);
    await q.query(`CREATE TABLE replicator.distribution_targets (
      id uuid PRIMARY KEY,
      family text NOT NULL,
      channel text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('ssm-parameter', 'launch-template')),
      region text NOT NULL,
      target text NOT NULL,
      set_default boolean NOT NULL DEFAULT false,
      state text NOT NULL CHECK (state IN ('pending', 'written', 'failed')),
      desired_version text NOT NULL,
      movement text NOT NULL,
      generation integer NOT NULL DEFAULT 1,
      attempt integer NOT NULL DEFAULT 1,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      waiting_since timestamptz,
      image_id text,
      written_version text,
      written_ref text,
      previous_image_id text,
      drift jsonb,
      failure_code text,
      failure_reason text,
      correlation_id text NOT NULL,
      written_at timestamptz,
      checked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      ${LEASE_COLUMNS_SQL},
      UNIQUE (family, channel, kind, region, target)
    )`);
    await q.query(
      `CREATE INDEX distribution_targets_due ON replicator.distribution_targets (next_attempt_at) WHERE state IN ('pending', 'failed')`,
    );
    await q.query(
      `CREATE INDEX distribution_targets_checked ON replicator.distribution_targets (checked_at) WHERE state = 'written'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE replicator.distribution_targets');
    await q.query('DROP TABLE replicator.channel_pointers');
  }
}
