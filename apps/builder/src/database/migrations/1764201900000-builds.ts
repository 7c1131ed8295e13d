import { MigrationInterface, QueryRunner } from 'typeorm';

/** The builder's slice of each family (recipe, source), what it knows of lineage, and builds. */
export class Builds1764201900000 implements MigrationInterface {
  name = 'Builds1764201900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE builder.family_recipes (
      family text PRIMARY KEY,
      spec_version integer NOT NULL,
      source jsonb NOT NULL,
      recipe jsonb,
      recipe_digest text,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE builder.channel_pointers (
      family text NOT NULL, channel text NOT NULL, version text NOT NULL,
      PRIMARY KEY (family, channel)
    )`);
    await q.query(`CREATE TABLE builder.known_images (
      family text NOT NULL, version text NOT NULL, region text NOT NULL, image_id text NOT NULL,
      PRIMARY KEY (family, version, region)
    )`);
    await q.query(`CREATE TABLE builder.builds (
      id uuid PRIMARY KEY,
      family text NOT NULL,
      state text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'rejected', 'skipped', 'cancelled')),
      step text NOT NULL,
      step_attempt integer NOT NULL DEFAULT 1,
      step_started_at timestamptz NOT NULL DEFAULT now(),
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      lease_owner text,
      lease_until timestamptz,
      cancel_requested boolean NOT NULL DEFAULT false,
      force boolean NOT NULL DEFAULT false,
      reason text NOT NULL,
      requested_by text NOT NULL,
      request_id text NOT NULL,
      correlation_id text NOT NULL,
      idempotency_key text,
      retry_of uuid REFERENCES builder.builds(id),
      spec_version integer NOT NULL,
      recipe jsonb NOT NULL,
      recipe_digest text NOT NULL,
      source_spec jsonb NOT NULL,
      source jsonb,
      instance_id text,
      command_id text,
      image_id text,
      image_name text,
      version text,
      snapshot_ids text[] NOT NULL DEFAULT '{}',
      test_instance_id text,
      failed_step text,
      failure_reason text,
      cleaned_up text[] NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      finished_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(
      `CREATE UNIQUE INDEX builds_one_active_per_family ON builder.builds (family) WHERE state IN ('queued', 'running')`,
    );
    await q.query(
      `CREATE UNIQUE INDEX builds_idempotency ON builder.builds (family, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX builds_version ON builder.builds (family, version) WHERE version IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX builds_due ON builder.builds (next_attempt_at) WHERE state = 'running'`,
    );
    await q.query(`CREATE INDEX builds_family ON builder.builds (family, created_at DESC)`);
    await q.query(`CREATE TABLE builder.build_steps (
      id bigserial PRIMARY KEY,
      build_id uuid NOT NULL REFERENCES builder.builds(id),
      step text NOT NULL,
      status text NOT NULL CHECK (status IN ('started', 'completed', 'failed')),
      attempt integer NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      detail jsonb
    )`);
    await q.query('CREATE INDEX build_steps_build ON builder.build_steps (build_id, id)');
    await q.query(
      `ALTER TABLE builder.rebuild_requests ADD COLUMN outcome text, ADD COLUMN build_id uuid`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE builder.rebuild_requests DROP COLUMN outcome, DROP COLUMN build_id');
    for (const t of ['build_steps', 'builds', 'known_images', 'channel_pointers', 'family_recipes'])
      await q.query(`DROP TABLE builder.${t}`);
  }
}
