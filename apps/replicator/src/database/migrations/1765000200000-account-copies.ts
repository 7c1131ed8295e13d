import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Copy jobs gain the account the copy is made in (NULL: the platform's own) and the role
 * assumed there; a version is copied once per region and account.
 */
export class AccountCopies1765000200000 implements MigrationInterface {
  name = 'AccountCopies1765000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE replicator.copy_jobs ADD COLUMN account text, ADD COLUMN role_name text',
    );
    await q.query(
      'ALTER TABLE replicator.copy_jobs DROP CONSTRAINT copy_jobs_family_version_region_key',
    );
    await q.query(
      `CREATE UNIQUE INDEX copy_jobs_identity ON replicator.copy_jobs (family, version, region, (COALESCE(account, '')))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DELETE FROM replicator.copy_jobs WHERE account IS NOT NULL');
    await q.query('DROP INDEX replicator.copy_jobs_identity');
    await q.query(
      'ALTER TABLE replicator.copy_jobs ADD CONSTRAINT copy_jobs_family_version_region_key UNIQUE (family, version, region)',
    );
    await q.query('ALTER TABLE replicator.copy_jobs DROP COLUMN account, DROP COLUMN role_name');
  }
}
