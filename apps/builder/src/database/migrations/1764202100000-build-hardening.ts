import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Builder hardening: a fencing token on every build lease (lease_epoch, bumped on each claim
 * and required by every write under the lease), when the build last created an AWS resource
 * (for the eventual-consistency window), and the test launch's step progress.
 */
export class BuildHardening1764202100000 implements MigrationInterface {
  name = 'BuildHardening1764202100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE builder.builds
      ADD COLUMN lease_epoch bigint NOT NULL DEFAULT 0,
      ADD COLUMN resource_created_at timestamptz,
      ADD COLUMN test_step_index integer NOT NULL DEFAULT 0,
      ADD COLUMN test_command_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE builder.builds
      DROP COLUMN lease_epoch, DROP COLUMN resource_created_at,
      DROP COLUMN test_step_index, DROP COLUMN test_command_id`);
  }
}
