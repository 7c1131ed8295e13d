import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The distribution slice grows the targets (SSM parameters, launch templates) and the
 * accounts that get owned copies; specs saved before keep working with none of either.
 */
export class DistributionTargetsSlice1765000000000 implements MigrationInterface {
  name = 'DistributionTargetsSlice1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE replicator.family_distributions
      ADD COLUMN targets jsonb NOT NULL DEFAULT '{"ssmParameters":[],"launchTemplates":[]}',
      ADD COLUMN accounts jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE replicator.family_distributions DROP COLUMN targets, DROP COLUMN accounts',
    );
  }
}
