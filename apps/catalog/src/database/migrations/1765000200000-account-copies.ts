import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Owned copies of a version in other accounts (distribution.accounts), one per account and
 * region, shown on the version under the account. Resolve never answers with them: they are
 * the other account's images.
 */
export class AccountCopies1765000200000 implements MigrationInterface {
  name = 'AccountCopies1765000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE catalog.account_copies (
      family text NOT NULL,
      version text NOT NULL,
      account text NOT NULL,
      region text NOT NULL,
      image_id text,
      snapshot_ids text[] NOT NULL DEFAULT '{}',
      state text NOT NULL CHECK (state IN ('pending', 'available', 'failed', 'released')),
      state_reason text,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (family, version, account, region),
      FOREIGN KEY (family, version) REFERENCES catalog.image_versions(family, version)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE catalog.account_copies');
  }
}
